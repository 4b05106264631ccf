import { execFile, execFileSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { keys, type UsageReport } from '@threadkit/core';
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
    expect(april).toEqual({
      comments: 0,
      pageviews: 1,
      unique_visitors: 1,
      api_requests: 1,
      ws_connections: 0,
    });
    expect((await settled('2025-03', (report) => report.api_requests === 22)).pageviews).toBe(11);
  });

  it('stores no address: only counters and a HyperLogLog of keyed digests, expiring after about a year', async () => {
    await settled('2025-03', () => true);
    const hash = keys.usage(api.site.id, '2025-03');
    expect(hash).toBe(`tk:{${api.site.id}}:usage:2025-03`);
    expect(Object.keys(await api.redis.hgetall(hash)).sort()).toEqual([
      'api_requests',
      'comments',
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
    expect((await usageRoute('2024-12')).json()).toEqual({
      site_id: api.site.id,
      month: '2024-12',
      comments: 0,
      pageviews: 0,
      unique_visitors: 0,
      api_requests: 0,
      ws_connections: 0,
    });
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
    expect(report).toEqual({
      comments: 0,
      pageviews: 3,
      unique_visitors: 1,
      api_requests: 4,
      ws_connections: 0,
    });
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
