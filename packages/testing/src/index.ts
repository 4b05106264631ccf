export * from './api.js';
export * from './redis.js';
