import { type Config, createRedis, type RedisClient, waitForRedis } from '@threadkit/core';
import type { FastifyInstance } from 'fastify';
import { buildApp, createLogger } from './app.js';
import { type AppContext, createContext } from './context.js';
import { type ManagedRedis, startManagedRedis } from './redis-supervisor.js';

export interface RedisConnection {
  redis: RedisClient;
  managed: ManagedRedis | null;
  close(): Promise<void>;
}

/** Connects to the configured Redis, or starts the managed one when none is configured. */
export async function connectRedis(
  config: Config,
  log: (message: string) => void,
  options: { keepManagedRunning?: boolean } = {},
): Promise<RedisConnection> {
  const external =
    config.redis.url || config.redis.clusterNodes.length > 0 || config.redis.sentinels.length > 0;
  const managed = external ? null : await startManagedRedis({ dataDir: config.dataDir, log });
  const redis = createRedis(managed ? { ...config.redis, url: managed.url } : config.redis);
  // Without a listener ioredis prints every reconnect failure; the metrics plugin counts them.
  redis.on('error', () => {});
  await waitForRedis(redis);
  return {
    redis,
    managed,
    close: async () => {
      await redis.quit().catch(() => redis.disconnect());
      if (managed && !(options.keepManagedRunning && managed.reused)) await managed.stop();
    },
  };
}

export interface RunningServer {
  app: FastifyInstance;
  context: AppContext;
  url: string;
  close(): Promise<void>;
}

/** Runs the HTTP API until `close()`: connects Redis, wires the services and listens. */
export async function startServer(config: Config, connection: RedisConnection): Promise<RunningServer> {
  const logger = createLogger(config.logLevel);
  let lastRedisError = 0;
  connection.redis.on('error', (error: Error) => {
    // Reconnect attempts fail many times a second during an outage; log at most every 5 s.
    if (Date.now() - lastRedisError > 5000) logger.warn({ err: error.message }, 'redis connection error');
    lastRedisError = Date.now();
  });
  const context = await createContext(config, connection.redis, logger);
  const app = await buildApp({ context, logger });
  const url = await app.listen({ host: config.http.host, port: config.http.port });
  return {
    app,
    context,
    url,
    // Fastify stops accepting, lets in-flight requests finish, then resolves.
    close: () => app.close(),
  };
}
