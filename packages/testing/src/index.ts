export * from './api.js';
export * from './expect.js';
export * from './mime.js';
export { freePort } from './process.js';
export * from './redis.js';
export * from './smtp.js';
export * from './twilio.js';
export * from './wait.js';
