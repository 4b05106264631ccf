import { ThreadKitError } from '../errors.js';
import { RATE_LIMIT_WINDOW_MS, type RateBucket } from '../rate-limits.js';
import type { RateLimitStore } from '../store/rate-limit-store.js';

/** Most counters kept (one per site, budget and subject in use). */
const MAX_COUNTERS = 100_000;

/** Most counters one report script call carries. */
const REPORT_BATCH = 500;

/** One budget a request is counted in. */
export interface RateBudget {
  bucket: RateBucket;
  /** Whose budget: `ip:<address>`, `user:<id>`, or the key kind (`public`, `secret`). */
  subject: string;
  /** Requests per minute; 0: no limit (not counted). */
  limit: number;
}

/** Why a request was refused: the budget, and when to try again. */
export interface RateRefusal {
  bucket: RateBucket;
  limit: number;
  retryAfterMs: number;
}

export interface RateLimiterOptions {
  /** The limiter's clock (ms). Tests move it instead of sleeping. */
  clock?: () => number;
  /** Most requests one instance lets through on its own, per budget, between two checks in Redis. */
  maxGrant?: number;
  /** How long such a grant lasts (ms, on the clock above). */
  grantMs?: number;
  /** How often requests let through on grants are reported to Redis (ms, real time). */
  flushIntervalMs?: number;
  onFlushError?: (error: unknown) => void;
}

interface Counter {
  siteId: string;
  bucket: RateBucket;
  subject: string;
  limit: number;
  /** Requests this instance may still let through without asking Redis, until `grantUntil`. */
  grant: number;
  grantUntil: number;
  /** Once the grant is down to this, the next request let through on it renews it (in the background). */
  renewAt: number;
  /** Requests let through on the grant and not yet added in Redis. */
  pending: number;
  /** Refused in Redis: refused here, without asking, until then. */
  blockedUntil: number;
  /** The check in Redis under way for this subject, if any. */
  inflight: Promise<unknown> | null;
  /** Forgotten (`forgetIdle`): a budget that still points here looks it up again. */
  dropped: boolean;
}

/**
 * Sliding-window rate limits in Redis, decided by one atomic script per check
 * (`rate_limit.lua`), with two local shortcuts that keep Redis off most requests:
 *
 * - a **grant**: when Redis allows a request it also tells the instance how many
 *   more it may let through on its own (a tenth of the room left, at most
 *   `maxGrant`, for at most `grantMs`); those are counted here and added in
 *   Redis with the next check or within `flushIntervalMs`. Near a limit the
 *   grant is 0 and every request is decided in Redis, so one instance stops at
 *   exactly the limit; several instances may together let through a few more
 *   (at most their grants, each a tenth of what was left).
 * - a **block**: once Redis refuses a budget, the instance refuses it from
 *   memory until the `Retry-After` it was given.
 *
 * When Redis is unreachable the limiter lets requests through (and the request
 * itself usually fails with 503): a limiter outage must not be an API outage.
 */
export class RateLimiter {
  /**
   * The counters in use, in the order they were made. A plain map, swept after
   * every report (`forgetIdle`) rather than an LRU: it holds only the subjects
   * of the last moments, costs nothing while they are few, and a lookup is cheap.
   */
  private readonly counters = new Map<string, Counter>();
  private readonly clock: () => number;
  private readonly maxGrant: number;
  private readonly grantMs: number;
  private readonly timer: NodeJS.Timeout;
  /**
   * The counter each budget object was last found to, for callers that keep
   * their budgets (the cached reads keep them per client): no key to build and
   * look up.
   */
  private readonly byBudget = new WeakMap<RateBudget, Counter>();
  /** Counters with requests not yet reported, so a flush need not look at every counter. */
  private readonly owing = new Set<Counter>();

  constructor(
    private readonly store: RateLimitStore,
    private readonly options: RateLimiterOptions = {},
  ) {
    this.clock = options.clock ?? Date.now;
    this.maxGrant = options.maxGrant ?? 1000;
    this.grantMs = options.grantMs ?? 1000;
    this.timer = setInterval(() => void this.flush(), options.flushIntervalMs ?? 1000);
    this.timer.unref();
  }

  /** How many counters this instance holds now: the subjects of the last moments. */
  get size(): number {
    return this.counters.size;
  }

