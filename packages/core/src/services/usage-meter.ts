import { createHmac } from 'node:crypto';
import type { MeteredField, UsageReport, UsageStore } from '../store/usage-store.js';
import type { UsageRecorder } from './usage-recorder.js';

export interface UsageMeterOptions {
  /** Key of the visitor digests (derived from the server's secret), so no address can be read back. */
  visitorKey: string | Buffer;
  /** The meter's clock (ms): decides the day (and month) a count goes to. */
  clock?: () => number;
  /** How often counts are written to Redis. */
  flushIntervalMs?: number;
  onFlushError?: (error: unknown) => void;
}

/** One site's counts for one UTC day, waiting to be written. */
interface Pending {
  siteId: string;
  day: string;
  counts: Map<MeteredField, number>;
  /** Visitors seen since the last write, as given (user ids, address and user agent): digested when written. */
  visitors: Set<string>;
  /** Page id → page views. */
  pageViews: Map<string, number>;
}

/** More distinct visitors than this waiting in memory for one site: write them now. */
const MAX_PENDING_VISITORS = 10_000;
const DAY_MS = 86_400_000;

/** A month as the usage route and CLI take it: `YYYY-MM`. */
export const MONTH_PATTERN = /^[0-9]{4}-(0[1-9]|1[0-2])$/;
/** A day as the usage route takes it: `YYYY-MM-DD` (`isDay` also checks the date exists). */
export const DAY_PATTERN = /^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$/;

/** The UTC month (`YYYY-MM`) of a time in ms. */
export const monthOf = (ms: number): string => new Date(ms).toISOString().slice(0, 7);

/** The UTC day (`YYYY-MM-DD`) of a time in ms. */
export const dayOf = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

/** Whether `text` is a real UTC day (`2025-02-30` is not). */
export const isDay = (text: string): boolean =>
  DAY_PATTERN.test(text) && dayOf(Date.parse(`${text}T00:00:00Z`)) === text;

/**
 * Usage per site, UTC day and month: page views (and the month's top pages),
 * unique visitors, API requests, WebSocket connections, votes, reports, new
 * commenters, spam holds and refusals by step, moderators' decisions (comments
 * are counted exactly, by the script that stores them, for plan limits).
 * Recording only adds to counters in memory; they are written to Redis in
 * batches (a MULTI per site and day, adding to the day and its month) every
 * `flushIntervalMs` and when the app closes, so metering never makes a
 * request wait. A crash loses at most that interval's counts of the instance.
 */
export class UsageMeter implements UsageRecorder {
  private readonly clock: () => number;
  private readonly timer: NodeJS.Timeout;
  /** Counts of the current day by site; days that ended wait in `ended` until written. */
  private current = new Map<string, Pending>();
  private ended: Pending[] = [];
  private day = '';
  private dayStarts = 0;
  private dayEnds = 0;

  constructor(
    private readonly store: UsageStore,
    private readonly options: UsageMeterOptions,
  ) {
    this.clock = options.clock ?? Date.now;
    this.timer = setInterval(() => void this.flush(), options.flushIntervalMs ?? 1000);
    this.timer.unref();
  }

  recordApiRequest(siteId: string): void {
    bump(this.pending(siteId).counts, 'api_requests');
  }

  /** A thread read: a page view of `pageId` by a visitor (`user:<id>`, or the client's address and user agent). */
  recordPageView(siteId: string, pageId: string, visitor: string): void {
    this.countPageView(this.pending(siteId), pageId, visitor);
  }

  /** `recordApiRequest` and `recordPageView` at once: the hottest read counts both with one lookup. */
  recordPageRequest(siteId: string, pageId: string, visitor: string): void {
    const pending = this.pending(siteId);
    bump(pending.counts, 'api_requests');
    this.countPageView(pending, pageId, visitor);
  }

  private countPageView(pending: Pending, pageId: string, visitor: string): void {
    bump(pending.counts, 'pageviews');
    bump(pending.pageViews, pageId);
    pending.visitors.add(visitor);
    if (pending.visitors.size >= MAX_PENDING_VISITORS) void this.flush();
  }

