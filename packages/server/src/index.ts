export { type AppOptions, BODY_LIMIT, buildApp, createLogger } from './app.js';
export { type AppContext, type ContextOptions, createContext } from './context.js';
export { Gateway, type GatewayDeps, type GatewayOptions } from './realtime/gateway.js';
export { type ManagedRedis, startManagedRedis } from './redis-supervisor.js';
export { connectRedis, type RunningServer, type ServerParts, startServer } from './server.js';
