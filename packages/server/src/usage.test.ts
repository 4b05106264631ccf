import { execFile, execFileSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { keys, resolvePage, type UsageReport } from '@threadkit/core';
import { eventually, expectError, startTestApi, type TestApi } from '@threadkit/testing';
import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * Usage metering end to end: a scripted mix of requests, then the owner route
 * and `threadkit usage` (the built CLI in a child process) report exactly it.
 * The meter's clock is injected, so the test picks the month.
 */

const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const CLI = path.join(REPO_ROOT, 'packages/server/dist/cli.js');
const JWT_SECRET = 'usage-test-secret-usage-test-secret-0123456789';
const PAGE = 'https://blog.example.com/usage';
const LIST = `/v1/comments?page_url=${encodeURIComponent(PAGE)}`;
const MARCH = Date.UTC(2025, 2, 31, 23, 59, 0);
const APRIL = Date.UTC(2025, 3, 1, 0, 0, 5);

let api: TestApi;
let now = MARCH;
let dataDir: string;

beforeAll(async () => {
  // `npm test` builds first; a bare `vitest run` on a fresh checkout builds here.
  if (!existsSync(CLI) || !existsSync(path.join(REPO_ROOT, 'packages/core/dist/index.js'))) {
    execFileSync('npm', ['run', 'build', '--silent'], { cwd: REPO_ROOT, stdio: 'inherit' });
  }
  api = await startTestApi({ env: { JWT_SECRET }, context: { clock: () => now } });
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'tk-usage-'));
}, 120_000);
afterAll(async () => {
  await api?.stop();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

const anonymous = (remoteAddress: string, userAgent: string, options: InjectOptions = {}) =>
  api.call({
    method: 'GET',
    url: LIST,
    remoteAddress,
    ...options,
    headers: { 'user-agent': userAgent, ...options.headers },
  });

/** The visitor digest as docs/redis.md describes it: keyed by the server secret, per month. */
function digest(month: string, visitor: string): string {
  const key = createHmac('sha256', JWT_SECRET).update('threadkit usage visitors').digest();
  return createHmac('sha256', key).update(`${month}\n${visitor}`).digest('base64url').slice(0, 16);
}

/** What Redis holds once this instance has written its counts (requests finish their metering after replying). */
const settled = (month: string, check: (report: UsageReport) => boolean) =>
  eventually(
    `the usage of ${month}`,
    async () => {
      await api.context.usage.flush();
      return api.context.usage.read(api.site.id, month);
    },
    check,
    5000,
  );

/** A report with every counter at 0: what a period without activity shows. */
const ZERO = {
  comments: 0,
  pageviews: 0,
  unique_visitors: 0,
  api_requests: 0,
  ws_connections: 0,
  votes: 0,
  reports: 0,
  new_commenters: 0,
  approved: 0,
  rejected: 0,
};

const usageRoute = (month?: string, key = api.site.secretKey) =>
  api.app.inject({
    method: 'GET',
    url: `/v1/sites/${api.site.id}/usage${month ? `?month=${month}` : ''}`,
    headers: { projectid: key },
  });

describe('usage metering', () => {
  it('counts a scripted mix of requests exactly, per UTC month, and the owner route reports it', async () => {
    // Two commenters (2 API requests).
    const ada = await api.guest('Ada');
    const bob = await api.guest('Bob');

    // 3 comments, and one refused (400): 4 API requests, 3 comments.
    for (const [who, content] of [
      [ada, 'First'],
      [ada, 'Second'],
      [bob, 'Third'],
    ] as const) {
      const posted = await api.call({
        method: 'POST',
        url: '/v1/comments',
        token: who.token,
        payload: { page_url: PAGE, content },
      });
      expect(posted.statusCode, posted.body).toBe(201);
    }
    expectError(
      await api.call({ method: 'POST', url: '/v1/comments', token: ada.token, payload: { page_url: PAGE } }),
      400,
      'invalid_request',
    );

    // 11 page views by 6 visitors: four anonymous (one address with two browsers counts twice),
    // one of them coming back with If-None-Match (a 304 is a view), and two signed-in readers,
    // Ada from two addresses (one visitor).
    const first = await anonymous('198.51.100.1', 'Browser A');
    expect(first.statusCode).toBe(200);
    await anonymous('198.51.100.1', 'Browser A');
    const conditional = await anonymous('198.51.100.1', 'Browser A', {
      headers: { 'if-none-match': String(first.headers.etag) },
    });
    expect(conditional.statusCode).toBe(304);
    await anonymous('198.51.100.1', 'Browser B');
    await anonymous('198.51.100.1', 'Browser B');
    await anonymous('198.51.100.2', 'Browser A');
    await anonymous('198.51.100.3', 'Browser A');
    for (const remoteAddress of ['198.51.100.7', '198.51.100.8']) {
      const read = await api.call({ method: 'GET', url: LIST, token: ada.token, remoteAddress });
      expect(read.statusCode).toBe(200);
    }
    expect((await api.call({ method: 'GET', url: LIST, token: bob.token })).statusCode).toBe(200);
    expect((await api.call({ method: 'GET', url: LIST, token: bob.token })).statusCode).toBe(200);

    // 3 more API requests that are not page views: a bad read, counts, the sign-in methods.
    expectError(await api.call({ method: 'GET', url: '/v1/comments' }), 400, 'invalid_request');
    expect((await api.call({ method: 'GET', url: `/v1/comments/counts?page_url=${PAGE}` })).statusCode).toBe(
      200,
    );
    expect((await api.call({ method: 'GET', url: '/v1/auth/methods' })).statusCode).toBe(200);

    // Not the site's: a request from an origin it does not allow, and one without a key.
    expect(
      (
        await api.app.inject({
          method: 'GET',
          url: LIST,
          headers: { projectid: api.site.publicKey, origin: 'https://evil.example' },
        })
      ).statusCode,
    ).toBe(403);
    expect((await api.app.inject({ method: 'GET', url: LIST })).statusCode).toBe(401);

    // The WebSocket gateway reports its connections.
    api.context.usage.recordWebSocketConnection(api.site.id);
    api.context.usage.recordWebSocketConnection(api.site.id);

    const visitors = [
      'client:198.51.100.1\nBrowser A',
      'client:198.51.100.1\nBrowser B',
      'client:198.51.100.2\nBrowser A',
      'client:198.51.100.3\nBrowser A',
      `user:${ada.userId}`,
      `user:${bob.userId}`,
    ];
    // What a HyperLogLog of exactly these visitors counts (6, unless two of them share a register).
    const scratch = `${keys.usageVisitors(api.site.id, '2025-03')}:expected`;
    await api.redis.pfadd(scratch, ...visitors.map((v) => digest('2025-03', v)));
    const uniqueVisitors = await api.redis.pfcount(scratch);
    await api.redis.del(scratch);
    expect(uniqueVisitors).toBeGreaterThanOrEqual(5);

    const expected = {
      ...ZERO,
      new_commenters: 2,
      comments: 3,
      pageviews: 11,
      unique_visitors: uniqueVisitors,
      api_requests: 2 + 4 + 11 + 3,
      ws_connections: 2,
    };
    await settled('2025-03', (report) => report.api_requests >= expected.api_requests);
    const owner = await usageRoute('2025-03');
    expect(owner.statusCode, owner.body).toBe(200);
    expect(owner.json()).toEqual({ site_id: api.site.id, month: '2025-03', ...expected });

    // Without `month`: the current month on the meter's clock. The owner route is an API request too.
    await settled('2025-03', (report) => report.api_requests === expected.api_requests + 1);
    expect((await usageRoute()).json()).toEqual({
      site_id: api.site.id,
      month: '2025-03',
      ...expected,
      api_requests: 21,
    });

    // A minute later it is April (UTC): new counts go to April; March keeps its own.
    now = APRIL;
    expect((await anonymous('198.51.100.1', 'Browser A')).statusCode).toBe(200);
    const april = await settled('2025-04', (report) => report.pageviews === 1);
    expect(april).toEqual({ ...ZERO, pageviews: 1, unique_visitors: 1, api_requests: 1 });
    expect((await settled('2025-03', (report) => report.api_requests === 22)).pageviews).toBe(11);
  });

  it('stores no address: only counters and a HyperLogLog of keyed digests, expiring after about a year', async () => {
    await settled('2025-03', () => true);
    const hash = keys.usage(api.site.id, '2025-03');
    expect(hash).toBe(`tk:{${api.site.id}}:usage:2025-03`);
    expect(Object.keys(await api.redis.hgetall(hash)).sort()).toEqual([
      'api_requests',
      'comments',
      'new_commenters',
      'pageviews',
      'ws_connections',
    ]);
    const visitors = keys.usageVisitors(api.site.id, '2025-03');
    expect(await api.redis.type(visitors)).toBe('string');
    expect(String(await api.redis.get(visitors)).startsWith('HYLL')).toBe(true);
    for (const key of [hash, visitors]) {
      const ttl = await api.redis.ttl(key);
      expect(ttl).toBeGreaterThan(360 * 86_400);
      expect(ttl).toBeLessThanOrEqual(400 * 86_400);
    }
  });

  it('the owner route is for the secret key and its own site, and checks the month', async () => {
    const publicKey = await api.call({ method: 'GET', url: `/v1/sites/${api.site.id}/usage` });
    expectError(publicKey, 403, 'forbidden');
    const guest = await api.guest('Curious');
    expectError(
      await api.call({ method: 'GET', url: `/v1/sites/${api.site.id}/usage`, token: guest.token }),
      403,
      'forbidden',
    );
    expectError(
      await api.owner({ method: 'GET', url: '/v1/sites/0cZdmZixoJscOFqiPZ6LHx/usage' }),
      404,
      'not_found',
    );
    for (const month of ['2025-13', '2025-1', '25-01', 'march']) {
      expect(expectError(await usageRoute(month), 400, 'invalid_request').field, month).toBe('month');
    }
    expect((await usageRoute('2024-12')).json()).toEqual({ site_id: api.site.id, month: '2024-12', ...ZERO });
  });

  it('counts a comment once, however often moderation announces it again', async () => {
    const before = now;
    now = Date.UTC(2025, 4, 10);
    await api.context.sites.setSetting(api.site.id, 'moderation', 'pre');
    try {
      const ada = await api.guest('Ada');
      const posted = await api.call({
        method: 'POST',
        url: '/v1/comments',
        token: ada.token,
        payload: { page_url: PAGE, content: 'Held first' },
      });
      const id = posted.json().comment.i as string;
      const approve = () => api.owner({ method: 'POST', url: `/v1/moderation/approve/${id}` });
      expect((await approve()).statusCode).toBe(204);
      // Edited under pre-moderation, it is held again, then approved again.
      const edited = await api.call({
        method: 'PUT',
        url: `/v1/comments/${id}`,
        token: ada.token,
        payload: { content: 'Held again' },
      });
      expect(edited.json().comment.s).toBe('pending');
      expect((await approve()).statusCode).toBe(204);
      const may = await settled('2025-05', (report) => report.comments > 0);
      expect(may.comments).toBe(1);
    } finally {
      await api.context.sites.setSetting(api.site.id, 'moderation', 'none');
      now = before;
    }
  });
});

describe('daily usage', () => {
  // A second server of its own: a scripted mix over three days, across the end of June.
  const DAY1 = Date.UTC(2025, 5, 29, 10, 0, 0);
  const DAY2 = Date.UTC(2025, 5, 30, 23, 59, 30);
  const DAY3 = Date.UTC(2025, 6, 1, 0, 0, 10);
  const PAGES = {
    a: 'https://blog.example.com/daily/a',
    b: 'https://blog.example.com/daily/b',
    c: 'https://blog.example.com/daily/c',
  };
  /** Anonymous readers: fixed addresses, so their digests (and what the HyperLogLogs count) are too. */
  const READERS = {
    one: ['198.51.100.1', 'Browser A'],
    two: ['198.51.100.2', 'Browser A'],
    three: ['198.51.100.3', 'Browser A'],
  } as const;
  let daily: TestApi;
  let clock = DAY1;

  beforeAll(async () => {
    // A cap of 2 pages in the top-pages sets, so the test can see it trim.
    daily = await startTestApi({ env: { JWT_SECRET }, context: { clock: () => clock, usageTopPages: 2 } });
  }, 120_000);
  afterAll(async () => {
    await daily?.stop();
  });

  const post = async (token: string, page: string, content: string, extra: Record<string, unknown> = {}) =>
    daily.call({
      method: 'POST',
      url: '/v1/comments',
      token,
      payload: { page_url: page, content, ...extra },
    });
  const posted = async (token: string, page: string, content: string) => {
    const response = await post(token, page, content);
    expect(response.statusCode, response.body).toBe(201);
    return response.json().comment.i as string;
  };
  const vote = (token: string, id: string, direction: 'up' | 'down') =>
    daily.call({ method: 'POST', url: `/v1/comments/${id}/vote`, token, payload: { direction } });
  const report = (token: string, id: string) =>
    daily.call({ method: 'POST', url: `/v1/comments/${id}/report`, token, payload: { reason: 'spam' } });
  const read = async (page: string, [remoteAddress, userAgent]: readonly [string, string]) => {
    const response = await daily.call({
      method: 'GET',
      url: `/v1/comments?page_url=${encodeURIComponent(page)}`,
      remoteAddress,
      headers: { 'user-agent': userAgent },
    });
    expect(response.statusCode).toBe(200);
  };
  const setting = (name: 'moderation' | 'word_filter' | 'word_filter_action' | 'max_links', value: string) =>
    daily.context.sites.setSetting(daily.site.id, name, value);
  const pageId = (url: string) => resolvePage(daily.site.id, { page_url: url }).id;
  const stored = (period: string) =>
    eventually(
      `the usage of ${period}`,
      async () => {
        await daily.context.usage.flush();
        return daily.context.usage.read(daily.site.id, period);
      },
      () => true,
      5000,
    );

  it('counts every figure per UTC day and month, with the top pages and visitors of each', async () => {
    // Day 1. New commenters: two guests, an account, and a guest who then registers (still one).
    const ada = await daily.guest('Ada');
    const bob = await daily.guest('Bob');
    const dee = await daily.guest('Dee');
    const password = 'usage-test-password-9';
    const registered = await daily.call({
      method: 'POST',
      url: '/v1/auth/register',
      payload: { name: 'Cyrus', email: 'cyrus@example.com', password },
    });
    expect(registered.statusCode, registered.body).toBe(201);
    const upgraded = await daily.call({
      method: 'POST',
      url: '/v1/auth/register',
      token: dee.token,
      payload: { name: 'Dee', email: 'dee@example.com', password },
    });
    expect(upgraded.statusCode, upgraded.body).toBe(201);
    expect(upgraded.json().user.id).toBe(dee.userId);
    // Signing in again is no new commenter.
    const login = await daily.call({
      method: 'POST',
      url: '/v1/auth/login',
      payload: { email: 'cyrus@example.com', password },
    });
    expect(login.statusCode, login.body).toBe(200);

    // Five comments: two on A, two on B (one held by two steps), one on C held by the word filter.
    const first = await posted(ada.token, PAGES.a, 'First');
    const second = await posted(bob.token, PAGES.a, 'Second');
    const third = await posted(ada.token, PAGES.b, 'Third');
    await setting('word_filter', 'spam');
    await setting('word_filter_action', 'hold');
    await setting('max_links', '0');
    const linked = await posted(ada.token, PAGES.b, 'Cheap spam at https://spam.example');
    await setting('max_links', '5');
    const filtered = await posted(bob.token, PAGES.c, 'Buy spam');
    // Two refused: a bot's honeypot, and a blocked word.
    expectError(
      await post(bob.token, PAGES.a, 'Hello', { website: 'https://bot.example' }),
      403,
      'forbidden',
    );
    await setting('word_filter_action', 'block');
    expectError(await post(ada.token, PAGES.a, 'More spam'), 400, 'invalid_request');
    await setting('word_filter_action', 'hold');

    // Votes: cast (1), taken back (not counted), cast the other way (2), changed (3); another (4).
    for (const direction of ['up', 'up', 'down', 'up'] as const) {
      expect((await vote(bob.token, first, direction)).statusCode).toBe(200);
    }
    expect((await vote(ada.token, second, 'up')).statusCode).toBe(200);
    // Reports: two accepted, one refused as a repeat.
    expect((await report(bob.token, third)).statusCode).toBe(204);
    expectError(await report(bob.token, third), 409, 'conflict');
    expect((await report(ada.token, second)).statusCode).toBe(204);
    // The moderator approves the filtered comment and rejects the linked one.
    const decide = (action: 'approve' | 'reject', id: string) =>
      daily.owner({ method: 'POST', url: `/v1/moderation/${action}/${id}` });
    expect((await decide('approve', filtered)).statusCode).toBe(204);
    expect((await decide('reject', linked)).statusCode).toBe(204);
    // Three page views by two readers.
    await read(PAGES.a, READERS.one);
    await read(PAGES.a, READERS.one);
    await read(PAGES.b, READERS.two);

    // Day 2, a minute before July: pre-moderation holds one comment, the word filter another.
    clock = DAY2;
    await setting('moderation', 'pre');
    const premoderated = await posted(ada.token, PAGES.a, 'Waiting for a moderator');
    const filteredToo = await posted(bob.token, PAGES.a, 'Spam, held anyway');
    await setting('moderation', 'none');
    const bulk = await daily.owner({
      method: 'POST',
      url: '/v1/moderation/bulk',
      payload: { action: 'approve', comment_ids: [premoderated, filteredToo] },
    });
    expect(bulk.statusCode, bulk.body).toBe(204);
    expect((await vote(bob.token, premoderated, 'up')).statusCode).toBe(200);
    await read(PAGES.a, READERS.one);
    await read(PAGES.b, READERS.three);
    daily.context.usage.recordWebSocketConnection(daily.site.id);
    daily.context.usage.recordWebSocketConnection(daily.site.id);

    // Day 3, in July: a new guest comments on B and C and votes; three pages read by three readers.
    clock = DAY3;
    const eve = await daily.guest('Eve');
    await posted(eve.token, PAGES.b, 'July on B');
    await posted(eve.token, PAGES.c, 'July on C');
    expect((await vote(eve.token, third, 'up')).statusCode).toBe(200);
    for (let i = 0; i < 3; i++) await read(PAGES.a, READERS.one);
    for (let i = 0; i < 2; i++) await read(PAGES.b, READERS.two);
    await read(PAGES.c, READERS.three);

    const day1 = {
      ...ZERO,
      comments: 5,
      pageviews: 3,
      unique_visitors: 2,
      // 4 sign-ups and a sign-in, 5 comments and 2 refused, 5 votes, 3 reports, 2 decisions, 3 reads.
      api_requests: 6 + 7 + 5 + 3 + 2 + 3,
      votes: 4,
      reports: 2,
      new_commenters: 4,
      approved: 1,
      rejected: 1,
      'held:word_filter': 2,
      'held:link_limit': 1,
      'rejected:honeypot': 1,
      'rejected:word_filter': 1,
    };
    const day2 = {
      ...ZERO,
      comments: 2,
      pageviews: 2,
      unique_visitors: 2,
      // 2 comments, the bulk decision, a vote, 2 reads.
      api_requests: 2 + 1 + 1 + 2,
      ws_connections: 2,
      votes: 1,
      approved: 2,
      'held:premoderation': 1,
      'held:word_filter': 1,
    };
    const day3 = {
      ...ZERO,
      comments: 2,
      pageviews: 6,
      unique_visitors: 3,
      api_requests: 1 + 2 + 1 + 6,
      votes: 1,
      new_commenters: 1,
    };
    const june = {
      comments: 7,
      pageviews: 5,
      // Reader one on both days, two on day 1, three on day 2.
      unique_visitors: 3,
      api_requests: day1.api_requests + day2.api_requests,
      ws_connections: 2,
      votes: 5,
      reports: 2,
      new_commenters: 4,
      approved: 3,
      rejected: 1,
      'held:word_filter': 3,
      'held:link_limit': 1,
      'held:premoderation': 1,
      'rejected:honeypot': 1,
      'rejected:word_filter': 1,
    };
    await eventually(
      'every request of day 3 metered',
      async () => {
        await daily.context.usage.flush();
        return daily.context.usage.read(daily.site.id, '2025-07-01');
      },
      (found) => found.api_requests >= day3.api_requests,
      5000,
    );
    expect(await stored('2025-06-29')).toEqual(day1);
    expect(await stored('2025-06-30')).toEqual(day2);
    expect(await stored('2025-07-01')).toEqual(day3);
    expect(await stored('2025-06')).toEqual(june);
    expect(await stored('2025-07')).toEqual(day3);
    expect(await stored('2025-06-28')).toEqual(ZERO);

    // Each HyperLogLog holds digests keyed with its own period: a reader's day digest is not in the month's.
    const one = `client:${READERS.one[0]}\n${READERS.one[1]}`;
    const holds = async (period: string, keyedWith: string) => {
      const key = keys.usageVisitors(daily.site.id, period);
      const scratch = `${key}:probe`;
      await daily.redis.copy(key, scratch);
      const changed = await daily.redis.pfadd(scratch, digest(keyedWith, one));
      await daily.redis.del(scratch);
      return changed === 0;
    };
    expect(await holds('2025-06-29', '2025-06-29')).toBe(true);
    expect(await holds('2025-06', '2025-06')).toBe(true);
    expect(await holds('2025-06', '2025-06-29')).toBe(false);
    expect(await holds('2025-06-29', '2025-06')).toBe(false);

    // Top pages of each month, capped at 2. June's comments: C (1) came when A and B had 2 each, and went.
    const top = (key: string) => daily.redis.zrevrange(key, 0, -1, 'WITHSCORES');
    const [a, b, c] = [pageId(PAGES.a), pageId(PAGES.b), pageId(PAGES.c)];
    expect(await daily.redis.hget(keys.page(daily.site.id, a), 'url')).toBe(PAGES.a);
    expect(await top(keys.usagePageComments(daily.site.id, '2025-06'))).toEqual([a, '4', b, '2']);
    expect(await top(keys.usagePageViews(daily.site.id, '2025-06'))).toEqual([a, '3', b, '2']);
    // July's views: C (1) came last, below A (3) and B (2), and went.
    expect(await top(keys.usagePageViews(daily.site.id, '2025-07'))).toEqual([a, '3', b, '2']);
    const julyComments = await daily.redis.zrange(
      keys.usagePageComments(daily.site.id, '2025-07'),
      0,
      -1,
      'WITHSCORES',
    );
    expect(
      Object.fromEntries([
        [julyComments[0], julyComments[1]],
        [julyComments[2], julyComments[3]],
      ]),
    ).toEqual({
      [b]: '1',
      [c]: '1',
    });

    // Every usage key expires about 400 days after its last change.
    const usageKeys = await daily.redis.keys(`tk:{${daily.site.id}}:usage:*`);
    expect(usageKeys.sort()).toEqual(
      [
        ...['2025-06', '2025-07', '2025-06-29', '2025-06-30', '2025-07-01'].flatMap((period) => [
          keys.usage(daily.site.id, period),
          keys.usageVisitors(daily.site.id, period),
        ]),
        ...['2025-06', '2025-07'].flatMap((month) => [
          keys.usagePageViews(daily.site.id, month),
          keys.usagePageComments(daily.site.id, month),
        ]),
      ].sort(),
    );
    for (const key of usageKeys) {
      const ttl = await daily.redis.ttl(key);
      expect(ttl, key).toBeGreaterThan(400 * 86_400 - 60);
      expect(ttl, key).toBeLessThanOrEqual(400 * 86_400);
    }

    // The owner route reads a day as it reads a month (its own requests count on the current day).
    const route = (query: string) =>
      daily.app.inject({
        method: 'GET',
        url: `/v1/sites/${daily.site.id}/usage?${query}`,
        headers: { projectid: daily.site.secretKey },
      });
    const dayOne = await route('day=2025-06-29');
    expect(dayOne.statusCode, dayOne.body).toBe(200);
    expect(dayOne.json()).toEqual({ site_id: daily.site.id, day: '2025-06-29', ...day1 });
    expect((await route('month=2025-06')).json()).toEqual({
      site_id: daily.site.id,
      month: '2025-06',
      ...june,
    });
    expect(expectError(await route('month=2025-06&day=2025-06-29'), 400, 'invalid_request').field).toBe(
      'day',
    );
    for (const day of ['2025-02-30', '2025-6-1', '2025-06']) {
      expect(expectError(await route(`day=${day}`), 400, 'invalid_request').field, day).toBe('day');
    }
  });
});

describe('on a Redis Cluster', () => {
  let cluster: TestApi;
  let clusterNow = MARCH;
  beforeAll(async () => {
    cluster = await startTestApi({
      cluster: true,
      env: { RATE_LIMITS: 'reads=3' },
      context: { clock: () => clusterNow },
    });
  }, 120_000);
  afterAll(async () => {
    await cluster?.stop();
  });

  it('rate limits and usage work there too: their keys are in the site slot', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await cluster.call({ method: 'GET', url: LIST })).statusCode);
    expect(statuses).toEqual([200, 200, 200, 429]);
    const report = await eventually(
      'the usage on the cluster',
      async () => {
        await cluster.context.usage.flush();
        return cluster.context.usage.read(cluster.site.id, '2025-03');
      },
      (found) => found.api_requests >= 4,
      5000,
    );
    expect(report).toEqual({ ...ZERO, pageviews: 3, unique_visitors: 1, api_requests: 4 });
    clusterNow += 2 * 60_000;
    expect((await cluster.call({ method: 'GET', url: LIST })).statusCode).toBe(200);
  });
});

