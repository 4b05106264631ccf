import { randomBytes } from 'node:crypto';
import http from 'node:http';
import { OwnerTokens } from '@threadkit/core';
import type { AppContext } from '@threadkit/server';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { owners } from '../db/schema';
import { databaseEngines } from '../db/test-databases';
import type { SiteView } from '../sites/sites';
import { type SaasStack, startSaas } from './saas.testing';

/**
 * The dashboard acting for a site's owner on the comment server (MODE=saas):
 * it sends the site's public key and an owner token, signed with the key both
 * derive from the internal API's secret, server to server. Against the
 * dashboard's real internal API on PGlite.
 */

const SECRET = randomBytes(32).toString('base64url');
const pglite = databaseEngines().find((engine) => engine.name === 'pglite')!;
const ORIGIN_A = 'https://a.example';
const ORIGIN_B = 'https://b.example';
/** More links than the default `max_links` (5): the comment is held for review. */
const HELD = Array.from({ length: 6 }, (_, i) => `https://link${i}.example`).join(' ');

let saas: SaasStack;
let context: AppContext;
let app: FastifyInstance;
let owner: typeof owners.$inferSelect;
let siteA: SiteView;
let secretA: string;
let siteB: SiteView;
const tokens = new OwnerTokens(SECRET);

beforeAll(async () => {
  saas = await startSaas(pglite, 'owner-tokens', { secret: SECRET });
  ({ context, app, owner } = saas);
  ({ site: siteA, secretKey: secretA } = await saas.addSite('A', ORIGIN_A));
  siteB = (await saas.addSite('B', ORIGIN_B)).site;
});
afterAll(async () => {
  await saas?.close();
});

/** As the dashboard calls: a site's public key and an owner token, no Origin. */
const asOwner = (site: SiteView, token: string, options: InjectOptions) =>
  app.inject({
    ...options,
    headers: { projectid: site.publicKey, authorization: `Bearer ${token}`, ...options.headers },
  });

/** As a page calls: A's public key from A's origin, with a commenter's token when given. */
const fromPage = (options: InjectOptions & { token?: string }) =>
  app.inject({
    ...options,
    headers: {
      projectid: siteA.publicKey,
      origin: ORIGIN_A,
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
      ...options.headers,
    },
  });

function ok(response: LightMyRequestResponse, status = 200) {
  expect(response.statusCode, response.body).toBe(status);
  // Server to server: nothing for a browser to read.
  expect(response.headers['access-control-allow-origin']).toBeUndefined();
  return response;
}

function refused(response: LightMyRequestResponse, status: number, code: string) {
  expect([response.statusCode, response.json().code], response.body).toEqual([status, code]);
  expect(response.headers['access-control-allow-origin']).toBeUndefined();
  return response.json() as { error: string; code: string };
}

async function guest(name: string): Promise<{ token: string; id: string }> {
  const response = await fromPage({ method: 'POST', url: '/v1/auth/guest', payload: { name } });
  expect(response.statusCode, response.body).toBe(201);
  return { token: response.json().token, id: response.json().user.id };
}

async function held(token: string, page: string): Promise<string> {
  const response = await fromPage({
    method: 'POST',
    url: '/v1/comments',
    token,
    payload: { page_url: `${ORIGIN_A}/${page}`, content: `See ${HELD}` },
  });
  expect([response.statusCode, response.json().comment?.s], response.body).toEqual([201, 'pending']);
  return response.json().comment.i;
}

