import {
  type Config,
  createRedis,
  generateApiKey,
  loadConfig,
  type RedisClient,
  waitForRedis,
} from '@threadkit/core';
import { type AppContext, buildApp, type ContextOptions, createContext } from '@threadkit/server';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import pino from 'pino';
import { type RedisClusterHandle, type RedisServerHandle, startRedis, startRedisCluster } from './redis.js';
import { eventually } from './wait.js';

export const TEST_ORIGIN = 'https://blog.example.com';

/** The harness's default `RATE_LIMITS`: every budget far above what a test sends. */
export const GENEROUS_RATE_LIMITS = 'reads=1000000,writes=1000000,auth=1000000,key=1000000';

interface TestSite {
  id: string;
  publicKey: string;
  secretKey: string;
}

export interface TestApi {
  app: FastifyInstance;
  context: AppContext;
  redis: RedisClient;
  config: Config;
  site: TestSite;
  /** The backing Redis: a single server or a cluster. */
  backend: { server?: RedisServerHandle; cluster?: RedisClusterHandle };
  /** A request with the public key from the allowed origin (and a token, when given). */
  call(options: InjectOptions & { token?: string }): Promise<LightMyRequestResponse>;
  /** A request with the secret key (the owner), server to server. */
  owner(options: InjectOptions & { token?: string }): Promise<LightMyRequestResponse>;
  /** A new guest commenter: its token and user id. */
  guest(name?: string): Promise<{ token: string; refreshToken: string; userId: string }>;
  /** A new account registered with a password (its address not yet proven): its token and user id. */
  register(name: string, email: string, password: string): Promise<{ token: string; userId: string }>;
  /** Gives a commenter a role on the site, as the owner would (`threadkit admin promote`). */
  promote(userId: string, role: 'admin' | 'moderator'): Promise<void>;
  /** Builds another app instance on the same Redis (a second server behind a load balancer). */
  secondInstance(): Promise<FastifyInstance>;
  stop(): Promise<void>;
}

export interface TestApiOptions {
  cluster?: boolean;
  env?: Record<string, string>;
  /** Options for the single redis-server (ignored for a cluster). */
  redis?: { appendonly?: boolean; args?: string[] };
  /** Passed to every instance's `createContext` (e.g. a fast mail-queue poll). */
  context?: ContextOptions;
  /** Where the apps look for the built widget (default: packages/widget/dist). */
  widgetDir?: string;
  /**
   * Fills the new single server before the first instance starts (a restored
   * snapshot, say): a standalone site found there is kept, so pass its `keys`.
   */
  seed?: (server: RedisServerHandle) => Promise<void>;
  /** The site's keys, instead of new ones. */
  keys?: { publicKey: string; secretKey: string };
}

/**
 * The HTTP API on a throwaway Redis (one server or a 3-master cluster), with a
 * standalone site allowed from TEST_ORIGIN. Requests go through `inject`, the
 * full Fastify pipeline without a socket.
 */