  /**
   * Decides from memory when it can: `null` lets the request through (it is
   * counted), a refusal refuses it, `undefined` means Redis must decide (`check`).
   */
  tryLocal(siteId: string, budgets: readonly RateBudget[]): RateRefusal | null | undefined {
    const verdict = this.localVerdict(siteId, budgets);
    if (!Array.isArray(verdict)) return verdict;
    let renew = false;
    for (const counter of verdict) {
      counter.grant--;
      if (counter.pending++ === 0) this.owing.add(counter);
      if (counter.grant <= counter.renewAt) renew = true;
    }
    const lead = verdict[0];
    if (renew && lead && !lead.inflight) {
      // This request goes to Redis as the one the check decides, not as a pending one.
      for (const counter of verdict) counter.pending--;
      this.renew(siteId, budgets, lead);
    }
    return null;
  }

  /** The counters a request would be let through on, a refusal, or undefined when Redis must decide. */
  private localVerdict(siteId: string, budgets: readonly RateBudget[]): Counter[] | RateRefusal | undefined {
    const now = this.clock();
    const counters: Counter[] = [];
    let ask = false;
    for (const budget of budgets) {
      if (budget.limit <= 0) continue;
      const counter = this.counter(siteId, budget);
      if (counter.blockedUntil > now) {
        return { bucket: budget.bucket, limit: budget.limit, retryAfterMs: counter.blockedUntil - now };
      }
      if (counter.grant <= 0 || counter.grantUntil <= now) ask = true;
      counters.push(counter);
    }
    return ask ? undefined : counters;
  }

  /** Decides a request against all its budgets: `null` lets it through (and counts it), or why not. */
  async check(siteId: string, budgets: readonly RateBudget[]): Promise<RateRefusal | null> {
    const local = this.tryLocal(siteId, budgets);
    if (local !== undefined) return local;
    // Requests that arrive while the same subject's check is out wait for its answer (and its
    // grant) rather than all asking Redis at once.
    const lead = this.counter(siteId, budgets.find((b) => b.limit > 0)!);
    if (lead.inflight) {
      await lead.inflight.catch(() => {});
      const again = this.tryLocal(siteId, budgets);
      if (again !== undefined) return again;
    }
    const asking = this.ask(siteId, budgets);
    lead.inflight = asking;
    try {
      return await asking;
    } finally {
      if (lead.inflight === asking) lead.inflight = null;
    }
  }

  /**
   * Asks Redis for a new grant before this one runs out, so that a busy subject
   * keeps being decided from memory instead of waiting for Redis every
   * `maxGrant` requests. The renewal decides the request that started it (let
   * through already, on the old grant); what the old grant lets through
   * meanwhile is reported with the next check. A refusal blocks the budget as
   * usual. Grants of 3 or less are not renewed ahead, so near a limit every
   * request is still decided in Redis.
   */
  private renew(siteId: string, budgets: readonly RateBudget[], lead: Counter): void {
    const asking = this.ask(siteId, budgets).catch((error: unknown) => {
      // Not decided after all: it is reported with the next check instead.
      for (const budget of budgets) if (budget.limit > 0) this.owe(this.counter(siteId, budget), 1);
      this.options.onFlushError?.(error);
    });
    lead.inflight = asking;
    void asking.finally(() => {
      if (lead.inflight === asking) lead.inflight = null;
    });
  }

  private async ask(siteId: string, budgets: readonly RateBudget[]): Promise<RateRefusal | null> {
    const now = this.clock();
    const counters = budgets.filter((b) => b.limit > 0).map((b) => this.counter(siteId, b));
    const pending = counters.map((c) => c.pending);
    for (const counter of counters) counter.pending = 0;
    let verdict: Awaited<ReturnType<RateLimitStore['check']>>;
    try {
      verdict = await this.store.check(
        siteId,
        now,
        RATE_LIMIT_WINDOW_MS,
        counters.map((c, i) => ({ ...c, pending: pending[i]!, maxGrant: this.maxGrant })),
      );
    } catch (error) {
      if (error instanceof ThreadKitError && error.code === 'unavailable') {
        // Fail open: count it here, to be reported once Redis is back.
        counters.forEach((c, i) => {
          this.owe(c, pending[i]! + 1);
        });
        return null;
      }
      counters.forEach((c, i) => {
        this.owe(c, pending[i]!);
      });
      throw error;
    }
    if (verdict.allowed) {
      counters.forEach((c, i) => {
        c.grant = verdict.values[i] ?? 0;
        c.grantUntil = now + this.grantMs;
        c.renewAt = c.grant >= 4 ? Math.floor(c.grant / 2) : Number.NEGATIVE_INFINITY;
      });
      return null;
    }
    let refusal: RateRefusal | null = null;
    counters.forEach((c, i) => {
      const wait = verdict.values[i] ?? 0;
      c.grant = 0;
      if (wait <= 0) return;
      c.blockedUntil = now + wait;
      if (!refusal || wait > refusal.retryAfterMs)
        refusal = { bucket: c.bucket, limit: c.limit, retryAfterMs: wait };
    });
    return refusal ?? { bucket: counters[0]!.bucket, limit: counters[0]!.limit, retryAfterMs: 1000 };
  }

