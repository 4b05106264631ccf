import { dayOf } from '@threadkit/core';
import { and, between, desc, eq, inArray, like, sql } from 'drizzle-orm';
import type { Database } from '../db/database';
import { siteOwners, usagePages, usageRecords } from '../db/schema';

/** The ranges the charts offer, in days ending today. */
export const RANGES = [7, 30, 90, 365] as const;
export type Range = (typeof RANGES)[number];

/** The daily figures the charts show. */
export const CHARTED = ['comments', 'pageviews', 'unique_visitors', 'new_commenters', 'votes'] as const;
export type Charted = (typeof CHARTED)[number];

export const isRange = (value: unknown): value is Range => RANGES.includes(Number(value) as Range);
export const isCharted = (value: unknown): value is Charted =>
  typeof value === 'string' && (CHARTED as readonly string[]).includes(value);

const DAY_MS = 86_400_000;

export interface DayValue {
  day: string;
  value: number;
}

export interface TopPage {
  pageId: string;
  url: string | null;
  views: number;
  comments: number;
}

/** Moderation over the range: decisions and what each spam step held or refused. */
export interface ModerationFigures {
  approved: number;
  rejected: number;
  /** `held:<step>` and `rejected:<step>` totals, by their field. */
  bySteps: Record<string, number>;
}

/** Which sites a view covers: one site, or every site of an owner. */
export type Scope = { siteId: string } | { ownerId: string };

/**
 * The analytics pages' queries over the copied usage (`usage_records`,
 * `usage_pages`): daily series, totals, top pages and moderation figures,
 * for one site or all of an owner's sites, over a range of days ending today.
 */
export class Analytics {
  constructor(
    private readonly db: Database,
    private readonly now: () => number = Date.now,
  ) {}

  /** The range's days, oldest first, ending today. */
  days(range: Range): string[] {
    const today = Date.parse(`${dayOf(this.now())}T00:00:00Z`);
    return Array.from({ length: range }, (_, i) => dayOf(today - (range - 1 - i) * DAY_MS));
  }

  /** One value a day for each metric, zero where nothing was counted. */
  async series(scope: Scope, range: Range, metrics: readonly string[]): Promise<Map<string, DayValue[]>> {
    const days = this.days(range);
    const rows = await this.db
      .select({
        metric: usageRecords.metric,
        day: usageRecords.period,
        value: sql<number>`sum(${usageRecords.value})`.mapWith(Number),
      })
      .from(usageRecords)
      .where(
        and(
          this.sitesOf(scope),
          inArray(usageRecords.metric, [...metrics]),
          between(usageRecords.period, days[0]!, days.at(-1)!),
          like(usageRecords.period, '____-__-__'),
        ),
      )
      .groupBy(usageRecords.metric, usageRecords.period);
    const found = new Map(rows.map((row) => [`${row.metric} ${row.day}`, row.value]));
    return new Map(
      metrics.map((metric) => [
        metric,
        days.map((day) => ({ day, value: found.get(`${metric} ${day}`) ?? 0 })),
      ]),
    );
  }

  /** The pages read and commented most over the range's months. */
  async topPages(scope: Scope, range: Range, by: 'views' | 'comments', limit = 10): Promise<TopPage[]> {
    const months = [...new Set(this.days(range).map((day) => day.slice(0, 7)))];
    const views = sql<number>`sum(${usagePages.views})`.mapWith(Number);
    const comments = sql<number>`sum(${usagePages.comments})`.mapWith(Number);
    const rows = await this.db
      .select({ pageId: usagePages.pageId, url: sql<string | null>`max(${usagePages.url})`, views, comments })
      .from(usagePages)
      .where(and(this.sitesOf(scope, usagePages.siteId), inArray(usagePages.month, months)))
      .groupBy(usagePages.siteId, usagePages.pageId)
      .orderBy(desc(by === 'views' ? views : comments))
      .limit(limit);
    return rows.filter((row) => (by === 'views' ? row.views : row.comments) > 0);
  }

  async moderation(scope: Scope, range: Range): Promise<ModerationFigures> {
    const days = this.days(range);
    const rows = await this.db
      .select({ metric: usageRecords.metric, value: sql<number>`sum(${usageRecords.value})`.mapWith(Number) })
      .from(usageRecords)
      .where(
        and(
          this.sitesOf(scope),
          between(usageRecords.period, days[0]!, days.at(-1)!),
          like(usageRecords.period, '____-__-__'),
          sql`(${usageRecords.metric} in ('approved', 'rejected') or ${usageRecords.metric} like 'held:%' or ${usageRecords.metric} like 'rejected:%')`,
        ),
      )
      .groupBy(usageRecords.metric);
    const figures: ModerationFigures = { approved: 0, rejected: 0, bySteps: {} };
    for (const { metric, value } of rows) {
      if (metric === 'approved' || metric === 'rejected') figures[metric] = value;
      else figures.bySteps[metric] = value;
    }
    return figures;
  }

  private sitesOf(
    scope: Scope,
    column: typeof usageRecords.siteId | typeof usagePages.siteId = usageRecords.siteId,
  ) {
    if ('siteId' in scope) return eq(column, scope.siteId);
    return inArray(
      column,
      this.db.select({ id: siteOwners.siteId }).from(siteOwners).where(eq(siteOwners.ownerId, scope.ownerId)),
    );
  }
}

/** A series as CSV: a header, then one line a day. */
export function seriesCsv(metric: string, values: DayValue[]): string {
  return `day,${metric}\n${values.map((v) => `${v.day},${v.value}`).join('\n')}\n`;
}