describe('threadkit usage', () => {
  const cli = async (args: string[]) => {
    const env = {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: process.env.HOME ?? os.tmpdir(),
      DATA_DIR: dataDir,
      LOG_LEVEL: 'silent',
      REDIS_URL: api.backend.server!.url,
    };
    try {
      const { stdout } = await promisify(execFile)(process.execPath, [CLI, ...args], {
        env,
        timeout: 30_000,
      });
      return { code: 0, stdout };
    } catch (error) {
      const failed = error as { code?: number; stdout?: string };
      return { code: failed.code ?? 1, stdout: failed.stdout ?? '' };
    }
  };

  it('prints the month the owner route shows, one field a line', async () => {
    const report = await settled('2025-03', () => true);
    const { code, stdout } = await cli(['usage', '--month', '2025-03']);
    expect(code, stdout).toBe(0);
    const printed = Object.fromEntries(
      stdout
        .trim()
        .split('\n')
        .map((line) => line.split(/\s+/)),
    );
    expect(printed).toEqual({
      site_id: api.site.id,
      month: '2025-03',
      ...Object.fromEntries(Object.entries(report).map(([name, value]) => [name, String(value)])),
    });
    expect(Number(printed.comments)).toBe(3);
    expect(Number(printed.pageviews)).toBe(11);
  });

  it('defaults to the current UTC month, and refuses a malformed one', async () => {
    const before = new Date().toISOString().slice(0, 7);
    const { code, stdout } = await cli(['usage']);
    expect(code, stdout).toBe(0);
    expect([before, new Date().toISOString().slice(0, 7)]).toContain(/^month\s+(\S+)$/m.exec(stdout)?.[1]);
    const bad = await cli(['usage', '--month', '2025-3']);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toContain('threadkit usage [--month YYYY-MM]');
    expect((await cli(['help'])).stdout).toContain('usage [--month YYYY-MM]');
  });
});