describe('an owner token in MODE=saas', () => {
  it("moderates its site with the site's public key and no Origin, and the audit log names the owner", async () => {
    const token = await tokens.sign({ ownerId: owner.id, siteId: siteA.id });
    const as = (options: InjectOptions) => asOwner(siteA, token, options);
    const author = await guest('Spammy');
    const [kept, dropped] = [await held(author.token, 'queue'), await held(author.token, 'queue')];

    const queue = ok(await as({ method: 'GET', url: '/v1/moderation/queue' })).json();
    expect(queue.comments.map((c: { i: string }) => c.i)).toEqual(expect.arrayContaining([kept, dropped]));
    expect(queue.comments[0].hold_reason).toMatch(/link_limit/);
    ok(await as({ method: 'POST', url: `/v1/moderation/approve/${kept}` }), 204);
    ok(await as({ method: 'POST', url: `/v1/moderation/reject/${dropped}` }), 204);
    const thread = await fromPage({ method: 'GET', url: `/v1/comments?page_url=${ORIGIN_A}/queue` });
    expect(thread.json().tree.comments.map((c: { i: string }) => c.i)).toEqual([kept]);

    ok(
      await as({ method: 'POST', url: `/v1/moderation/ban/${author.id}`, payload: { reason: 'links' } }),
      204,
    );
    const banned = ok(await as({ method: 'GET', url: '/v1/moderation/banned' })).json();
    expect(banned.users).toEqual([
      { id: author.id, name: 'Spammy', avatar_url: null, guest: true, role: 'user', email: null },
    ]);
    ok(
      await as({ method: 'POST', url: '/v1/moderation/lock', payload: { page_url: `${ORIGIN_A}/queue` } }),
      204,
    );
    expect(
      (await fromPage({ method: 'GET', url: `/v1/comments?page_url=${ORIGIN_A}/queue` })).json().locked,
    ).toBe(true);

    const audit = ok(await as({ method: 'GET', url: '/v1/moderation/audit' })).json();
    expect(audit.entries.map((e: { actor: string; action: string }) => [e.actor, e.action])).toEqual([
      [`owner:${owner.id}`, 'lock'],
      [`owner:${owner.id}`, 'ban_user'],
      [`owner:${owner.id}`, 'reject_comment'],
      [`owner:${owner.id}`, 'approve_comment'],
    ]);
  });

  it('works for its own site only: with another site’s key it is a 401', async () => {
    const token = await tokens.sign({ ownerId: owner.id, siteId: siteA.id });
    const body = refused(
      await asOwner(siteB, token, { method: 'GET', url: '/v1/moderation/queue' }),
      401,
      'unauthorized',
    );
    expect(body.error).toMatch(/another site/);
    // Nor does B's queue answer for a token of B with A's key.
    const forB = await tokens.sign({ ownerId: owner.id, siteId: siteB.id });
    refused(await asOwner(siteA, forB, { method: 'GET', url: '/v1/moderation/queue' }), 401, 'unauthorized');
    ok(await asOwner(siteB, forB, { method: 'GET', url: '/v1/moderation/queue' }));
  });

  it('is refused 401 when signed with another secret, or once expired', async () => {
    const forged = await new OwnerTokens(randomBytes(32).toString('base64url')).sign({
      ownerId: owner.id,
      siteId: siteA.id,
    });
    refused(
      await asOwner(siteA, forged, { method: 'GET', url: '/v1/moderation/queue' }),
      401,
      'unauthorized',
    );

    // Two seconds at least (expiry is in whole seconds): it works, then no longer.
    const shortLived = await tokens.sign({ ownerId: owner.id, siteId: siteA.id }, 3);
    ok(await asOwner(siteA, shortLived, { method: 'GET', url: '/v1/moderation/queue' }));
    await expect
      .poll(
        async () => (await asOwner(siteA, shortLived, { method: 'GET', url: '/v1/moderation/queue' })).json(),
        {
          timeout: 8000,
          interval: 200,
        },
      )
      .toMatchObject({ code: 'unauthorized', error: expect.stringMatching(/expired/) });
  });

  it('is refused 403 from a browser: with an Origin header, even an allowed one', async () => {
    const token = await tokens.sign({ ownerId: owner.id, siteId: siteA.id });
    for (const origin of [ORIGIN_A, 'https://elsewhere.example']) {
      refused(
        await asOwner(siteA, token, { method: 'GET', url: '/v1/moderation/queue', headers: { origin } }),
        403,
        'forbidden',
      );
    }
  });

  it("leaves commenters' tokens and the secret key as they were; the secret key audits as `owner`", async () => {
    const reader = await guest('Reader');
    const me = await fromPage({ method: 'GET', url: '/v1/users/me', token: reader.token });
    expect([me.statusCode, me.json().id]).toEqual([200, reader.id]);
    expect(me.headers['access-control-allow-origin']).toBe(ORIGIN_A);
    expect(
      (await fromPage({ method: 'GET', url: '/v1/moderation/queue', token: reader.token })).statusCode,
    ).toBe(403);

    const bySecret = (options: InjectOptions) => app.inject({ ...options, headers: { projectid: secretA } });
    expect(
      (await bySecret({ method: 'POST', url: `/v1/moderation/shadowban/${reader.id}` })).statusCode,
    ).toBe(204);
    const audit = (await bySecret({ method: 'GET', url: '/v1/moderation/audit?limit=1' })).json();
    expect(audit.entries[0]).toMatchObject({ actor: 'owner', action: 'shadowban_user', target: reader.id });
    expect((await bySecret({ method: 'GET', url: '/v1/moderation/queue' })).statusCode).toBe(200);
  });

  it('reads a thread as the owner through the route, counted once, never from the early reads', async () => {
    const token = await tokens.sign({ ownerId: owner.id, siteId: siteA.id });
    const author = await guest('Held');
    await held(author.token, 'read');
    const base = await app.listen({ host: '127.0.0.1', port: 0 });
    const list = `/v1/comments?page_url=${encodeURIComponent(`${ORIGIN_A}/read`)}`;
    const cachedReads = async () =>
      Number(
        /^threadkit_http_cached_reads_total (\d+)/m.exec((await get(base, '/metrics', {})).body)?.[1] ?? 0,
      );
    // Readers of the page are answered early once its thread is in memory.
    const page = { projectid: siteA.publicKey, origin: ORIGIN_A };
    const early = await cachedReads();
    await expect
      .poll(async () => ((await get(base, list, page)).status === 200 ? cachedReads() : -1))
      .toBeGreaterThan(early);

    await context.usage.flush();
    const month = context.usage.currentMonth();
    const before = await context.usage.read(siteA.id, month);
    const cachedBefore = await cachedReads();
    // Without an Origin, and with a Referer the early reads would take for a page's.
    for (const headers of [{}, { referer: `${ORIGIN_A}/read` }] as Record<string, string>[]) {
      const read = await get(base, list, {
        projectid: siteA.publicKey,
        authorization: `Bearer ${token}`,
        ...headers,
      });
      expect(read.status, read.body).toBe(200);
      expect(read.headers['access-control-allow-origin']).toBeUndefined();
      // The owner sees the comment held for review; readers do not.
      expect(read.body).toContain('link0.example');
    }
    expect(await cachedReads()).toBe(cachedBefore);
    expect((await get(base, list, page)).body).not.toContain('link0.example');
    await context.usage.flush();
    const after = await context.usage.read(siteA.id, month);
    expect(after.api_requests - before.api_requests).toBe(3);
  });
});

/** One GET on its own connection. */
function get(base: string, path: string, headers: Record<string, string>) {
  return new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }>(
    (resolve, reject) => {
      const request = http.get(`${base}${path}`, { headers, agent: false }, (response) => {
        let body = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => {
          body += chunk;
        });
        response.on('end', () =>
          resolve({ status: response.statusCode ?? 0, headers: response.headers, body }),
        );
        response.on('error', reject);
      });
      request.on('error', reject);
    },
  );
}
