import { createHmac } from 'node:crypto';
import { once } from 'node:events';
import { perFileRedis } from '@threadkit/testing';
import { describe, expect, it } from 'vitest';
import { keys } from '../keys.js';
import { createRedis } from '../store/redis.js';
import { USAGE_TTL_SECONDS, UsageStore } from '../store/usage-store.js';
import { dayOf, isDay, monthOf, UsageMeter } from './usage-meter.js';

const backend = perFileRedis({ flushEach: true });
const VISITOR_KEY = 'meter-test-key';

const meterOn = (store: UsageStore, clock: () => number, onFlushError?: (error: unknown) => void) =>
  new UsageMeter(store, {
    visitorKey: VISITOR_KEY,
    clock,
    flushIntervalMs: 3_600_000,
    ...(onFlushError ? { onFlushError } : {}),
  });

const digest = (period: string, visitor: string) =>
  createHmac('sha256', VISITOR_KEY).update(`${period}\n${visitor}`).digest('base64url').slice(0, 16);

/** The fields of a usage hash as numbers. */
async function hash(siteId: string, period: string): Promise<Record<string, number>> {
  const stored = await backend.redis.hgetall(keys.usage(siteId, period));
  return Object.fromEntries(Object.entries(stored).map(([field, value]) => [field, Number(value)]));
}

/** Whether a HyperLogLog already holds `member` (PFADD changes no register for a member it has). */
const holds = async (key: string, member: string) => {
  const scratch = `${key}:probe`;
  await backend.redis.copy(key, scratch);
  const changed = await backend.redis.pfadd(scratch, member);
  await backend.redis.del(scratch);
  return changed === 0;
};

