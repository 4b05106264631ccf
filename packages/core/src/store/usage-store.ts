import { keys } from '../keys.js';
import { type RedisClient, translateRedisError } from './redis.js';

/** The counters every usage hash reports (0 when absent); see docs/api.md, Usage. */
export const USAGE_COUNTERS = [
  'comments',
  'pageviews',
  'api_requests',
  'ws_connections',
  'votes',
  'reports',
  'new_commenters',
  'approved',
  'rejected',
] as const;
export type UsageCounter = (typeof USAGE_COUNTERS)[number];
/** The counters counted in memory (`UsageMeter`); comments are counted as they are stored. */
export const METERED_COUNTERS = USAGE_COUNTERS.filter(
  (name): name is Exclude<UsageCounter, 'comments'> => name !== 'comments',
);
export type MeteredCounter = Exclude<UsageCounter, 'comments'>;
/** New comments held (`held:<step>`) or refused (`rejected:<step>`) by a spam step, or held by pre-moderation. */
export type StepCounter = `held:${string}` | `rejected:${string}`;
/** A field of a usage hash the meter adds to. */
export type MeteredField = MeteredCounter | StepCounter;

/** A site's usage in one month or day, as the owner route and `threadkit usage` show it. */
export type UsageReport = Record<UsageCounter, number> & { unique_visitors: number } & {
  [field: StepCounter]: number;
};

/** Usage keys outlive their month or day by about a year (the dashboard compares months), then expire. */
export const USAGE_TTL_SECONDS = 400 * 86_400;
/** Pages kept in each month's top-pages sets (`page_views`, `page_comments`). */
export const USAGE_TOP_PAGES = 1000;

const STEP_FIELD = /^(held|rejected):[a-z_]+$/;

/** One site's counts for one UTC day, as the meter hands them over. */
export interface UsageBatch {
  counts: ReadonlyMap<MeteredField, number>;
  /** Visitor digests keyed with the month, for the month's HyperLogLog. */
  monthVisitors: readonly string[];
  /** Digests of the same visitors keyed with the day, for the day's. */
  dayVisitors: readonly string[];
  /** Page id → page views. */
  pageViews: ReadonlyMap<string, number>;
}

/**
 * Per-site usage by UTC month and day: a hash of counters and a HyperLogLog of
 * visitors for each, and the month's top pages by views and by comments. Every
 * key is in the site's slot, so a batch is one MULTI on a cluster too.
 */
export class UsageStore {
  private readonly topPages: number;

  constructor(
    private readonly redis: RedisClient,
    options: { topPages?: number } = {},
  ) {
    this.topPages = options.topPages ?? USAGE_TOP_PAGES;
  }

  /** Adds one day's counts to the day and to its month, in one MULTI. */
  async add(siteId: string, day: string, batch: UsageBatch): Promise<void> {
    const month = day.slice(0, 7);
    const multi = this.redis.multi();
    for (const period of [month, day]) {
      const hash = keys.usage(siteId, period);
      for (const [field, count] of batch.counts) if (count > 0) multi.hincrby(hash, field, count);
      multi.expire(hash, USAGE_TTL_SECONDS);
    }
    for (const [period, visitors] of [
      [month, batch.monthVisitors],
      [day, batch.dayVisitors],
    ] as const) {
      if (visitors.length === 0) continue;
      const hll = keys.usageVisitors(siteId, period);
      multi.pfadd(hll, ...visitors);
      multi.expire(hll, USAGE_TTL_SECONDS);
    }
    if (batch.pageViews.size > 0) {
      const top = keys.usagePageViews(siteId, month);
      for (const [pageId, views] of batch.pageViews) multi.zincrby(top, views, pageId);
      // Only the top pages are kept: a page that drops out starts again from 0 (docs/redis.md).
      multi.zremrangebyrank(top, 0, -(this.topPages + 1));
      multi.expire(top, USAGE_TTL_SECONDS);
    }
    const replies = await multi.exec().catch(translateRedisError);
    const failed = replies?.find(([error]) => error);
    if (failed) throw failed[0];
  }

  /** A month (`YYYY-MM`) or a day (`YYYY-MM-DD`): every counter (0 when none) and the unique visitors. */
  async read(siteId: string, period: string): Promise<UsageReport> {
    const replies = await this.redis
      .multi()
      .hgetall(keys.usage(siteId, period))
      .pfcount(keys.usageVisitors(siteId, period))
      .exec()
      .catch(translateRedisError);
    const failed = replies?.find(([error]) => error);
    if (failed) throw failed[0];
    const stored = (replies?.[0]?.[1] ?? {}) as Record<string, string>;
    const report = { unique_visitors: Number(replies?.[1]?.[1] ?? 0) } as UsageReport;
    for (const name of USAGE_COUNTERS) report[name] = Number(stored[name] ?? 0);
    for (const [field, value] of Object.entries(stored)) {
      if (STEP_FIELD.test(field)) report[field as StepCounter] = Number(value);
    }
    return report;
  }
}
