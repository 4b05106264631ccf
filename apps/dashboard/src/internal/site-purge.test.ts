import { randomBytes } from 'node:crypto';
import { createRedis, keys, loadConfig, type RedisClient, waitForRedis } from '@threadkit/core';
import { type AppContext, buildApp, createContext } from '@threadkit/server';
import { expectError, GENEROUS_RATE_LIMITS, type RedisServerHandle, startRedis } from '@threadkit/testing';
import type { FastifyInstance, InjectOptions } from 'fastify';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '../db/database';
import { owners } from '../db/schema';
import { databaseEngines } from '../db/test-databases';
import { Sites, type SiteView } from '../sites/sites';
import { internalApi } from './api';
import { serveFetch } from './serve.testing';

/**
 * Deleting a site's comment data in MODE=saas: `DELETE /v1/sites/:id` is for
 * the owner acting through the dashboard, never for the secret key, and the
 * comment server's worker removes a deleted site's keys from Redis.
 */

const SECRET = randomBytes(32).toString('base64url');
const pglite = databaseEngines().find((engine) => engine.name === 'pglite')!;
const ORIGIN_A = 'https://a.example';
const ORIGIN_B = 'https://b.example';

let handle: DatabaseHandle;
let sites: Sites;
let dashboard: { url: string; close(): Promise<void> };
let redisServer: RedisServerHandle;
let redis: RedisClient;
let context: AppContext;
let app: FastifyInstance;
let owner: typeof owners.$inferSelect;
let siteA: SiteView;
let secretA: string;
let siteB: SiteView;
let secretB: string;

beforeAll(async () => {
  [handle, redisServer] = await Promise.all([pglite.open('site-purge'), startRedis()]);
  sites = new Sites(handle.db);
  dashboard = await serveFetch(internalApi({ secret: SECRET, sites }));
  const config = loadConfig({
    MODE: 'saas',
    INTERNAL_API_URL: dashboard.url,
    INTERNAL_API_SECRET: SECRET,
    REDIS_URL: redisServer.url,
    LOG_LEVEL: 'silent',
    RATE_LIMITS: GENEROUS_RATE_LIMITS,
  });
  redis = createRedis(config.redis);
  redis.on('error', () => {});
  await waitForRedis(redis);
  // A short margin and poll: the worker the app runs finishes a purge in well under a second.
  context = await createContext(config, redis, pino({ level: 'silent' }), {
    sitePurges: { marginMs: 200, pollMs: 20 },
  });
  app = await buildApp({ context });
  [owner] = (await handle.db
    .insert(owners)
    .values({ id: 'owner', email: 'owner@example.com', emailVerifiedAt: new Date() })
    .returning()) as [typeof owners.$inferSelect];
  ({ site: siteA, secretKey: secretA } = await sites.create(owner, {
    name: 'A',
    domain: 'a.example',
    allowedOrigins: [ORIGIN_A],
  }));
  ({ site: siteB, secretKey: secretB } = await sites.create(owner, {
    name: 'B',
    domain: 'b.example',
    allowedOrigins: [ORIGIN_B],
  }));
});
afterAll(async () => {
  await app?.close();
  redis?.disconnect();
  await redisServer?.stop();
  await dashboard?.close();
  await handle?.close();
});

const asReader =
  (site: { publicKey: string }, origin: string) =>
  ({ headers, token, ...options }: InjectOptions & { token?: string }) =>
    app.inject({
      ...options,
      headers: {
        projectid: site.publicKey,
        origin,
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...headers,
      },
    });
const withSecret = (secret: string, options: InjectOptions) =>
  app.inject({ ...options, headers: { projectid: secret } });

/** Comments, commenters, sessions, votes, notifications, page views and usage of a site, through the API. */
async function fill(site: SiteView, origin: string): Promise<void> {
  const call = asReader(site, origin);
  const tokens: string[] = [];
  for (const name of ['Ann', 'Bob']) {
    const response = await call({ method: 'POST', url: '/v1/auth/guest', payload: { name } });
    expect(response.statusCode, response.body).toBe(201);
    tokens.push(response.json().token);
  }
  const [ann, bob] = tokens as [string, string];
  const page = `${origin}/post`;
  const root = await call({
    method: 'POST',
    url: '/v1/comments',
    token: ann,
    payload: { page_url: page, content: 'Hi' },
  });
  expect(root.statusCode, root.body).toBe(201);
  const id = root.json().comment.i;
  const reply = await call({
    method: 'POST',
    url: '/v1/comments',
    token: bob,
    payload: { page_url: page, content: 'Hello, @Ann', parent_id: id },
  });
  expect(reply.statusCode, reply.body).toBe(201);
  const vote = await call({
    method: 'POST',
    url: `/v1/comments/${id}/vote`,
    token: bob,
    payload: { direction: 'up' },
  });
  expect(vote.statusCode, vote.body).toBe(200);
  expect(
    (await call({ method: 'GET', url: `/v1/comments?page_url=${encodeURIComponent(page)}` })).statusCode,
  ).toBe(200);
  await context.notifications.settled();
  await Promise.all([context.pages.flush(), context.usage.flush(), context.rateLimiter.flush()]);
}

async function keysOf(siteId: string): Promise<string[]> {
  const found: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', `tk:{${siteId}}*`, 'COUNT', 1000);
    cursor = next;
    found.push(...batch);
  } while (cursor !== '0');
  return found.sort();
}

describe('DELETE /v1/sites/:id in MODE=saas', () => {
  it('refuses the secret key (403) and another site’s id (404), and records nothing', async () => {
    const refused = expectError(
      await withSecret(secretA, { method: 'DELETE', url: `/v1/sites/${siteA.id}` }),
      403,
      'forbidden',
    );
    expect(refused.error).toBe("A site's data is deleted by deleting the site on the dashboard.");
    expectError(
      await withSecret(secretB, { method: 'DELETE', url: `/v1/sites/${siteA.id}` }),
      404,
      'not_found',
    );
    expectError(
      await asReader(siteA, ORIGIN_A)({ method: 'DELETE', url: `/v1/sites/${siteA.id}` }),
      401,
      'unauthorized',
    );
    expect(await redis.exists(keys.purges())).toBe(0);
  });

  it('has the worker the server runs remove a deleted site’s keys, and no other site’s', async () => {
    await fill(siteA, ORIGIN_A);
    await fill(siteB, ORIGIN_B);
    expect((await keysOf(siteA.id)).length).toBeGreaterThan(10);
    const keptKeys = await keysOf(siteB.id);

    // What the route does once the dashboard calls it with an owner token (before deleting its row).
    await context.purges.request(siteA.id);
    await sites.delete(owner.id, siteA.id, 'A');
    await expect.poll(async () => (await redis.zscore(keys.purges(), siteA.id)) === null).toBe(true);
    expect(await keysOf(siteA.id)).toEqual([]);
    expect(await keysOf(siteB.id)).toEqual(keptKeys);
  });
});
