import http from 'node:http';
import { Writable } from 'node:stream';
import { gunzipSync } from 'node:zlib';
import { scripts } from '@threadkit/core';
import { eventually, startTestApi, TEST_ORIGIN, type TestApi } from '@threadkit/testing';
import type { Redis } from 'ioredis';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from './app.js';

/**
 * Cached anonymous thread reads are answered before Fastify routes them
 * (`CachedReads`). Over real sockets (the other API tests inject requests,
 * which never reach the server's own request handler): the answer must be the
 * route's, byte for byte and header for header; it must count what the route
 * counts; and everything it cannot answer must reach the route untouched.
 */

const PAGE = 'https://blog.example.com/cached-reads';
const LIST = `/v1/comments?page_url=${encodeURIComponent(PAGE)}&limit=20&replies=5`;

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/** One request on its own connection, the bytes as they came (no decompression). */
function request(
  base: string,
  path: string,
  headers: Record<string, string>,
  method = 'GET',
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${base}${path}`, { method, headers, agent: false }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () =>
        resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks) }),
      );
      response.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

/** The headers that say something about the answer (not when or over which connection). */
function meaningful(headers: http.IncomingHttpHeaders): Record<string, unknown> {
  const { date: _date, connection: _connection, 'keep-alive': _keepAlive, ...rest } = headers;
  return rest;
}

async function metric(base: string, name: string, labels = ''): Promise<number> {
  const text = (await request(base, '/metrics', {})).body.toString();
  const line = text
    .split('\n')
    .find((l) => l.startsWith(`${name}${labels} `) || l.startsWith(`${name}${labels}{`));
  return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : 0;
}
const cachedReads = (base: string) => metric(base, 'threadkit_http_cached_reads_total');
const routeReads = (base: string, status: number) =>
  metric(base, 'threadkit_http_requests_total', `{method="GET",route="/v1/comments",status="${status}"}`);

describe('cached thread reads, answered before routing', () => {
  let api: TestApi;
  let base: string;
  let reader: Record<string, string>;

  beforeAll(async () => {
    api = await startTestApi({ env: { RATE_LIMITS: 'reads=1000,writes=1000,auth=1000,key=100000' } });
    base = await api.app.listen({ host: '127.0.0.1', port: 0 });
    reader = { projectid: api.site.publicKey, origin: TEST_ORIGIN };
    const author = await api.guest('Ada');
    const root = await api.call({
      method: 'POST',
      url: '/v1/comments',
      token: author.token,
      payload: { page_url: PAGE, content: 'A **root** comment' },
    });
    await api.call({
      method: 'POST',
      url: '/v1/comments',
      token: author.token,
      payload: { page_url: PAGE, content: 'A reply', parent_id: root.json().comment.i },
    });
  }, 60_000);
  afterAll(() => api?.stop());

  /** A comment held for review (moderation before publication, for this one post). */
  const postHeld = async (token: string, content: string) => {
    await api.context.sites.setSetting(api.site.id, 'moderation', 'pre');
    try {
      await api.call({ method: 'POST', url: '/v1/comments', token, payload: { page_url: PAGE, content } });
    } finally {
      await api.context.sites.setSetting(api.site.id, 'moderation', 'none');
    }
  };

  it('answers as the route does: the same bytes and headers, identity, gzip and 304', async () => {
    const gzip = { ...reader, 'accept-encoding': 'gzip, deflate, br' };
    const withoutViews = (body: Buffer) => body.toString().replace(/"pageviews":\d+/, '');
    const pageId = async () =>
      JSON.parse((await request(base, LIST, reader)).body.toString()).page_id as string;
    // A page whose state this instance must ask Redis for again: its next read goes through the route.
    const throughRoute = async (headers: Record<string, string>) => {
      api.context.pages.invalidate(api.site.id, await pageId());
      const count = await cachedReads(base);
      const answer = await request(base, LIST, headers);
      expect(await cachedReads(base)).toBe(count);
      return answer;
    };
    const fromCache = async (headers: Record<string, string>) => {
      const count = await cachedReads(base);
      const answer = await request(base, LIST, headers);
      expect(await cachedReads(base)).toBe(count + 1);
      return answer;
    };

    const routed = await throughRoute(reader);
    const cached = await fromCache(reader);
    expect(routed.status).toBe(200);
    expect(cached.status).toBe(200);
    expect(withoutViews(cached.body)).toBe(withoutViews(routed.body));
    expect(meaningful(cached.headers)).toEqual(meaningful(routed.headers));
    expect(JSON.parse(cached.body.toString()).tree.comments).toHaveLength(1);

    // The shared body is compressed in the background: until then gzip readers get identity.
    await eventually(
      'the thread compressed',
      () => request(base, LIST, gzip),
      (answer) => answer.headers['content-encoding'] === 'gzip',
    );
    const routedGzip = await throughRoute(gzip);
    const cachedGzip = await fromCache(gzip);
    expect(cachedGzip.headers['content-encoding']).toBe('gzip');
    expect(withoutViews(gunzipSync(cachedGzip.body))).toBe(withoutViews(gunzipSync(routedGzip.body)));
    expect(withoutViews(gunzipSync(cachedGzip.body))).toBe(withoutViews(cached.body));
    expect(meaningful(cachedGzip.headers)).toEqual(meaningful(routedGzip.headers));

    const etag = cachedGzip.headers.etag!;
    const routed304 = await throughRoute({ ...gzip, 'if-none-match': etag });
    const cached304 = await fromCache({ ...gzip, 'if-none-match': etag });
    expect(routed304.status).toBe(304);
    expect(cached304.status).toBe(304);
    expect(cached304.body.length).toBe(0);
    expect(meaningful(cached304.headers)).toEqual(meaningful(routed304.headers));
  });

  it('counts what the route counts: page views, usage, the rate limit and the request metrics', async () => {
    await request(base, LIST, reader);
    const { token } = await api.guest('Viewer');
    // A signed-in read shows the page's views as of now (anonymous ones share a body up to a second old).
    const views = async () =>
      JSON.parse((await request(base, LIST, { ...reader, authorization: `Bearer ${token}` })).body.toString())
        .pageviews as number;
    await api.context.usage.flush();
    const month = api.context.usage.currentMonth();
    const usageBefore = await api.context.usage.read(api.site.id, month);
    const viewsBefore = await views();
    const requestsBefore = await routeReads(base, 200);
    const cachedBefore = await cachedReads(base);

    for (let i = 0; i < 5; i++) expect((await request(base, LIST, reader)).status).toBe(200);
    expect(await cachedReads(base)).toBe(cachedBefore + 5);
    expect(await routeReads(base, 200)).toBe(requestsBefore + 5);
    // The 5 reads and the signed-in read that shows them.
    expect(await views()).toBe(viewsBefore + 6);

    await api.context.usage.flush();
    const usageAfter = await api.context.usage.read(api.site.id, month);
    // /metrics is outside /v1: the 5 reads and the 2 signed-in ones are the API's requests.
    expect(usageAfter.api_requests - usageBefore.api_requests).toBe(7);
    expect(usageAfter.pageviews - usageBefore.pageviews).toBe(7);
  });

  it("answers a signed-in read as the route does: the reader's votes and their own held comments", async () => {
    // The same services behind an app that logs every request: Fastify answers all of them there.
    const routed = await buildApp({ context: api.context, logger: pino({ level: 'info' }, nowhere()) });
    try {
      const routeBase = await routed.listen({ host: '127.0.0.1', port: 0 });
      const grace = await api.guest('Grace');
      const first = JSON.parse((await request(base, LIST, reader)).body.toString());
      const rootId: string = first.tree.comments[0].i;
      await api.call({
        method: 'POST',
        url: `/v1/comments/${rootId}/vote`,
        token: grace.token,
        payload: { direction: 'up' },
      });
      await postHeld(grace.token, 'Held for review');
      const as = { ...reader, authorization: `Bearer ${grace.token}` };
      // A changed setting makes a new site record: the route reads it in first.
      await request(base, LIST, reader);
      const before = await cachedReads(base);
      const early = await request(base, LIST, as);
      expect(await cachedReads(base)).toBe(before + 1);
      const late = await request(routeBase, LIST, as);
      expect(early.status).toBe(200);
      const withoutViews = (body: Buffer) => body.toString().replace(/"pageviews":\d+/, '');
      expect(withoutViews(early.body)).toBe(withoutViews(late.body));
      expect(meaningful(early.headers)).toEqual(meaningful(late.headers));
      const body = JSON.parse(early.body.toString());
      expect(body.votes).toEqual({ [rootId]: 'up' });
      expect(JSON.stringify(body.tree)).toContain('Held for review');
      // Nobody else sees the held comment.
      expect((await request(base, LIST, reader)).body.toString()).not.toContain('Held for review');

      const notModified = await request(base, LIST, { ...as, 'if-none-match': early.headers.etag! });
      expect(notModified.status).toBe(304);
      expect(await cachedReads(base)).toBe(before + 3);
    } finally {
      await routed.close();
    }
  });

  it('checks the session in the call that reads the overlay: a moderator sees every held comment, a banned reader goes to the route', async () => {
    const held = await api.guest('Held author');
    await postHeld(held.token, 'Waiting for a moderator');
    const moderator = await api.register('Mod', 'mod@example.com', 'a long enough password');
    await api.promote(moderator.userId, 'moderator');
    const bystander = await api.guest('Bystander');
    await request(base, LIST, reader);

    const shownTo = async (token: string) => {
      const before = await cachedReads(base);
      const answer = await request(base, LIST, { ...reader, authorization: `Bearer ${token}` });
      expect(answer.status).toBe(200);
      expect(await cachedReads(base)).toBe(before + 1);
      return answer.body.toString();
    };
    // The rank is read in the same call: the moderator gets the page's whole hidden index.
    expect(await shownTo(moderator.token)).toContain('Waiting for a moderator');
    expect(await shownTo(held.token)).toContain('Waiting for a moderator');
    // The session, the votes and the hidden index come in one script call, not in the two of the route's path.
    const { signedInRead, sessionState, readerOverlay } = scripts();
    const redis = api.redis as Redis;
    await redis.config('SET', 'slowlog-log-slower-than', '0');
    await redis.slowlog('RESET');
    expect(await shownTo(bystander.token)).not.toContain('Waiting for a moderator');
    const logged = (await redis.slowlog('GET', 1000)) as [number, number, number, string[]][];
    await redis.config('SET', 'slowlog-log-slower-than', '10000');
    const shas = logged
      .filter(([, , , args]) => args[0]?.toLowerCase() === 'evalsha')
      .map(([, , , args]) => args[1]);
    expect(shas.filter((sha) => sha === signedInRead.sha)).toHaveLength(1);
    expect(shas).not.toContain(sessionState.sha);
    expect(shas).not.toContain(readerOverlay.sha);

    // A ban ends the sessions: the read is not answered here, and the route says why.
    const owner = { siteId: api.site.id, userId: null, role: 'owner' as const, sessionId: null };
    const site = await api.context.sites.get(api.site.id);
    await api.context.moderation.ban(site, owner, bystander.userId, { deleteComments: false });
    const pageviews = async () => JSON.parse(await shownTo(moderator.token)).pageviews as number;
    const viewsBefore = await pageviews();
    const before = await cachedReads(base);
    const banned = await request(base, LIST, { ...reader, authorization: `Bearer ${bystander.token}` });
    expect(banned.status).toBe(403);
    expect(JSON.parse(banned.body.toString()).code).toBe('banned');
    expect(await cachedReads(base)).toBe(before);
    // The refused read counted no view: the next read shows only itself more.
    expect(await pageviews()).toBe(viewsBefore + 1);
  });

  it('leaves to the route what it cannot answer: another origin, a token, a bad query, an unknown key', async () => {
    await request(base, LIST, reader);
    const before = await cachedReads(base);

    const foreign = await request(base, LIST, { ...reader, origin: 'https://evil.example' });
    expect(foreign.status).toBe(403);
    expect(JSON.parse(foreign.body.toString()).code).toBe('origin_not_allowed');

    // A token that is not one, and one whose session has ended (the route says which).
    const malformed = await request(base, LIST, { ...reader, authorization: 'Bearer' });
    expect(malformed.status).toBe(401);
    const { token } = await api.guest('Grace');
    await api.call({ method: 'POST', url: '/v1/auth/logout', token });
    const ended = await request(base, LIST, { ...reader, authorization: `Bearer ${token}` });
    expect(ended.status).toBe(401);
    expect(JSON.parse(ended.body.toString()).code).toBe('unauthorized');

    const badLimit = await request(base, `${LIST}&limit=0`, reader);
    expect(badLimit.status).toBe(400);
    const unknownKey = await request(base, LIST, { ...reader, projectid: 'tk_pub_unknown0000000000000000' });
    expect(unknownKey.status).toBe(401);
    const noKey = await request(base, LIST, { origin: TEST_ORIGIN });
    expect(noKey.status).toBe(401);
    const head = await request(base, LIST, reader, 'HEAD');
    expect(head.status).toBe(200);

    expect(await cachedReads(base)).toBe(before);
  });

  it('shows a new comment on the next read: a write sends the page back through the route', async () => {
    await request(base, LIST, reader);
    const before = JSON.parse((await request(base, LIST, reader)).body.toString());
    const { token } = await api.guest('Linus');
    await api.call({
      method: 'POST',
      url: '/v1/comments',
      token,
      payload: { page_url: PAGE, content: 'A second root' },
    });
    const after = JSON.parse((await request(base, LIST, reader)).body.toString());
    expect(after.total).toBe(before.total + 1);
    expect(after.tree.comments).toHaveLength(before.tree.comments.length + 1);
  });
});

describe('cached reads and the rate limit', () => {
  let api: TestApi;
  let base: string;

  beforeAll(async () => {
    api = await startTestApi({
      env: { RATE_LIMITS: 'reads=30,writes=100,auth=100,key=100000', TRUST_PROXY: '127.0.0.1' },
    });
    base = await api.app.listen({ host: '127.0.0.1', port: 0 });
  }, 60_000);
  afterAll(() => api?.stop());

  it('lets exactly the budget through, by the address the trusted proxy forwards, then refuses', async () => {
    const from = (address: string) => ({
      projectid: api.site.publicKey,
      origin: TEST_ORIGIN,
      'x-forwarded-for': address,
    });
    const statuses = async (address: string, n: number) => {
      const seen = new Map<number, number>();
      for (let i = 0; i < n; i++) {
        const { status } = await request(base, LIST, from(address));
        seen.set(status, (seen.get(status) ?? 0) + 1);
      }
      return Object.fromEntries(seen);
    };
    const before = await cachedReads(base);
    expect(await statuses('198.51.100.1', 35)).toEqual({ 200: 30, 429: 5 });
    // Grants let part of them be answered from the cache, counted all the same.
    expect(await cachedReads(base)).toBeGreaterThan(before);
    // Another reader behind the same proxy has a budget of its own.
    expect(await statuses('198.51.100.2', 31)).toEqual({ 200: 30, 429: 1 });
    const refused = await request(base, LIST, from('198.51.100.1'));
    expect(refused.status).toBe(429);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect(refused.headers['access-control-allow-origin']).toBe(TEST_ORIGIN);
  });

  it("counts a guest's reads in their own budget and their address's", async () => {
    const [ann, bob] = [await api.guest('Ann'), await api.guest('Bob')];
    const as = (token: string, address: string) => ({
      projectid: api.site.publicKey,
      origin: TEST_ORIGIN,
      authorization: `Bearer ${token}`,
      'x-forwarded-for': address,
    });
    const before = await cachedReads(base);
    const statuses: number[] = [];
    for (let i = 0; i < 31; i++)
      statuses.push((await request(base, LIST, as(ann.token, '198.51.100.7'))).status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(30);
    expect(statuses.at(-1)).toBe(429);
    expect(await cachedReads(base)).toBeGreaterThan(before);
    // Bob shares Ann's address, whose budget she spent; from another one he reads.
    expect((await request(base, LIST, as(bob.token, '198.51.100.7'))).status).toBe(429);
    expect((await request(base, LIST, as(bob.token, '198.51.100.8'))).status).toBe(200);
  });
});

/** A log stream that keeps what is written to it, in `lines`. */
function nowhere(lines: string[] = []): Writable {
  return new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString());
      done();
    },
  });
}

describe('cached reads with request logging on', () => {
  it('leaves every read to Fastify, which logs it', async () => {
    const api = await startTestApi();
    const lines: string[] = [];
    const sink = nowhere(lines);
    const app = await buildApp({ context: api.context, logger: pino({ level: 'info' }, sink) });
    try {
      const base = await app.listen({ host: '127.0.0.1', port: 0 });
      const headers = { projectid: api.site.publicKey, origin: TEST_ORIGIN };
      for (let i = 0; i < 3; i++) expect((await request(base, LIST, headers)).status).toBe(200);
      expect(await cachedReads(base)).toBe(0);
      const logged = lines.map((line) => JSON.parse(line));
      const reads = logged.filter((l) => l.msg === 'incoming request' && l.req.url === LIST);
      expect(reads).toHaveLength(3);
      const ids = new Set(reads.map((l) => l.reqId));
      expect(logged.filter((l) => l.msg === 'request completed' && ids.has(l.reqId))).toHaveLength(3);
    } finally {
      await app.close();
      await api.stop();
    }
  });
});
