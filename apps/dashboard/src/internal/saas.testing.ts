import { createRedis, loadConfig, type Mailer, type RedisClient, waitForRedis } from '@threadkit/core';
import { type AppContext, buildApp, type ContextOptions, createContext } from '@threadkit/server';
import { GENEROUS_RATE_LIMITS, type RedisServerHandle, startRedis } from '@threadkit/testing';
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { OwnerPlans } from '../billing/plans';
import type { DatabaseHandle } from '../db/database';
import { owners } from '../db/schema';
import type { Engine } from '../db/test-databases';
import { Sites, type SiteView } from '../sites/sites';
import { WebhookNotices } from '../sites/webhook-notices';
import { internalApi } from './api';
import { serveFetch } from './serve.testing';

/** The dashboard's public address, as the internal API names it (the "Powered by ThreadKit" link). */
export const DASHBOARD_URL = 'https://dashboard.test';

/** A comment server in MODE=saas, learning its sites from this dashboard's real internal API. */
export interface SaasStack {
  handle: DatabaseHandle;
  sites: Sites;
  /** The internal API, served over HTTP as Next serves it. */
  dashboard: { url: string; close(): Promise<void> };
  redisServer: RedisServerHandle;
  redis: RedisClient;
  context: AppContext;
  app: FastifyInstance;
  /** The one owner of the sites `addSite` makes. */
  owner: typeof owners.$inferSelect;
  /** A verified owner's site, allowed from `origin`; its secret key is in the answer only. */
  addSite(name: string, origin: string): Promise<{ site: SiteView; secretKey: string }>;
  /** Another comment server instance on the same Redis and dashboard (closed with the stack). */
  anotherApp(): Promise<FastifyInstance>;
  close(): Promise<void>;
}

/** Starts it all for a test file: the database `label` on `engine`, Redis, the internal API and the app. */
export async function startSaas(
  engine: Engine,
  label: string,
  options: {
    secret: string;
    context?: ContextOptions;
    /** Where the dashboard's e-mails to owners go (disabled webhooks); without it it refuses such reports. */
    mailer?: Mailer;
  },
): Promise<SaasStack> {
  const [handle, redisServer] = await Promise.all([engine.open(label), startRedis()]);
  const sites = new Sites(handle.db);
  const notices =
    options.mailer &&
    new WebhookNotices({
      sites,
      mailer: options.mailer,
      link: (pathAndQuery) => `${DASHBOARD_URL}${pathAndQuery}`,
      onMailError: (error) => console.error('dashboard e-mail failed', error),
    });
  const dashboard = await serveFetch(
    internalApi({ secret: options.secret, sites, publicUrl: DASHBOARD_URL, ...(notices ? { notices } : {}) }),
  );
  const config = loadConfig({
    MODE: 'saas',
    INTERNAL_API_URL: dashboard.url,
    INTERNAL_API_SECRET: options.secret,
    REDIS_URL: redisServer.url,
    LOG_LEVEL: 'silent',
    RATE_LIMITS: GENEROUS_RATE_LIMITS,
  });
  const others: { app: FastifyInstance; redis: RedisClient }[] = [];
  const instance = async () => {
    const redis = createRedis(config.redis);
    redis.on('error', () => {});
    await waitForRedis(redis);
    const context = await createContext(config, redis, pino({ level: 'silent' }), options.context);
    return { redis, context, app: await buildApp({ context }) };
  };
  const { redis, context, app } = await instance();
  const [owner] = (await handle.db
    .insert(owners)
    .values({ id: 'owner', email: 'owner@example.com', emailVerifiedAt: new Date() })
    .returning()) as [typeof owners.$inferSelect];
  // Room for every site and moderator the tests make; the plans' own limits are tested on their own.
  await new OwnerPlans(handle.db).grant(owner.id, 'business');
  return {
    handle,
    sites,
    dashboard,
    redisServer,
    redis,
    context,
    app,
    owner,
    addSite: (name, origin) =>
      sites.create(owner, { name, domain: new URL(origin).hostname, allowedOrigins: [origin] }),
    anotherApp: async () => {
      const other = await instance();
      others.push(other);
      return other.app;
    },
    close: async () => {
      for (const other of [...others, { app, redis }]) {
        await other.app.close();
        other.redis.disconnect();
      }
      await redisServer.stop();
      await dashboard.close();
      await handle.close();
    },
  };
}