  /** Adds in Redis every request let through on a grant and not yet reported. */
  async flush(): Promise<void> {
    const owing = [...this.owing].filter((c) => c.pending > 0);
    this.owing.clear();
    await this.report(owing).catch((error) => this.options.onFlushError?.(error));
    this.forgetIdle();
  }

  /**
   * Forgets the counters that hold nothing any more: nothing to report, no
   * check out, no grant or block still running. With `room`, when the map is
   * full, it then also forgets the oldest of the rest (reporting what they owe)
   * until a tenth of it is free, so a flood of new subjects sweeps once per
   * ten thousand, not on every one.
   */
  private forgetIdle(room = false): void {
    const now = this.clock();
    for (const [key, c] of this.counters) {
      if (c.pending === 0 && !c.inflight && c.grantUntil <= now && c.blockedUntil <= now) this.forget(key, c);
    }
    if (!room) return;
    const owing: Counter[] = [];
    for (const [key, c] of this.counters) {
      if (this.counters.size <= MAX_COUNTERS * 0.9) break;
      this.forget(key, c);
      if (c.pending > 0) owing.push(c);
    }
    void this.report(owing).catch((error) => this.options.onFlushError?.(error));
  }

  private forget(key: string, counter: Counter): void {
    counter.dropped = true;
    this.counters.delete(key);
    this.owing.delete(counter);
  }

  /** Stops the report timer and reports what is pending. */
  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }

  private counter(siteId: string, budget: RateBudget): Counter {
    let counter = this.byBudget.get(budget);
    if (!counter || counter.dropped || counter.siteId !== siteId) {
      const key = `${siteId}|${budget.bucket}|${budget.subject}`;
      counter = this.counters.get(key);
      if (!counter) {
        if (this.counters.size >= MAX_COUNTERS) this.forgetIdle(true);
        counter = {
          siteId,
          ...budget,
          grant: 0,
          grantUntil: 0,
          renewAt: Number.NEGATIVE_INFINITY,
          pending: 0,
          blockedUntil: 0,
          inflight: null,
          dropped: false,
        };
        this.counters.set(key, counter);
      }
      this.byBudget.set(budget, counter);
    }
    if (counter.limit !== budget.limit) {
      // The site changed its limit: what was decided under the old one no longer holds.
      counter.limit = budget.limit;
      counter.grant = 0;
      counter.blockedUntil = 0;
    }
    return counter;
  }

  private owe(counter: Counter, requests: number): void {
    if (requests <= 0) return;
    counter.pending += requests;
    this.owing.add(counter);
  }

  /** One script call per site and up to 500 counters (a site's keys share a slot), only adding. */
  private async report(counters: Counter[]): Promise<void> {
    const batches = new Map<string, Counter[][]>();
    for (const c of counters) {
      const site = batches.get(c.siteId) ?? [];
      if (site.length === 0) batches.set(c.siteId, site);
      const last = site.at(-1);
      if (last && last.length < REPORT_BATCH) last.push(c);
      else site.push([c]);
    }
    const now = this.clock();
    const failures: unknown[] = [];
    await Promise.all(
      [...batches].flatMap(([siteId, lists]) =>
        lists.map(async (list) => {
          const pending = list.map((c) => c.pending);
          for (const c of list) c.pending = 0;
          try {
            await this.store.record(
              siteId,
              now,
              RATE_LIMIT_WINDOW_MS,
              list.map((c, i) => ({ ...c, pending: pending[i]!, maxGrant: 0 })),
            );
          } catch (error) {
            list.forEach((c, i) => {
              this.owe(c, pending[i]!);
            });
            failures.push(error);
          }
        }),
      ),
    );
    if (failures.length > 0) throw failures[0];
  }
}
