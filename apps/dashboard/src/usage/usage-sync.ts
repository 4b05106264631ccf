import { dayOf, keys, type Mailer, PLANS, type RedisClient } from '@threadkit/core';
import { and, eq, inArray, sql } from 'drizzle-orm';
import type { OwnerPlans } from '../billing/plans';
import type { Database } from '../db/database';
import { sites, usageAlerts, usagePages, usageRecords, usageSync } from '../db/schema';
import { usageAlertEmail } from '../owners/emails';

const DAY_MS = 86_400_000;
/** The comment servers keep usage this long (their `USAGE_TTL_SECONDS`): older days are gone from Redis. */
export const KEPT_DAYS = 400;
/** Pages kept per site and month: the most read and the most commented. */
const TOP_PAGES = 100;
/** How far into a plan's monthly limit the owner is told, in percent. */
export const ALERT_THRESHOLDS = [80, 100] as const;
/** The plan limits an alert watches, by their usage counter. */
const WATCHED = { comments: 'commentsPerMonth', pageviews: 'pageviewsPerMonth' } as const;

export interface UsageSyncOptions {
  db: Database;
  /** The comment servers' Redis, only read from. */
  redis: RedisClient;
  plans: OwnerPlans;
  mailer: Mailer;
  link: (path: string) => string;
  now?: () => number;
  /** Told after each site is copied (progress for the log; tests stop a run here). */
  onSiteSynced?: (siteId: string) => void;
  onMailError?: (error: unknown) => void;
}

const monthOfDay = (day: string) => day.slice(0, 7);

/** The days from `first` to `last` (`YYYY-MM-DD`), both included. */
function daysBetween(first: string, last: string): string[] {
  const days: string[] = [];
  for (let at = Date.parse(`${first}T00:00:00Z`); at <= Date.parse(`${last}T00:00:00Z`); at += DAY_MS)
    days.push(dayOf(at));
  return days;
}

/**
 * Copies each site's usage from the comment servers' Redis into Postgres
 * (`usage_records`, `usage_pages`), where the dashboard's charts read it and
 * where it outlives Redis's 400 days. Figures are copied whole (a period's
 * total, not what changed), each site in one transaction with where it got
 * to: a run stopped half-way and run again leaves the same rows as one that
 * was not. Each run copies a site's days from the last one it copied (which
 * may have grown since) to today, and its months' top pages.
 */
export class UsageSync {
  constructor(private readonly options: UsageSyncOptions) {}

  private now(): number {
    return (this.options.now ?? Date.now)();
  }

  /** Every site, one after another; resolves to how many were copied. */
  async syncAll(): Promise<number> {
    const all = await this.options.db.select({ id: sites.id }).from(sites).orderBy(sites.id);
    for (const { id } of all) await this.syncSite(id);
    return all.length;
  }

  /** The sites an owner pays for or co-owns (the dashboard's "refresh now"). */
  async syncSites(siteIds: string[]): Promise<void> {
    for (const id of siteIds) await this.syncSite(id);
  }