  /** For the WebSocket gateway: one connection opened. */
  recordWebSocketConnection(siteId: string): void {
    bump(this.pending(siteId).counts, 'ws_connections');
  }

  recordVote(siteId: string): void {
    bump(this.pending(siteId).counts, 'votes');
  }

  recordReport(siteId: string): void {
    bump(this.pending(siteId).counts, 'reports');
  }

  recordNewCommenter(siteId: string): void {
    bump(this.pending(siteId).counts, 'new_commenters');
  }

  recordHeld(siteId: string, steps: readonly string[]): void {
    const { counts } = this.pending(siteId);
    for (const step of steps) bump(counts, `held:${step}`);
  }

  recordRefused(siteId: string, step: string): void {
    bump(this.pending(siteId).counts, `rejected:${step}`);
  }

  recordDecision(siteId: string, action: 'approve' | 'reject'): void {
    bump(this.pending(siteId).counts, action === 'approve' ? 'approved' : 'rejected');
  }

  /** The current UTC month on the meter's clock. */
  currentMonth(): string {
    return monthOf(this.clock());
  }

  /** What Redis holds for the month or day (this instance's counts included once flushed). */
  read(siteId: string, period: string): Promise<UsageReport> {
    return this.store.read(siteId, period);
  }

  /** Writes every count waiting in memory. */
  async flush(): Promise<void> {
    const batch = [...this.ended, ...this.current.values()];
    this.ended = [];
    this.current = new Map();
    await Promise.all(
      batch.map(async (pending) => {
        if (pending.counts.size === 0 && pending.visitors.size === 0) return;
        const visitors = [...pending.visitors];
        const month = pending.day.slice(0, 7);
        try {
          await this.store.add(pending.siteId, pending.day, {
            counts: pending.counts,
            // Keyed with the period: the same person cannot be followed from one day or month to the next.
            monthVisitors: visitors.map((v) => this.digest(month, v)),
            dayVisitors: visitors.map((v) => this.digest(pending.day, v)),
            pageViews: pending.pageViews,
          });
        } catch (error) {
          this.putBack(pending);
          this.options.onFlushError?.(error);
        }
      }),
    );
  }

  /** Stops the timer and writes what is pending. */
  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }

  private pending(siteId: string): Pending {
    const now = this.clock();
    if (now >= this.dayEnds || now < this.dayStarts) this.startDay(now);
    let pending = this.current.get(siteId);
    if (!pending) {
      pending = empty(siteId, this.day);
      this.current.set(siteId, pending);
    }
    return pending;
  }

  private startDay(now: number): void {
    const day = dayOf(now);
    if (day !== this.day && this.current.size > 0) {
      this.ended.push(...this.current.values());
      this.current = new Map();
    }
    this.day = day;
    this.dayStarts = now - (now % DAY_MS);
    this.dayEnds = this.dayStarts + DAY_MS;
  }

  /** Counts a failed write again with the next one. */
  private putBack(failed: Pending): void {
    const today = failed.day === this.day;
    let target = today
      ? this.current.get(failed.siteId)
      : this.ended.find((p) => p.siteId === failed.siteId && p.day === failed.day);
    if (!target) {
      target = empty(failed.siteId, failed.day);
      if (today) this.current.set(failed.siteId, target);
      else this.ended.push(target);
    }
    for (const [field, count] of failed.counts) bump(target.counts, field, count);
    for (const [pageId, views] of failed.pageViews) bump(target.pageViews, pageId, views);
    for (const visitor of failed.visitors) target.visitors.add(visitor);
  }

  /** A keyed digest: the HyperLogLog (and the AOF, and replicas) never see an address or a user id. */
  private digest(period: string, visitor: string): string {
    return createHmac('sha256', this.options.visitorKey)
      .update(`${period}\n${visitor}`)
      .digest('base64url')
      .slice(0, 16);
  }
}

const empty = (siteId: string, day: string): Pending => ({
  siteId,
  day,
  counts: new Map(),
  visitors: new Set(),
  pageViews: new Map(),
});

function bump<K>(counts: Map<K, number>, key: K, by = 1): void {
  counts.set(key, (counts.get(key) ?? 0) + by);
}
