import { newId } from '../ids.js';
import {
  type ClaimedMail,
  type DigestRef,
  digestJob,
  type MailQueueStore,
} from '../store/mail-queue-store.js';
import type { Email, Mailer } from './mailer.js';

export interface MailQueueOptions {
  /** How often an idle worker looks for due jobs (retries, other instances' jobs, expired leases). */
  pollMs: number;
  /** How long a claimed job is reserved for its worker before another may take it. */
  leaseMs: number;
  /** Delay before the first retry; each further retry waits twice as long… */
  retryBaseMs: number;
  /** …up to this. */
  retryMaxMs: number;
  /** Attempts in all before an e-mail is dropped. */
  maxAttempts: number;
  /** When jobs are due and claimed (ms). Tests move it instead of sleeping. */
  clock: () => number;
}

/** 8 attempts over about an hour: retries after 30 s, 1, 2, 4, 8, 16 and 32 minutes. */
const MAIL_QUEUE_DEFAULTS: MailQueueOptions = {
  pollMs: 1000,
  leaseMs: 10 * 60_000,
  retryBaseMs: 30_000,
  retryMaxMs: 60 * 60_000,
  maxAttempts: 8,
  clock: Date.now,
};

/**
 * Makes a recipient's digest e-mail when its job is due: the e-mail and a
 * `commit` that takes what it carries out of the digest (called once the
 * e-mail is queued), or when to ask again (the recipient's window is still
 * open), or null when there is nothing to send.
 */
export interface DigestComposer {
  compose(
    ref: DigestRef,
    nowMs: number,
  ): Promise<{ later: number } | { email: Email; commit: () => Promise<void> } | null>;
}

/** Where the worker reports failures (the process's pino logger fits). */
export interface MailQueueLog {
  warn(details: Record<string, unknown>, message: string): void;
  error(details: Record<string, unknown>, message: string): void;
}

/** Delay before attempt `attempts + 1`, after `attempts` failures. */
export const retryDelay = (attempts: number, options: Pick<MailQueueOptions, 'retryBaseMs' | 'retryMaxMs'>) =>
  Math.min(options.retryBaseMs * 2 ** (attempts - 1), options.retryMaxMs);

/**
 * Sends e-mail in the background from the Redis queue, so a request that causes
 * an e-mail never waits for SMTP. Every instance runs a worker: it sends what is
 * due one message at a time, then sleeps `pollMs` (an e-mail queued by this
 * instance wakes it at once). A failed send is retried with exponential back-off;
 * after `maxAttempts` the message is dropped with an error log line.
 */
export class MailQueue {
  private readonly options: MailQueueOptions;
  private running = false;
  private timer: NodeJS.Timeout | null = null;
  private draining: Promise<void> | null = null;
  private again = false;

  constructor(
    private readonly store: MailQueueStore,
    private readonly mailer: Mailer,
    private readonly log: MailQueueLog,
    options: Partial<MailQueueOptions> = {},
    /** Makes the digest e-mails of `enqueueDigest`. */
    private readonly digests: DigestComposer | null = null,
  ) {
    this.options = { ...MAIL_QUEUE_DEFAULTS, ...options };
  }

  /** Queues an e-mail from a site; it is sent by whichever instance's worker claims it first. */
  async enqueue(siteId: string, email: Email): Promise<void> {
    await this.store.enqueue({ id: newId(), attempts: 0, site: siteId, email }, this.options.clock());
    this.wake();
  }

  /** Makes sure the recipient's digest is queued, due at `dueMs` unless it already is (once per recipient). */
  async enqueueDigest(ref: DigestRef, dueMs: number): Promise<void> {
    await this.store.enqueueOnce(digestJob(ref), dueMs);
    if (dueMs <= this.options.clock()) this.wake();
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.wake();
  }

  /** Stops polling and waits (a few seconds at most) for the message being sent. */
  async stop(): Promise<void> {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.draining) {
      let timeout: NodeJS.Timeout | undefined;
      await Promise.race([
        this.draining,
        new Promise((resolve) => {
          timeout = setTimeout(resolve, 5000);
          timeout.unref();
        }),
      ]);
      clearTimeout(timeout);
    }
  }

  /** Jobs waiting, retrying or being sent, on every instance. */
  size(): Promise<number> {
    return this.store.size();
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
        // Something was queued while the last claim came back empty.
        this.wake();
        return;
      }
      this.timer = setTimeout(() => this.wake(), this.options.pollMs);
      this.timer.unref();
    });
  }

  private async drain(): Promise<void> {
    try {
      do {
        this.again = false;
        while (this.running) {
          const claimed = await this.store.claim(this.options.clock(), this.options.leaseMs);
          if (!claimed) break;
          await this.deliver(claimed);
        }
      } while (this.again && this.running);
    } catch (error) {
      // Redis is unreachable: the jobs stay queued; try again on the next poll.
      this.log.warn({ err: error }, 'mail queue: cannot reach the queue');
    }
  }

  private async deliver(claimed: ClaimedMail): Promise<void> {
    const { job } = claimed;
    if ('digest' in job) return this.composeDigest(claimed, job.digest);
    try {
      await this.mailer.send(job.email);
    } catch (error) {
      const attempts = job.attempts + 1;
      if (attempts >= this.options.maxAttempts) {
        await this.store.finish(claimed);
        this.log.error(
          { err: error, job: job.id, attempts, subject: job.email.subject },
          `mail queue: e-mail dropped after ${attempts} failed attempts`,
        );
        return;
      }
      const delayMs = retryDelay(attempts, this.options);
      await this.store.retry(claimed, { ...job, attempts }, this.options.clock() + delayMs);
      this.log.warn(
        { err: error, job: job.id, attempts, retry_in_ms: delayMs },
        'mail queue: sending failed; will retry',
      );
      return;
    }
    await this.store.finish(claimed);
  }

  /**
   * A due digest becomes an ordinary e-mail job in its place (sent, retried and
   * dropped like any other), and only then leaves the digest: a worker that dies
   * in between leaves the digest to be sent again (at least once, like the rest).
   */
  private async composeDigest(claimed: ClaimedMail, ref: DigestRef): Promise<void> {
    const now = this.options.clock();
    const made = this.digests ? await this.digests.compose(ref, now) : null;
    if (made === null) {
      await this.store.finish(claimed);
    } else if ('later' in made) {
      await this.store.retry(claimed, claimed.job, made.later);
    } else {
      await this.store.retry(claimed, { id: newId(), attempts: 0, site: ref.site, email: made.email }, now);
      await made.commit();
    }
  }
}
