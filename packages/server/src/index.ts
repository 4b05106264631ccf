export { type AppOptions, BODY_LIMIT, buildApp, createLogger } from './app.js';
export { type AppContext, type ContextOptions, createContext } from './context.js';
export { type ManagedRedis, startManagedRedis } from './redis-supervisor.js';
export { connectRedis, type RunningServer, startServer } from './server.js';