  async syncSite(siteId: string): Promise<void> {
    const { db, redis } = this.options;
    const [site] = await db
      .select({ createdAt: sites.createdAt, syncedThrough: usageSync.syncedThrough })
      .from(sites)
      .leftJoin(usageSync, eq(usageSync.siteId, sites.id))
      .where(eq(sites.id, siteId));
    if (!site) return;
    const today = dayOf(this.now());
    const oldest = dayOf(Math.max(site.createdAt.getTime(), this.now() - (KEPT_DAYS - 1) * DAY_MS));
    const first = site.syncedThrough && site.syncedThrough > oldest ? site.syncedThrough : oldest;
    const days = daysBetween(first, today);
    const months = [...new Set(days.map(monthOfDay))];
    const periods = [...days, ...months];

    const read = redis.pipeline();
    for (const period of periods) {
      read.hgetall(keys.usage(siteId, period));
      read.pfcount(keys.usageVisitors(siteId, period));
    }
    for (const month of months) {
      read.zrevrange(keys.usagePageViews(siteId, month), 0, TOP_PAGES - 1, 'WITHSCORES');
      read.zrevrange(keys.usagePageComments(siteId, month), 0, TOP_PAGES - 1, 'WITHSCORES');
    }
    const replies = await execOrThrow(read);
    const records: (typeof usageRecords.$inferInsert)[] = [];
    periods.forEach((period, i) => {
      const counts = replies[2 * i] as Record<string, string>;
      for (const [metric, value] of Object.entries(counts))
        records.push({ siteId, period, metric, value: Number(value) });
      const visitors = replies[2 * i + 1] as number;
      if (visitors > 0) records.push({ siteId, period, metric: 'unique_visitors', value: visitors });
    });
    const pages = new Map<string, typeof usagePages.$inferInsert>();
    months.forEach((month, m) => {
      const at = 2 * periods.length + 2 * m;
      for (const [list, field] of [
        [replies[at] as string[], 'views'],
        [replies[at + 1] as string[], 'comments'],
      ] as const) {
        for (let i = 0; i < list.length; i += 2) {
          const pageId = list[i]!;
          const page = pages.get(`${month} ${pageId}`) ?? { siteId, month, pageId, views: 0, comments: 0 };
          page[field] = Number(list[i + 1]);
          pages.set(`${month} ${pageId}`, page);
        }
      }
    });
    const pageRows = [...pages.values()];
    if (pageRows.length > 0) {
      const urls = redis.pipeline();
      for (const page of pageRows) urls.hget(keys.page(siteId, page.pageId), 'url');
      (await execOrThrow(urls)).forEach((url, i) => {
        pageRows[i]!.url = (url as string | null) || null;
      });
    }

    await db.transaction(async (tx) => {
      for (let i = 0; i < records.length; i += 500)
        await tx
          .insert(usageRecords)
          .values(records.slice(i, i + 500))
          .onConflictDoUpdate({
            target: [usageRecords.siteId, usageRecords.period, usageRecords.metric],
            set: { value: sql`excluded.value` },
          });
      // A month's top pages are replaced whole: a page that fell out of it leaves.
      await tx
        .delete(usagePages)
        .where(and(eq(usagePages.siteId, siteId), inArray(usagePages.month, months)));
      for (let i = 0; i < pageRows.length; i += 500)
        await tx.insert(usagePages).values(pageRows.slice(i, i + 500));
      const through = { syncedThrough: today, updatedAt: new Date(this.now()) };
      await tx
        .insert(usageSync)
        .values({ siteId, ...through })
        .onConflictDoUpdate({ target: usageSync.siteId, set: through });
    });
    await this.alert(siteId, monthOfDay(today), records);
    this.options.onSiteSynced?.(siteId);
  }

  /** E-mails the paying owner once at 80 % and once at 100 % of each monthly limit. */
  private async alert(siteId: string, month: string, records: (typeof usageRecords.$inferInsert)[]) {
    const { db, plans } = this.options;
    const payer = await plans.payerOf(siteId);
    if (!payer) return;
    const limits = PLANS[await plans.ofOwner(payer)].limits;
    for (const [metric, limitName] of Object.entries(WATCHED)) {
      const used = records.find((r) => r.period === month && r.metric === metric)?.value ?? 0;
      const limit = limits[limitName];
      const reached = ALERT_THRESHOLDS.filter((threshold) => used * 100 >= limit * threshold).at(-1);
      if (reached === undefined) continue;
      const [fresh] = await db
        .insert(usageAlerts)
        .values({ siteId, month, metric, threshold: reached, sentAt: new Date(this.now()) })
        .onConflictDoNothing()
        .returning();
      if (!fresh) continue;
      const [site] = await db.select({ name: sites.name }).from(sites).where(eq(sites.id, siteId));
      const email = await plans.emailOf(payer);
      if (!email || !site) continue;
      await this.options.mailer
        .send(
          usageAlertEmail(email, {
            site: site.name,
            metric: metric as keyof typeof WATCHED,
            percent: reached,
            used,
            limit,
            link: this.options.link('/billing'),
          }),
        )
        .catch((error: unknown) => this.options.onMailError?.(error));
    }
  }
}

async function execOrThrow(pipeline: ReturnType<RedisClient['pipeline']>): Promise<unknown[]> {
  const replies = (await pipeline.exec()) ?? [];
  const failed = replies.find(([error]) => error);
  if (failed) throw failed[0];
  return replies.map(([, value]) => value);
}