describe('UsageMeter', () => {
  it('counts in memory, then writes each site and day to the day and its month, visitors digested per period', async () => {
    const store = new UsageStore(backend.redis);
    const meter = meterOn(store, () => Date.UTC(2025, 0, 31, 23, 59, 59));
    for (let i = 0; i < 3; i++) meter.recordPageView('s1', 'p1', 'client:198.51.100.1\nBrowser');
    meter.recordPageView('s1', 'p2', 'user:u1');
    meter.recordApiRequest('s1');
    meter.recordApiRequest('s2');
    expect(await backend.redis.keys('*')).toEqual([]);
    await meter.close();

    const s1 = { pageviews: 4, api_requests: 1 };
    expect(await hash('s1', '2025-01')).toEqual(s1);
    expect(await hash('s1', '2025-01-31')).toEqual(s1);
    expect(await hash('s2', '2025-01-31')).toEqual({ api_requests: 1 });
    for (const period of ['2025-01', '2025-01-31']) {
      const hll = keys.usageVisitors('s1', period);
      expect(await backend.redis.pfcount(hll)).toBe(2);
      // Each HyperLogLog has the digests keyed with its own period, and nothing readable.
      expect(await holds(hll, digest(period, 'user:u1'))).toBe(true);
      expect(await holds(hll, digest(period, 'client:198.51.100.1\nBrowser'))).toBe(true);
      expect(String(await backend.redis.get(hll))).not.toContain('198.51.100.1');
    }
    expect(digest('2025-01', 'user:u1')).not.toBe(digest('2025-01-31', 'user:u1'));
    expect(await backend.redis.zrevrange(keys.usagePageViews('s1', '2025-01'), 0, -1, 'WITHSCORES')).toEqual([
      'p1',
      '3',
      'p2',
      '1',
    ]);
    expect(await backend.redis.exists(keys.usagePageViews('s2', '2025-01'))).toBe(0);
    for (const key of [
      keys.usage('s1', '2025-01'),
      keys.usage('s1', '2025-01-31'),
      keys.usageVisitors('s1', '2025-01-31'),
      keys.usagePageViews('s1', '2025-01'),
    ]) {
      expect(await backend.redis.ttl(key)).toBeGreaterThan(USAGE_TTL_SECONDS - 60);
    }
  });

  it('puts counts in the UTC day (and month) of their time, even when the clock goes back', async () => {
    let now = Date.UTC(2025, 1, 28, 23, 59, 59);
    const meter = meterOn(new UsageStore(backend.redis), () => now);
    meter.recordApiRequest('s');
    now = Date.UTC(2025, 2, 1);
    meter.recordApiRequest('s');
    meter.recordApiRequest('s');
    now = Date.UTC(2025, 2, 2, 12);
    meter.recordVote('s');
    now = Date.UTC(2025, 0, 29);
    meter.recordApiRequest('s');
    await meter.close();
    expect(await hash('s', '2025-01')).toEqual({ api_requests: 1 });
    expect(await hash('s', '2025-01-29')).toEqual({ api_requests: 1 });
    expect(await hash('s', '2025-02')).toEqual({ api_requests: 1 });
    expect(await hash('s', '2025-02-28')).toEqual({ api_requests: 1 });
    expect(await hash('s', '2025-03')).toEqual({ api_requests: 2, votes: 1 });
    expect(await hash('s', '2025-03-01')).toEqual({ api_requests: 2 });
    expect(await hash('s', '2025-03-02')).toEqual({ votes: 1 });
    expect(monthOf(Date.UTC(2024, 11, 31, 23, 59, 59, 999))).toBe('2024-12');
    expect(dayOf(Date.UTC(2024, 11, 31, 23, 59, 59, 999))).toBe('2024-12-31');
    expect(['2025-02-28', '2024-02-29', '2025-02-29', '2025-13-01', '2025-1-01'].map(isDay)).toEqual([
      true,
      true,
      false,
      false,
      false,
    ]);
  });

  it('counts every kind of event under its field, and the store reads a day or a month back', async () => {
    const meter = meterOn(new UsageStore(backend.redis), () => Date.UTC(2025, 4, 5, 8));
    meter.recordVote('s');
    meter.recordVote('s');
    meter.recordReport('s');
    meter.recordNewCommenter('s');
    meter.recordHeld('s', ['word_filter', 'link_limit']);
    meter.recordHeld('s', ['word_filter']);
    meter.recordHeld('s', ['premoderation']);
    meter.recordRefused('s', 'honeypot');
    meter.recordDecision('s', 'approve');
    meter.recordDecision('s', 'approve');
    meter.recordDecision('s', 'reject');
    meter.recordWebSocketConnection('s');
    await meter.close();
    const expected = {
      comments: 0,
      pageviews: 0,
      unique_visitors: 0,
      api_requests: 0,
      ws_connections: 1,
      votes: 2,
      reports: 1,
      new_commenters: 1,
      approved: 2,
      rejected: 1,
      'held:word_filter': 2,
      'held:link_limit': 1,
      'held:premoderation': 1,
      'rejected:honeypot': 1,
    };
    expect(await meter.read('s', '2025-05-05')).toEqual(expected);
    expect(await meter.read('s', '2025-05')).toEqual(expected);
    expect(await meter.read('s', '2025-05-06')).toEqual({
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
    });
  });

  it("keeps only the month's top pages by views, trimmed after each batch", async () => {
    const meter = meterOn(new UsageStore(backend.redis, { topPages: 2 }), () => Date.UTC(2025, 6, 1));
    const views = (page: string, count: number) => {
      for (let i = 0; i < count; i++) meter.recordPageView('s', page, 'user:u');
    };
    views('a', 5);
    views('b', 3);
    views('c', 1);
    await meter.flush();
    const top = keys.usagePageViews('s', '2025-07');
    expect(await backend.redis.zrevrange(top, 0, -1, 'WITHSCORES')).toEqual(['a', '5', 'b', '3']);
    // A page that dropped out starts again from nothing: `c` had 1 before, and is not kept now either.
    views('c', 2);
    views('d', 4);
    await meter.close();
    expect(await backend.redis.zrevrange(top, 0, -1, 'WITHSCORES')).toEqual(['a', '5', 'd', '4']);
    expect((await hash('s', '2025-07')).pageviews).toBe(15);
  });

  it('keeps what it could not write (Redis down) and writes it with the next batch', async () => {
    const client = createRedis(
      { url: backend.server.url, clusterNodes: [], sentinels: [], sentinelName: null },
      { lazyConnect: true },
    );
    await client.connect();
    const errors: unknown[] = [];
    const meter = meterOn(
      new UsageStore(client),
      () => Date.UTC(2025, 5, 1),
      (error) => errors.push(error),
    );
    meter.recordPageView('s', 'p', 'user:a');
    meter.recordWebSocketConnection('s');
    meter.recordHeld('s', ['akismet']);
    const ended = once(client, 'end');
    client.disconnect();
    await meter.flush();
    await ended;
    expect(errors).toHaveLength(1);
    expect(await backend.redis.exists(keys.usage('s', '2025-06'))).toBe(0);

    meter.recordPageView('s', 'p', 'user:b');
    await client.connect();
    await meter.flush();
    expect(errors).toHaveLength(1);
    const expected = { pageviews: 2, ws_connections: 1, 'held:akismet': 1 };
    expect(await hash('s', '2025-06')).toEqual(expected);
    expect(await hash('s', '2025-06-01')).toEqual(expected);
    expect(await backend.redis.pfcount(keys.usageVisitors('s', '2025-06-01'))).toBe(2);
    expect(await backend.redis.zscore(keys.usagePageViews('s', '2025-06'), 'p')).toBe('2');
    await meter.close();
    client.disconnect();
  });
});
