import { createHmac } from 'node:crypto';
import {
  METERED_COUNTERS,
  type MeteredCounter,
  type UsageReport,
  type UsageStore,
} from '../store/usage-store.js';

export interface UsageMeterOptions {
  /** Key of the visitor digests (derived from the server's secret), so no address can be read back. */
  visitorKey: string | Buffer;
  /** The meter's clock (ms): decides the month a count goes to. */
  clock?: () => number;
  /** How often counts are written to Redis. */
  flushIntervalMs?: number;
  onFlushError?: (error: unknown) => void;
}

interface Pending {
  siteId: string;
  month: string;
  counts: Record<MeteredCounter, number>;
  /** Visitors seen since the last write, as given (user ids, address and user agent): digested when written. */
  visitors: Set<string>;
}

/** More distinct visitors than this waiting in memory for one site: write them now. */
const MAX_PENDING_VISITORS = 10_000;

/** A month as the usage route and CLI take it: `YYYY-MM`. */
export const MONTH_PATTERN = /^[0-9]{4}-(0[1-9]|1[0-2])$/;

/** The UTC month (`YYYY-MM`) of a time in ms. */
export const monthOf = (ms: number): string => new Date(ms).toISOString().slice(0, 7);

/** The UTC day (`YYYY-MM-DD`) of a time in ms. */
export const dayOf = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

/**
 * Usage per site and UTC month: page views, unique visitors, API requests and
 * WebSocket connections (comments are counted exactly, by the script that
 * stores them, for plan limits). Requests only add to counters in memory;
 * they are written to Redis in batches (a MULTI per site and month) every
 * `flushIntervalMs` and when the app closes, so metering never makes a request
 * wait. A crash loses at most that interval's counts of the instance.
 */
export class UsageMeter {
  private readonly clock: () => number;
  private readonly timer: NodeJS.Timeout;
  /** Counts of the current month by site; months that ended wait in `ended` until written. */
  private current = new Map<string, Pending>();
  private ended: Pending[] = [];
  private month = '';
  private monthStarts = 0;
  private monthEnds = 0;

  constructor(
    private readonly store: UsageStore,
    private readonly options: UsageMeterOptions,
  ) {
    this.clock = options.clock ?? Date.now;
    this.timer = setInterval(() => void this.flush(), options.flushIntervalMs ?? 1000);
    this.timer.unref();
  }

  recordApiRequest(siteId: string): void {
    this.pending(siteId).counts.api_requests++;
  }

  /** A thread read: a page view by a visitor (`user:<id>`, or the client's address and user agent). */
  recordPageView(siteId: string, visitor: string): void {
    const pending = this.pending(siteId);
    pending.counts.pageviews++;
    pending.visitors.add(visitor);
    if (pending.visitors.size >= MAX_PENDING_VISITORS) void this.flush();
  }

  /** For the WebSocket gateway: one connection opened. */
  recordWebSocketConnection(siteId: string): void {
    this.pending(siteId).counts.ws_connections++;
  }

  /** The current UTC month on the meter's clock. */
  currentMonth(): string {
    return monthOf(this.clock());
  }

  /** What Redis holds for the month (this instance's counts included once flushed). */
  read(siteId: string, month: string): Promise<UsageReport> {
    return this.store.read(siteId, month);
  }

  /** Writes every count waiting in memory. */
  async flush(): Promise<void> {
    const batch = [...this.ended, ...this.current.values()];
    this.ended = [];
    this.current = new Map();
    await Promise.all(
      batch.map(async (pending) => {
        const visitors = [...pending.visitors].map((v) => this.digest(pending.month, v));
        if (visitors.length === 0 && METERED_COUNTERS.every((name) => pending.counts[name] === 0)) return;
        try {
          await this.store.add(pending.siteId, pending.month, pending.counts, visitors);
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
    if (now >= this.monthEnds || now < this.monthStarts) this.startMonth(now);
    let pending = this.current.get(siteId);
    if (!pending) {
      pending = { siteId, month: this.month, counts: zero(), visitors: new Set() };
      this.current.set(siteId, pending);
    }
    return pending;
  }

  private startMonth(now: number): void {
    const month = monthOf(now);
    if (month !== this.month && this.current.size > 0) {
      this.ended.push(...this.current.values());
      this.current = new Map();
    }
    this.month = month;
    const date = new Date(now);
    this.monthStarts = Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), 1);
    this.monthEnds = Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 1);
  }

  /** Counts a failed write again with the next one. */
  private putBack(failed: Pending): void {
    const thisMonth = failed.month === this.month;
    let target = thisMonth
      ? this.current.get(failed.siteId)
      : this.ended.find((p) => p.siteId === failed.siteId && p.month === failed.month);
    if (!target) {
      target = { siteId: failed.siteId, month: failed.month, counts: zero(), visitors: new Set() };
      if (thisMonth) this.current.set(failed.siteId, target);
      else this.ended.push(target);
    }
    for (const name of METERED_COUNTERS) target.counts[name] += failed.counts[name];
    for (const visitor of failed.visitors) target.visitors.add(visitor);
  }

  /** A keyed digest: the HyperLogLog (and the AOF, and replicas) never see an address or a user id. */
  private digest(month: string, visitor: string): string {
    return createHmac('sha256', this.options.visitorKey)
      .update(`${month}\n${visitor}`)
      .digest('base64url')
      .slice(0, 16);
  }
}

const zero = (): Record<MeteredCounter, number> => ({
  pageviews: 0,
  api_requests: 0,
  ws_connections: 0,
});
