export * from './api.js';
export * from './expect.js';
export * from './redis.js';
export * from './wait.js';
