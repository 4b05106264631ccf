import type { Email } from '../delivery/mailer.js';
import { keys } from '../keys.js';
import { type RedisClient, translateRedisError } from './redis.js';
import { runScript } from './scripts.js';

/** Whose notification digest a digest job sends: made when it is due, from what waits then. */
export interface DigestRef {
  site: string;
  user: string;
}

/**
 * One e-mail waiting to be sent, the site it is from and how many times sending
 * it has failed; or a recipient's digest, waiting for the end of their window.
 * (E-mails queued by servers older than the site field have none.)
 */
export type MailJob = { id: string; attempts: number } & (
  | { site?: string; email: Email }
  | { digest: DigestRef }
);

/** The job of a recipient's digest: the same member for the same recipient, so there is at most one. */
export const digestJob = (ref: DigestRef): MailJob => ({
  id: `digest:${ref.site}:${ref.user}`,
  attempts: 0,
  digest: { site: ref.site, user: ref.user },
});

/** A job a worker has claimed, with the exact member to finish or reschedule. */
export interface ClaimedMail {
  raw: string;
  job: MailJob;
}

/**
 * The outgoing e-mail queue: one sorted set of job JSON scored by when each is
 * due (ms). A new job is due now; a failed one later; a claimed one when its
 * lease runs out, so a worker that dies mid-send leaves its job to another.
 * Not per site: any instance sends any site's mail.
 */
export class MailQueueStore {
  constructor(private readonly redis: RedisClient) {}

  async enqueue(job: MailJob, dueMs: number): Promise<void> {
    await this.redis.zadd(keys.mailQueue(), dueMs, JSON.stringify(job)).catch(translateRedisError);
  }

  /** Queues the job unless the same one is already queued (or being sent): its time stays. */
  async enqueueOnce(job: MailJob, dueMs: number): Promise<void> {
    await this.redis.zadd(keys.mailQueue(), 'NX', dueMs, JSON.stringify(job)).catch(translateRedisError);
  }

  /** Claims the job due first (if any) for `leaseMs`. */
  async claim(nowMs: number, leaseMs: number): Promise<ClaimedMail | null> {
    const raw = await runScript(this.redis, 'claimMail', [keys.mailQueue()], ['', nowMs, leaseMs]).catch(
      translateRedisError,
    );
    return raw ? { raw, job: JSON.parse(raw) as MailJob } : null;
  }

  /** Removes a claimed job: sent, or given up. */
  async finish(claimed: ClaimedMail): Promise<void> {
    await this.redis.zrem(keys.mailQueue(), claimed.raw).catch(translateRedisError);
  }

  /** Replaces a claimed job by its next attempt, due at `dueMs`. */
  async retry(claimed: ClaimedMail, next: MailJob, dueMs: number): Promise<void> {
    await runScript(
      this.redis,
      'retryMail',
      [keys.mailQueue()],
      ['', claimed.raw, JSON.stringify(next), dueMs],
    ).catch(translateRedisError);
  }

  /**
   * Removes every job of a site (its e-mails and digests, waiting or being
   * sent), going through the queue a batch at a time (ZSCAN). Returns how many.
   */
  async dropSite(siteId: string, batch = 500): Promise<number> {
    let cursor = '0';
    let dropped = 0;
    do {
      const [next, flat] = await this.redis
        .zscan(keys.mailQueue(), cursor, 'COUNT', batch)
        .catch(translateRedisError);
      cursor = next;
      const members = flat.filter(
        (member, i) => i % 2 === 0 && member.includes(siteId) && siteOf(member) === siteId,
      );
      if (members.length > 0)
        dropped += await this.redis.zrem(keys.mailQueue(), ...members).catch(translateRedisError);
    } while (cursor !== '0');
    return dropped;
  }

  /** Jobs waiting, retrying or being sent. */
  async size(): Promise<number> {
    return this.redis.zcard(keys.mailQueue()).catch(translateRedisError);
  }
}

/** The site a queued job belongs to, if it says. */
function siteOf(raw: string): string | undefined {
  try {
    const job = JSON.parse(raw) as MailJob;
    return 'digest' in job ? job.digest.site : job.site;
  } catch {
    return undefined;
  }
}
