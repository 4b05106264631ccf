import { randomBytes } from 'node:crypto';
import { keys, type RedisClient } from '@threadkit/core';
import type { AppContext } from '@threadkit/server';
import { expectError } from '@threadkit/testing';
import type { FastifyInstance, InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { owners } from '../db/schema';
import { databaseEngines } from '../db/test-databases';
import type { Sites, SiteView } from '../sites/sites';
import { type SaasStack, startSaas } from './saas.testing';

/**
 * Deleting a site's comment data in MODE=saas: `DELETE /v1/sites/:id` is for
 * the owner acting through the dashboard, never for the secret key, and the
 * comment server's worker removes a deleted site's keys from Redis.
 */

const SECRET = randomBytes(32).toString('base64url');
const pglite = databaseEngines().find((engine) => engine.name === 'pglite')!;
const ORIGIN_A = 'https://a.example';
const ORIGIN_B = 'https://b.example';

let saas: SaasStack;
let sites: Sites;
let redis: RedisClient;
let context: AppContext;
let app: FastifyInstance;
let owner: typeof owners.$inferSelect;
let siteA: SiteView;
let secretA: string;
let siteB: SiteView;
let secretB: string;

beforeAll(async () => {
  // A short margin and poll: the worker the app runs finishes a purge in well under a second.
  saas = await startSaas(pglite, 'site-purge', {
    secret: SECRET,
    context: { sitePurges: { marginMs: 200, pollMs: 20 } },
  });
  ({ sites, redis, context, app, owner } = saas);
  ({ site: siteA, secretKey: secretA } = await saas.addSite('A', ORIGIN_A));
  ({ site: siteB, secretKey: secretB } = await saas.addSite('B', ORIGIN_B));
});
afterAll(async () => {
  await saas?.close();
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
