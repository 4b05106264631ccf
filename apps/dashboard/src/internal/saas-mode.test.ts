import { randomBytes } from 'node:crypto';
import type { FastifyInstance, InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { owners } from '../db/schema';
import { databaseEngines } from '../db/test-databases';
import type { Sites, SiteView } from '../sites/sites';
import { type SaasStack, startSaas } from './saas.testing';

/** The comment server in MODE=saas, its sites kept by the dashboard and learnt through the internal API. */

const SECRET = randomBytes(32).toString('base64url');
const pglite = databaseEngines().find((engine) => engine.name === 'pglite')!;
const ORIGIN_A = 'https://a.example';
const ORIGIN_B = 'https://b.example';

let saas: SaasStack;
let sites: Sites;
let dashboard: { url: string; close(): Promise<void> };
let app: FastifyInstance;
let owner: typeof owners.$inferSelect;
let siteA: SiteView;
let siteB: SiteView;
let secretB: string;

beforeAll(async () => {
  saas = await startSaas(pglite, 'saas', { secret: SECRET });
  ({ sites, dashboard, app, owner } = saas);
  siteA = (await saas.addSite('A', ORIGIN_A)).site;
  ({ site: siteB, secretKey: secretB } = await saas.addSite('B', ORIGIN_B));
});
afterAll(async () => {
  await saas?.close();
});

const as =
  (site: { publicKey: string }, origin: string) =>
  ({ headers, ...options }: InjectOptions & { token?: string }) =>
    app.inject({
      ...options,
      headers: {
        projectid: site.publicKey,
        origin,
        ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
        ...headers,
      },
    });

async function guest(call: ReturnType<typeof as>, name: string): Promise<string> {
  const response = await call({ method: 'POST', url: '/v1/auth/guest', payload: { name } });
  expect(response.statusCode, response.body).toBe(201);
  return response.json().token;
}

describe('MODE=saas', () => {
  it('serves each site by its dashboard keys, and keeps each site’s comments, users and ids to itself', async () => {
    const a = as(siteA, ORIGIN_A);
    const b = as(siteB, ORIGIN_B);
    const ada = await guest(a, 'Ada');
    const posted = await a({
      method: 'POST',
      url: '/v1/comments',
      token: ada,
      payload: { page_url: `${ORIGIN_A}/post`, content: 'Hello from A' },
    });
    expect(posted.statusCode, posted.body).toBe(201);
    const id = posted.json().comment.i;

    const readA = await a({
      method: 'GET',
      url: `/v1/comments?page_url=${encodeURIComponent(`${ORIGIN_A}/post`)}`,
    });
    expect(readA.json().total).toBe(1);
    // The same page URL and the comment's id mean nothing to the other site.
    const readB = await b({
      method: 'GET',
      url: `/v1/comments?page_url=${encodeURIComponent(`${ORIGIN_A}/post`)}`,
    });
    expect([readB.statusCode, readB.json().total]).toEqual([200, 0]);
    const bob = await guest(b, 'Bob');
    for (const request of [
      { method: 'GET' as const, url: `/v1/comments/${id}/replies` },
      { method: 'POST' as const, url: `/v1/comments/${id}/vote`, payload: { direction: 'up' } },
      {
        method: 'POST' as const,
        url: '/v1/comments',
        payload: { page_url: `${ORIGIN_B}/p`, content: 'x', parent_id: id },
      },
      { method: 'PUT' as const, url: `/v1/comments/${id}`, payload: { content: 'mine now' } },
      { method: 'DELETE' as const, url: `/v1/comments/${id}` },
      { method: 'POST' as const, url: `/v1/comments/${id}/report`, payload: { reason: 'spam' } },
    ]) {
      const response = await b({ ...request, token: bob });
      expect([request.method, request.url, response.statusCode]).toEqual([request.method, request.url, 404]);
    }
    // A's token on B's key is no token at all.
    expect((await b({ method: 'GET', url: '/v1/users/me', token: ada })).statusCode).toBe(401);
    // Each key works only from its site's origins.
    expect(
      (
        await as(
          siteA,
          ORIGIN_B,
        )({ method: 'GET', url: `/v1/comments?page_url=${encodeURIComponent(`${ORIGIN_A}/post`)}` })
      ).statusCode,
    ).toBe(403);
    expect(
      (
        await a({ method: 'GET', url: `/v1/comments?page_url=${encodeURIComponent(`${ORIGIN_A}/post`)}` })
      ).json().total,
    ).toBe(1);
  });

  it('refuses unknown keys, follows the dashboard’s settings and rotations within 5 s, and leaves settings to it', async () => {
    expect(
      (
        await as(
          { publicKey: 'tk_pub_nobody_has_this_key' },
          ORIGIN_A,
        )({ method: 'GET', url: '/v1/comments?page_key=x' })
      ).statusCode,
    ).toBe(401);

    const a = as(siteA, ORIGIN_A);
    const ada = await guest(a, 'Ada');
    await sites.changeSettings(owner.id, siteA.id, { moderation: 'pre' });
    await expect
      .poll(
        async () =>
          (
            await a({
              method: 'POST',
              url: '/v1/comments',
              token: ada,
              payload: { page_key: 'held', content: 'Wait for me' },
            })
          ).json().comment?.s,
        { timeout: 7000, interval: 500 },
      )
      .toBe('pending');

    const rotated = (await sites.rotateKeys(owner.id, siteA.id)).site;
    await expect
      .poll(async () => (await a({ method: 'GET', url: '/v1/comments?page_key=held' })).statusCode, {
        timeout: 7000,
        interval: 250,
      })
      .toBe(401);
    expect(
      (await as(rotated, ORIGIN_A)({ method: 'GET', url: '/v1/comments?page_key=held' })).statusCode,
    ).toBe(200);
    siteA = rotated;

    // Settings have one home, the dashboard: the API shows them and sends changes there.
    const owned = (options: InjectOptions) => app.inject({ ...options, headers: { projectid: secretB } });
    const shown = await owned({ method: 'GET', url: `/v1/sites/${siteB.id}/settings` });
    expect([shown.statusCode, shown.json().allowed_origins]).toEqual([200, [ORIGIN_B]]);
    const changed = await owned({
      method: 'PUT',
      url: `/v1/sites/${siteB.id}/settings`,
      payload: { moderation: 'pre' },
    });
    expect([changed.statusCode, changed.json().error]).toEqual([
      409,
      "This site's settings are changed on the dashboard.",
    ]);
  });

  it('reports the widget to the installation check when a thread is read', async () => {
    await as(siteB, ORIGIN_B)({ method: 'GET', url: '/v1/comments?page_key=seen' });
    await expect.poll(async () => (await sites.get(owner.id, siteB.id)).lastSeenAt).not.toBeNull();
  });

  it('keeps serving known keys while the dashboard is away, and answers 503 for keys it cannot check', async () => {
    const b = as(siteB, ORIGIN_B);
    expect((await b({ method: 'GET', url: '/v1/comments?page_key=away' })).statusCode).toBe(200);
    await dashboard.close();
    expect((await b({ method: 'GET', url: '/v1/comments?page_key=away' })).statusCode).toBe(200);
    const unknown = await as(
      { publicKey: 'tk_pub_never_asked_about_this' },
      ORIGIN_B,
    )({
      method: 'GET',
      url: '/v1/comments?page_key=away',
    });
    expect(unknown.statusCode).toBe(503);
    expect(unknown.json().code).toBe('unavailable');
  });
});
