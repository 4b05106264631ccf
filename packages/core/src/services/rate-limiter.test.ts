import { perFileRedis } from '@threadkit/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ThreadKitError } from '../errors.js';
import { keys } from '../keys.js';
import { RATE_LIMIT_WINDOW_MS } from '../rate-limits.js';
import { RateLimitStore } from '../store/rate-limit-store.js';
import { type RateBudget, RateLimiter } from './rate-limiter.js';

/**
 * The limiter on a real Redis, with its clock in the test's hands: time moves
 * when the test says so, never by sleeping.
 */

const SITE = '0190f5d2-7c1a-7b3e-9a4f-2d6c8e1f3a5b';
const OTHER_SITE = '0190f5d2-7c1a-7b3e-9a4f-2d6c8e1f3a5c';
const W = RATE_LIMIT_WINDOW_MS;
/** 10 s into a fixed window (windows start at whole minutes of the Unix epoch). */
const T0 = Date.UTC(2025, 0, 15, 12, 0, 10);

const db = perFileRedis({ flushEach: true });
let now: number;
const limiters: RateLimiter[] = [];

beforeEach(() => {
  now = T0;
});
afterEach(async () => {
  for (const limiter of limiters.splice(0)) await limiter.close();
});

/** A limiter on the test clock, and how many times it has asked Redis to decide. */
function limiter() {
  const store = new RateLimitStore(db.redis);
  const counted = { checks: 0 };
  const check = store.check.bind(store);
  store.check = (...args) => {
    counted.checks++;
    return check(...args);
  };
  const instance = new RateLimiter(store, { clock: () => now, flushIntervalMs: 3_600_000 });
  limiters.push(instance);
  return Object.assign(instance, { counted });
}

const reads = (subject: string, limit: number): RateBudget => ({ bucket: 'reads', subject, limit });

/** Sends `n` requests one after the other; returns how many went through before the first refusal. */
async function send(rl: RateLimiter, siteId: string, budgets: RateBudget[], n: number): Promise<number> {
  for (let i = 0; i < n; i++) if ((await rl.check(siteId, budgets)) !== null) return i;
  return n;
}

/**
 * Waits until Redis has answered every command sent so far on the test's connection (it answers
 * in order: a PING sent now comes back after them) and what waits on those answers has run.
 */
async function answersSoFar(): Promise<void> {
  await db.redis.ping();
  await new Promise((resolve) => setImmediate(resolve));
}

