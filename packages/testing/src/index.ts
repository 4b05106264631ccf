export * from './api.js';
export * from './redis.js';
export * from './wait.js';
