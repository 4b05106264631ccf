import { keys } from '../keys.js';
import { type RedisClient, translateRedisError } from './redis.js';

export const USAGE_COUNTERS = ['comments', 'pageviews', 'api_requests', 'ws_connections'] as const;
export type UsageCounter = (typeof USAGE_COUNTERS)[number];
/** The counters requests add to in memory (`UsageMeter`); comments are counted as they are stored. */
export const METERED_COUNTERS = ['pageviews', 'api_requests', 'ws_connections'] as const;
export type MeteredCounter = (typeof METERED_COUNTERS)[number];

/** A site's usage in one month, as the owner route and `threadkit usage` show it. */
export type UsageReport = Record<UsageCounter, number> & { unique_visitors: number };

/** Usage keys outlive their month or day by about a year (the dashboard compares months), then expire. */
export const USAGE_TTL_SECONDS = 400 * 86_400;

/**
 * Per-site monthly usage: a hash of counters and a HyperLogLog of visitors.
 * Both keys are in the site's slot, so a batch is one MULTI on a cluster too.
 */
export class UsageStore {
  constructor(private readonly redis: RedisClient) {}

  /** Adds counts and visitor digests to a month. */
  async add(
    siteId: string,
    month: string,
    counts: Record<MeteredCounter, number>,
    visitors: string[],
  ): Promise<void> {
    const hash = keys.usage(siteId, month);
    const hll = keys.usageVisitors(siteId, month);
    const multi = this.redis.multi();
    for (const name of METERED_COUNTERS) if (counts[name] > 0) multi.hincrby(hash, name, counts[name]);
    multi.expire(hash, USAGE_TTL_SECONDS);
    if (visitors.length > 0) {
      multi.pfadd(hll, ...visitors);
      multi.expire(hll, USAGE_TTL_SECONDS);
    }
    const replies = await multi.exec().catch(translateRedisError);
    const failed = replies?.find(([error]) => error);
    if (failed) throw failed[0];
  }

  async read(siteId: string, month: string): Promise<UsageReport> {
    const replies = await this.redis
      .multi()
      .hmget(keys.usage(siteId, month), ...USAGE_COUNTERS)
      .pfcount(keys.usageVisitors(siteId, month))
      .exec()
      .catch(translateRedisError);
    const failed = replies?.find(([error]) => error);
    if (failed) throw failed[0];
    const counts = (replies?.[0]?.[1] ?? []) as (string | null)[];
    const report = { unique_visitors: Number(replies?.[1]?.[1] ?? 0) } as UsageReport;
    USAGE_COUNTERS.forEach((name, i) => {
      report[name] = Number(counts[i] ?? 0);
    });
    return report;
  }
}