describe('RateLimiter', () => {
  it('lets exactly the limit through, then refuses with the time until there is room again', async () => {
    const rl = limiter();
    const budget = [reads('ip:203.0.113.1', 120)];
    expect(await send(rl, SITE, budget, 120)).toBe(120);
    // Grants: most requests were let through without asking Redis, the last ones each asked.
    expect(rl.counted.checks).toBeLessThan(40);

    // 120 counted 10 s into the window; the 121st has room once the sliding window has moved
    // 50 s (to the next window) plus the 0.5 s after which 120 × (1 − t/60 s) drops to 119.
    const refusal = await rl.check(SITE, budget);
    expect(refusal).toEqual({ bucket: 'reads', limit: 120, retryAfterMs: 50_500 });

    // Refused again from memory, without asking Redis.
    const asked = rl.counted.checks;
    now += 50_000;
    expect(await rl.check(SITE, budget)).toEqual({ bucket: 'reads', limit: 120, retryAfterMs: 500 });
    expect(rl.counted.checks).toBe(asked);

    // The window slides: one more fits exactly then, and the next has to wait for the old count to fade.
    now += 499;
    expect((await rl.check(SITE, budget))?.retryAfterMs).toBe(1);
    now += 1;
    expect(await rl.check(SITE, budget)).toBeNull();
    // 1 counted in this window, 120 in the previous one weighing 1 − 0.5/60: room again after 1 s.
    expect(await rl.check(SITE, budget)).toEqual({ bucket: 'reads', limit: 120, retryAfterMs: 500 });
  });

  it('lets the previous minute fade: halfway through the next window half of its count still weighs', async () => {
    const rl = limiter();
    const budget = [reads('user:ada', 10)];
    expect(await send(rl, SITE, budget, 10)).toBe(10);
    expect((await rl.check(SITE, budget))?.retryAfterMs).toBe(50_000 + 6_000);
    now = T0 - 10_000 + W + W / 2;
    // 10 × ½ = 5 still count: 5 more fit.
    expect(await send(rl, SITE, budget, 10)).toBe(5);
    now += W;
    // A full window later the first minute no longer counts, and the second weighs half.
    expect(await send(rl, SITE, budget, 10)).toBe(7);
  });

  it('keeps budgets apart: by bucket, by subject and by site', async () => {
    const rl = limiter();
    expect(await send(rl, SITE, [reads('ip:203.0.113.1', 3)], 5)).toBe(3);
    expect(await send(rl, SITE, [reads('ip:203.0.113.2', 3)], 5)).toBe(3);
    expect(await send(rl, SITE, [{ bucket: 'writes', subject: 'ip:203.0.113.1', limit: 3 }], 5)).toBe(3);
    expect(await send(rl, OTHER_SITE, [reads('ip:203.0.113.1', 3)], 5)).toBe(3);
    expect(await rl.check(SITE, [reads('ip:203.0.113.1', 3)])).not.toBeNull();
  });

  it('decides all the budgets of a request together: a refused request counts in none', async () => {
    const rl = limiter();
    const key: RateBudget = { bucket: 'key', subject: 'public', limit: 1000 };
    expect(await send(rl, SITE, [reads('ip:203.0.113.1', 5), key], 20)).toBe(5);
    for (let i = 0; i < 10; i++)
      expect(await rl.check(SITE, [reads('ip:203.0.113.1', 5), key])).not.toBeNull();
    // The key budget is not refused, and counted only what went through.
    expect(await rl.check(SITE, [reads('ip:203.0.113.2', 5), key])).toBeNull();
    await rl.flush();
    expect(await db.redis.hget(keys.rateLimit(SITE, 'key', 'public'), 'c')).toBe('6');
    expect(await db.redis.hget(keys.rateLimit(SITE, 'reads', 'ip:203.0.113.1'), 'c')).toBe('5');
  });

  it('shares the budget between instances: what one let through on grants counts once reported', async () => {
    const a = limiter();
    const b = limiter();
    const budget = [reads('ip:203.0.113.9', 120)];
    expect(await send(a, SITE, budget, 50)).toBe(50);
    await a.flush();
    expect(await send(b, SITE, budget, 200)).toBe(70);
  });

  it('reports what grants let through, for many subjects at once', async () => {
    const rl = limiter();
    const subjects = Array.from({ length: 600 }, (_, i) => `ip:10.0.${i >> 8}.${i & 255}`);
    // The first request of each is decided in Redis (with a grant), the next two on the grant.
    for (const subject of subjects) expect(await send(rl, SITE, [reads(subject, 120)], 3)).toBe(3);
    expect(rl.counted.checks).toBe(600);
    await rl.flush();
    for (const subject of [subjects[0]!, subjects[499]!, subjects[500]!, subjects[599]!]) {
      expect(await db.redis.hget(keys.rateLimit(SITE, 'reads', subject), 'c'), subject).toBe('3');
    }
  });

  it('renews a busy grant before it runs out: requests keep being decided from memory, and all are counted', async () => {
    const rl = limiter();
    const budgets = [
      reads('ip:203.0.113.7', 100_000),
      { bucket: 'key' as const, subject: 'public', limit: 100_000 },
    ];
    let waited = 0;
    for (let i = 0; i < 5000; i++) {
      if (rl.tryLocal(SITE, budgets) === undefined) {
        waited++;
        expect(await rl.check(SITE, budgets)).toBeNull();
      }
      // A busy server answers other requests while a renewal is out: now and then, let it come back.
      if (i % 50 === 0) await answersSoFar();
    }
    // Only the first request had to wait for Redis; the grant (1 000 at most) was renewed ahead.
    expect(waited).toBe(1);
    expect(rl.counted.checks).toBeGreaterThan(5);
    await rl.flush();
    for (const key of [
      keys.rateLimit(SITE, 'reads', 'ip:203.0.113.7'),
      keys.rateLimit(SITE, 'key', 'public'),
    ])
      expect(await db.redis.hget(key, 'c')).toBe('5000');
  });

  it('still stops exactly at the limit when grants are renewed ahead', async () => {
    const rl = limiter();
    const budget = [reads('ip:203.0.113.8', 600)];
    let allowed = 0;
    for (let i = 0; i < 700; i++) {
      const local = rl.tryLocal(SITE, budget);
      if (local === null || (local === undefined && (await rl.check(SITE, budget)) === null)) allowed++;
      if (i % 5 === 0) await answersSoFar();
    }
    expect(allowed).toBe(600);
    await rl.flush();
    expect(await db.redis.hget(keys.rateLimit(SITE, 'reads', 'ip:203.0.113.8'), 'c')).toBe('600');
  });

  it('forgets the counters that hold nothing once reported; a budget its caller kept finds a new one', async () => {
    const rl = limiter();
    const kept = [reads('ip:203.0.113.20', 1000)];
    expect(await send(rl, SITE, kept, 3)).toBe(3);
    for (let i = 0; i < 20; i++) await rl.check(SITE, [reads(`ip:198.51.100.${i}`, 1000)]);
    expect(rl.size).toBe(21);
    // Reported, and their grants run out: nothing is left to keep.
    await rl.flush();
    expect(rl.size).toBe(21);
    now += 1000;
    await rl.flush();
    expect(rl.size).toBe(0);
    expect(await send(rl, SITE, kept, 2)).toBe(2);
    expect(rl.size).toBe(1);
    await rl.flush();
    expect(await db.redis.hget(keys.rateLimit(SITE, 'reads', 'ip:203.0.113.20'), 'c')).toBe('5');
  });

  it('a budget of 0 is off: never refused, never stored', async () => {
    const rl = limiter();
    expect(await send(rl, SITE, [reads('ip:203.0.113.1', 0)], 500)).toBe(500);
    await rl.flush();
    expect(await db.redis.dbsize()).toBe(0);
  });

  it('keeps one small hash per budget in the site slot, expiring after two windows', async () => {
    const rl = limiter();
    await rl.check(SITE, [reads('ip:2001:db8::1', 50)]);
    const key = keys.rateLimit(SITE, 'reads', 'ip:2001:db8::1');
    expect(key).toBe(`tk:{${SITE}}:rl:reads:ip:2001:db8::1`);
    expect(await db.redis.hgetall(key)).toEqual({ w: String(Math.floor(T0 / W)), c: '1', p: '0' });
    const ttl = await db.redis.pttl(key);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(2 * W);
  });

  it('lets requests through when Redis is unreachable, and reports them later', async () => {
    const store = new RateLimitStore(db.redis);
    store.check = async () => {
      throw new ThreadKitError('unavailable', 'Storage is unreachable; try again shortly.');
    };
    const rl = new RateLimiter(store, { clock: () => now, flushIntervalMs: 3_600_000 });
    limiters.push(rl);
    expect(await send(rl, SITE, [reads('ip:203.0.113.1', 2)], 5)).toBe(5);
    await rl.flush();
    expect(await db.redis.hget(keys.rateLimit(SITE, 'reads', 'ip:203.0.113.1'), 'c')).toBe('5');
  });
});
