import { randomBytes } from 'node:crypto';
import type { MailQueueStore } from '../store/mail-queue-store.js';
import type { SitePurgeStore } from '../store/site-purge-store.js';

export interface SitePurgeOptions {
  /**
   * A purge is finished only by a pass that finds nothing of the site and
   * began at least this long after the purge was asked (ms): comment servers
   * keep taking writes for a site until they learn it is gone (up to 5 s in
   * SaaS mode), and the pass after the margin removes those too.
   */
  marginMs: number;
  /** Keys one step of a pass looks at (SCAN COUNT), and so about the most it removes. */
  batch: number;
  /** How often the worker looks for purges (asked on other instances, or waiting for their margin). */
  pollMs: number;
  /** A worker's hold on a site lasts this long unless renewed; it is renewed as the batches go. */
  lockMs: number;
  /** When purges are asked and passes begin (ms). Tests move it instead of sleeping. */
  clock: () => number;
}

const SITE_PURGE_DEFAULTS: SitePurgeOptions = {
  marginMs: 10_000,
  batch: 1000,
  pollMs: 5000,
  lockMs: 30_000,
  clock: Date.now,
};

/** At most this many purges are looked at in one round (the oldest first). */
const PER_ROUND = 100;

/** Where the worker reports (the process's pino logger fits). */
export interface SitePurgeLog {
  info(details: Record<string, unknown>, message: string): void;
  warn(details: Record<string, unknown>, message: string): void;
}

/** What this instance knows of one purge. */
interface Progress {
  requestedAt: number;
  /** When this instance began working on it (0: not yet). */
  startedAt: number;
  removed: number;
  mailDropped: number;
  /** No pass before this (the margin's end, after a pass that found nothing). */
  notBefore: number;
}

/**
 * Deletes the data of sites that were deleted (`architecture.md`, SaaS mode).
 * A purge is recorded in Redis first (`request`); every instance runs a worker
 * that goes through the recorded purges in the background. For each, under a
 * short lock that keeps other instances off the site meanwhile, a pass walks
 * the site's keys a batch at a time (SCAN and UNLINK on the node that holds
 * the site's slot, so Redis is never held up long) and drops the site's
 * queued e-mails. The purge is finished, and its record removed, by a pass
 * that finds nothing and began `marginMs` or more after it was asked: writes
 * that came in after the request are removed too. An instance that stops
 * leaves the record, and whichever instance looks next carries on.
 */
export class SitePurges {
  private readonly options: SitePurgeOptions;
  private running = false;
  private timer: NodeJS.Timeout | null = null;
  private draining: Promise<void> | null = null;
  private again = false;
  private readonly progress = new Map<string, Progress>();
  private readonly listeners: ((siteId: string) => void)[] = [];

  constructor(
    private readonly deps: { store: SitePurgeStore; mail: MailQueueStore; log: SitePurgeLog },
    options: Partial<SitePurgeOptions> = {},
  ) {
    this.options = { ...SITE_PURGE_DEFAULTS, ...options };
  }

  /** Records that the site's data is to be deleted; the workers do it in the background. */
  async request(siteId: string): Promise<void> {
    const now = this.options.clock();
    await this.deps.store.request(siteId, now);
    this.note(siteId, now);
    this.wake();
  }

  /** Whether the site's data is being deleted, as far as this instance has seen (its worker looks every `pollMs`). */
  purging(siteId: string): boolean {
    return this.progress.has(siteId);
  }

  /** Calls `listener` with each site this instance learns is being deleted (once per purge). */
  onPurge(listener: (siteId: string) => void): void {
    this.listeners.push(listener);
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.wake();
  }

  /** Stops the worker; the batch under way ends first, and the purge is left for the next worker. */
  async stop(): Promise<void> {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.draining;
  }

  private wake(): void {
    if (!this.running) return;
    if (this.draining) {
      this.again = true;
      return;
    }
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.draining = this.drain().finally(() => {
      this.draining = null;
      if (!this.running) return;
      if (this.again) {
        this.wake();
        return;
      }
      this.timer = setTimeout(() => this.wake(), this.nextRoundIn());
      this.timer.unref();
    });
  }

