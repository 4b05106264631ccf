export * from './api.js';
export * from './expect.js';
export { freePort } from './process.js';
export * from './redis.js';
export * from './wait.js';
