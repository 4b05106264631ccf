import { keys, sitePrefix } from '../keys.js';
import type { RateBucket } from '../rate-limits.js';
import { type RedisClient, translateRedisError } from './redis.js';
import { runScript } from './scripts.js';

/** One budget of a request, as the rate-limit script sees it. */
export interface RateCounter {
  bucket: RateBucket;
  /** Whose budget: `ip:<address>`, `user:<id>`, or the key kind (`public`, `secret`). */
  subject: string;
  /** Requests per window; never 0 here (a budget that is off is not checked). */
  limit: number;
  /** Requests let through on a grant since the last report, added before deciding. */
  pending: number;
  /** The most requests the caller may let through on its own after this one. */
  maxGrant: number;
}

export interface RateVerdict {
  allowed: boolean;
  /** Per counter: the grant when allowed; when refused, the ms until that budget has room (0 when it had). */
  values: number[];
}

/**
 * Sliding-window counters (`rate_limit.lua`): one small hash per budget and
 * subject, in the site's slot, so a request's budgets are decided together in
 * one atomic script call. The clock is the caller's.
 */
export class RateLimitStore {
  constructor(private readonly redis: RedisClient) {}

  /** Adds the pending requests and decides one more against every counter at once. */
  async check(siteId: string, now: number, windowMs: number, counters: RateCounter[]): Promise<RateVerdict> {
    const reply = await this.run(siteId, now, windowMs, 'check', counters);
    return { allowed: reply[0] === 1, values: reply.slice(1) };
  }

  /** Only adds the pending requests (a periodic report of what grants let through). */
  async record(siteId: string, now: number, windowMs: number, counters: RateCounter[]): Promise<void> {
    await this.run(siteId, now, windowMs, 'record', counters);
  }

  private run(siteId: string, now: number, windowMs: number, mode: string, counters: RateCounter[]) {
    const args: (string | number)[] = [sitePrefix(siteId), Math.floor(now), windowMs, mode];
    for (const c of counters) args.push(c.limit, c.pending, c.maxGrant);
    return runScript(
      this.redis,
      'rateLimit',
      counters.map((c) => keys.rateLimit(siteId, c.bucket, c.subject)),
      args,
    ).catch(translateRedisError);
  }
}