  /** Until the next round: `pollMs`, or less when a purge's margin ends sooner. */
  private nextRoundIn(): number {
    const now = this.options.clock();
    let wait = this.options.pollMs;
    for (const { notBefore } of this.progress.values()) {
      if (notBefore > now) wait = Math.min(wait, notBefore - now);
    }
    return Math.max(wait, 0);
  }

  private async drain(): Promise<void> {
    try {
      do {
        this.again = false;
        await this.round();
      } while (this.again && this.running);
    } catch (error) {
      // Redis is unreachable: the purges stay recorded; try again on the next round.
      this.deps.log.warn({ err: error }, 'site purge: cannot reach Redis');
    }
  }

  /** One look at the recorded purges: a pass over each that may have one now. */
  private async round(): Promise<void> {
    const pending = await this.deps.store.pending(PER_ROUND);
    if (pending.length < PER_ROUND) {
      const listed = new Set(pending.map((purge) => purge.siteId));
      for (const siteId of this.progress.keys()) if (!listed.has(siteId)) this.progress.delete(siteId);
    }
    for (const { siteId, requestedAt } of pending) {
      if (!this.running) return;
      const progress = this.note(siteId, requestedAt);
      if (this.options.clock() < progress.notBefore) continue;
      const token = randomBytes(12).toString('base64url');
      if (!(await this.deps.store.lock(siteId, token, this.options.lockMs))) continue;
      try {
        await this.pass(siteId, progress, token);
      } finally {
        await this.deps.store.unlock(siteId, token);
      }
    }
  }

  /** What this instance knows of the site's purge, asked at `requestedAt`; a new one is announced. */
  private note(siteId: string, requestedAt: number): Progress {
    let progress = this.progress.get(siteId);
    if (!progress) {
      progress = { requestedAt, startedAt: 0, removed: 0, mailDropped: 0, notBefore: 0 };
      this.progress.set(siteId, progress);
      for (const listener of this.listeners) listener(siteId);
    } else if (progress.requestedAt !== requestedAt) {
      // Asked again: the margin counts from the later time.
      progress.requestedAt = requestedAt;
      progress.notBefore = 0;
    }
    return progress;
  }

  /**
   * One pass over the site's keys, holding its lock: removes what it finds,
   * and finishes the purge when it found nothing and began after the margin.
   */
  private async pass(siteId: string, progress: Progress, token: string): Promise<void> {
    const { store, mail, log } = this.deps;
    const { clock, batch, lockMs, marginMs } = this.options;
    const began = clock();
    if (progress.startedAt === 0) {
      progress.startedAt = began;
      log.info({ site: siteId, requested_at: progress.requestedAt }, 'site purge: started');
    }
    let renewedAt = Date.now();
    let cursor = '0';
    let removed = 0;
    do {
      const step = await store.step(siteId, cursor, batch);
      cursor = step.cursor;
      removed += step.removed;
      progress.removed += step.removed;
      // The pass is left unfinished when the worker stops or another took the site over.
      if (!this.running) return;
      if (Date.now() - renewedAt > lockMs / 3) {
        if (!(await store.renew(siteId, token, lockMs))) return;
        renewedAt = Date.now();
      }
    } while (cursor !== '0');
    const dropped = await mail.dropSite(siteId);
    progress.mailDropped += dropped;
    const due = progress.requestedAt + marginMs;
    if (removed > 0 || dropped > 0 || began < due) {
      // Another pass, once the margin is over (in the next round, if it already is).
      progress.notBefore = due;
      return;
    }
    if (await store.finish(siteId, progress.requestedAt)) {
      this.progress.delete(siteId);
      log.info(
        {
          site: siteId,
          keys_removed: progress.removed,
          mails_dropped: progress.mailDropped,
          duration_ms: clock() - progress.startedAt,
        },
        'site purge: finished',
      );
    }
  }
}
