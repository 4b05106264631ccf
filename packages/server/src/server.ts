import { type Config, createRedis, type RedisClient, waitForRedis } from '@threadkit/core';
import type { FastifyInstance } from 'fastify';
import { buildApp, createLogger } from './app.js';
import { type AppContext, createContext } from './context.js';
import { IdleMemoryRelease } from './memory.js';
import { Gateway, type GatewayOptions } from './realtime/gateway.js';
import { type ManagedRedis, startManagedRedis } from './redis-supervisor.js';
import { keepTickRecord } from './tick-record.js';

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
  /** The HTTP API, unless only the gateway runs. */
  app: FastifyInstance | null;
  /** The WebSocket gateway, unless only the HTTP API runs. */
  gateway: Gateway | null;
  context: AppContext;
  url: string | null;
  wsUrl: string | null;
  close(): Promise<void>;
}

/** Which servers a process runs: `threadkit start` runs both. */
export type ServerParts = { http: boolean; ws: boolean };

/**
 * Runs the HTTP API and/or the WebSocket gateway until `close()`: wires the
 * services once, runs `beforeListen` (the standalone site is made there, so no
 * request can see the server without it) and listens. Closing drains both: in-flight requests finish,
 * WebSocket clients get 1001.
 */
export async function startServer(
  config: Config,
  connection: RedisConnection,
  parts: ServerParts = { http: true, ws: true },
  gatewayOptions: GatewayOptions = {},
  beforeListen: (context: AppContext) => Promise<void> = async () => {},
): Promise<RunningServer> {
  await keepTickRecord();
  const logger = createLogger(config.logLevel);
  let lastRedisError = 0;
  connection.redis.on('error', (error: Error) => {
    // Reconnect attempts fail many times a second during an outage; log at most every 5 s.
    if (Date.now() - lastRedisError > 5000) logger.warn({ err: error.message }, 'redis connection error');
    lastRedisError = Date.now();
  });
  const context = await createContext(config, connection.redis, logger);
  const app = parts.http ? await buildApp({ context, logger }) : null;
  // The HTTP app runs the site-purge worker; a process of the gateway alone runs it here.
  if (!app) context.purges.start();
  const gateway = parts.ws
    ? new Gateway(
        {
          config: config.ws,
          trustProxy: config.trustProxy,
          redis: connection.redis,
          sites: context.directory,
          auth: context.auth,
          usage: context.usage,
          realtime: context.realtime,
          purges: context.purges,
          logger,
        },
        // The HTTP API's /metrics already reports the process when both run here.
        { processMetrics: !parts.http, ...gatewayOptions },
      )
    : null;
  try {
    await beforeListen(context);
    const url = app ? await app.listen({ host: config.http.host, port: config.http.port }) : null;
    const wsUrl = gateway ? await gateway.listen(config.ws.host, config.ws.port) : null;
    const memory = new IdleMemoryRelease();
    return {
      app,
      gateway,
      context,
      url,
      wsUrl,
      close: async () => {
        memory.stop();
        // The gateway tells its clients first; then Fastify stops accepting and lets in-flight requests finish.
        await gateway?.close();
        if (app) await app.close();
        else await Promise.all([context.usage.close(), context.purges.stop()]);
      },
    };
  } catch (error) {
    await gateway?.close();
    await app?.close();
    if (!app) await context.purges.stop();
    throw error;
  }
}