export async function startTestApi(options: TestApiOptions = {}): Promise<TestApi> {
  const backend: TestApi['backend'] = {};
  let redisEnv: Record<string, string>;
  if (options.cluster) {
    backend.cluster = await startRedisCluster();
    redisEnv = { REDIS_CLUSTER_NODES: backend.cluster.nodes.map((n) => `${n.host}:${n.port}`).join(',') };
  } else {
    backend.server = await startRedis(options.redis);
    redisEnv = { REDIS_URL: backend.server.url };
  }
  if (options.seed) {
    if (!backend.server) throw new Error('seed needs a single server, not a cluster');
    try {
      await options.seed(backend.server);
    } catch (error) {
      await backend.server.stop();
      throw error;
    }
  }
  const publicKey = options.keys?.publicKey ?? generateApiKey('public');
  const secretKey = options.keys?.secretKey ?? generateApiKey('secret');
  const config = loadConfig({
    ...redisEnv,
    LOG_LEVEL: 'silent',
    THREADKIT_ALLOWED_ORIGINS: TEST_ORIGIN,
    THREADKIT_PUBLIC_KEY: publicKey,
    THREADKIT_SECRET_KEY: secretKey,
    // Suites send many requests from one address in a row: generous budgets, still counted.
    // Rate-limit tests opt into the real defaults with `env: { RATE_LIMITS: '' }`.
    RATE_LIMITS: GENEROUS_RATE_LIMITS,
    ...options.env,
  });
  const clients: RedisClient[] = [];
  const apps: FastifyInstance[] = [];
  const instance = async () => {
    const redis = createRedis(config.redis);
    redis.on('error', () => {});
    clients.push(redis);
    await waitForRedis(redis);
    const context = await createContext(
      config,
      redis,
      pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
      options.context,
    );
    const app = await buildApp({
      context,
      widgetDir: options.widgetDir,
      ...(process.env.TEST_LOG_LEVEL ? { logger: pino({ level: process.env.TEST_LOG_LEVEL }) } : {}),
    });
    apps.push(app);
    return { app, context, redis };
  };
  const { app, context, redis } = await instance();
  const bootstrap = await context.sites.ensureStandaloneSite(config.site);
  const site = { id: bootstrap.site.id, publicKey, secretKey };

  const withAuth = (
    key: string,
    origin: string | null,
    { token, headers, ...rest }: InjectOptions & { token?: string },
  ) =>
    app.inject({
      ...rest,
      headers: {
        projectid: key,
        ...(origin ? { origin } : {}),
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...headers,
      },
    });

  const call: TestApi['call'] = (opts) => withAuth(publicKey, TEST_ORIGIN, opts);
  const owner: TestApi['owner'] = (opts) => withAuth(secretKey, null, opts);

  return {
    app,
    context,
    redis,
    config,
    site,
    backend,
    call,
    owner,
    guest: async (name = 'Guest') => {
      const response = await call({ method: 'POST', url: '/v1/auth/guest', payload: { name } });
      if (response.statusCode !== 201) throw new Error(`guest sign-in failed: ${response.body}`);
      const body = response.json();
      return { token: body.token, refreshToken: body.refresh_token, userId: body.user.id };
    },
    register: async (name, email, password) => {
      const payload = { name, email, password };
      const response = await call({ method: 'POST', url: '/v1/auth/register', payload });
      if (response.statusCode !== 201) throw new Error(`registration failed: ${response.body}`);
      const body = response.json();
      return { token: body.token, userId: body.user.id };
    },
    promote: async (userId, role) => {
      const owner = { siteId: site.id, userId: null, role: 'owner' as const, sessionId: null };
      await context.moderation.setRole(await context.sites.get(site.id), owner, userId, role, true);
    },
    secondInstance: async () => (await instance()).app,
    stop: async () => {
      for (const a of apps) await a.close();
      for (const c of clients) c.disconnect();
      await backend.server?.stop();
      await backend.cluster?.stop();
    },
  };
}

interface PageSubscription {
  /** Messages received so far, parsed. */
  messages: {
    audience: { public: boolean; user_id?: string };
    message: { method: string; params: Record<string, unknown> };
  }[];
  /** Resolves when a message with this method has arrived (or rejects after a deadline). */
  next(method: string, timeoutMs?: number): Promise<PageSubscription['messages'][number]>;
  close(): Promise<void>;
}

/** Listens on a page's event channel the way the real-time gateway does (sharded pub/sub on a cluster). */
export async function subscribeToChannel(api: TestApi, channel: string): Promise<PageSubscription> {
  const { Cluster, Redis } = await import('ioredis');
  const messages: PageSubscription['messages'] = [];
  const onMessage = (_channel: string, raw: string) => messages.push(JSON.parse(raw));
  let client: InstanceType<typeof Redis> | InstanceType<typeof Cluster>;
  if (api.backend.cluster) {
    const cluster = new Cluster(api.backend.cluster.nodes, { shardedSubscribers: true });
    cluster.on('smessage', onMessage);
    await cluster.ssubscribe(channel);
    client = cluster;
  } else {
    const redis = new Redis(api.backend.server!.url);
    redis.on('message', onMessage);
    await redis.subscribe(channel);
    client = redis;
  }
  return {
    messages,
    next: async (method, timeoutMs = 5000) => {
      const found = await eventually(
        `a ${method} event`,
        async () => messages.find((m) => m.message.method === method),
        (m) => m !== undefined,
        timeoutMs,
      );
      messages.splice(messages.indexOf(found!), 1);
      return found!;
    },
    close: async () => {
      client.disconnect();
    },
  };
}
