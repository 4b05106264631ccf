import { eventually, perFileRedis } from '@threadkit/testing';
import { describe, expect, it } from 'vitest';
import { newId } from '../ids.js';
import { digestJob, MailQueueStore } from '../store/mail-queue-store.js';
import { MailQueue, type MailQueueLog, retryDelay } from './mail-queue.js';
import type { Email, Mailer } from './mailer.js';

const db = perFileRedis({ flushEach: true });

const SITE = newId();
const email = (to: string): Email => ({ to, subject: `Hello ${to}`, text: 'Hi', html: '<p>Hi</p>' });

/** A mailer that fails the first `failures` sends to each address, then records what it sends. */
function flakyMailer(failures: number) {
  const attempts = new Map<string, number>();
  const sent: Email[] = [];
  const mailer: Mailer = {
    async send(message) {
      const n = (attempts.get(message.to) ?? 0) + 1;
      attempts.set(message.to, n);
      if (n <= failures) throw new Error(`SMTP said no (${n})`);
      sent.push(message);
    },
  };
  return { mailer, sent, attempts };
}

function recordingLog() {
  const lines: { level: string; message: string; details: Record<string, unknown> }[] = [];
  const log: MailQueueLog = {
    warn: (details, message) => lines.push({ level: 'warn', message, details }),
    error: (details, message) => lines.push({ level: 'error', message, details }),
  };
  return { log, lines };
}

const fast = { pollMs: 10, retryBaseMs: 10, retryMaxMs: 40 };

describe('MailQueue', () => {
  it('sends what is queued and retries a failed send with back-off until it goes through', async () => {
    const { mailer, sent, attempts } = flakyMailer(2);
    const { log, lines } = recordingLog();
    const store = new MailQueueStore(db.redis);
    const queue = new MailQueue(store, mailer, log, { ...fast, maxAttempts: 5 });
    queue.start();
    try {
      await queue.enqueue(SITE, email('ada@example.com'));
      await queue.enqueue(SITE, email('bob@example.com'));
      await eventually(
        'both e-mails sent',
        async () => sent.length,
        (n) => n === 2,
      );
      expect(sent.map((m) => m.to).sort()).toEqual(['ada@example.com', 'bob@example.com']);
      expect(attempts.get('ada@example.com')).toBe(3);
      expect(lines.filter((l) => l.message.includes('will retry'))).toHaveLength(4);
      expect(lines.every((l) => l.level === 'warn')).toBe(true);
      await eventually(
        'an empty queue',
        () => store.size(),
        (n) => n === 0,
      );
    } finally {
      await queue.stop();
    }
  });

  it('drops an e-mail after the last attempt, with an error log line', async () => {
    const { mailer, sent, attempts } = flakyMailer(Number.POSITIVE_INFINITY);
    const { log, lines } = recordingLog();
    const store = new MailQueueStore(db.redis);
    const queue = new MailQueue(store, mailer, log, { ...fast, maxAttempts: 3 });
    queue.start();
    try {
      await queue.enqueue(SITE, email('nobody@example.com'));
      await eventually(
        'the e-mail dropped',
        async () => lines.filter((l) => l.level === 'error'),
        (e) => e.length > 0,
      );
      expect(lines.find((l) => l.level === 'error')?.message).toMatch(/dropped after 3 failed attempts/);
      expect(attempts.get('nobody@example.com')).toBe(3);
      expect(sent).toEqual([]);
      expect(await store.size()).toBe(0);
    } finally {
      await queue.stop();
    }
  });

  it("sends a job whose worker died once the job's lease has run out", async () => {
    const store = new MailQueueStore(db.redis);
    await store.enqueue({ id: 'job-1', attempts: 0, email: email('eve@example.com') }, Date.now());
    // A worker claims it for 50 ms and is never heard of again.
    expect(await store.claim(Date.now(), 50)).not.toBeNull();
    expect(await store.claim(Date.now(), 50)).toBeNull();

    const { mailer, sent } = flakyMailer(0);
    const queue = new MailQueue(store, mailer, recordingLog().log, { ...fast, leaseMs: 60_000 });
    queue.start();
    try {
      await eventually(
        'the orphaned e-mail sent',
        async () => sent.length,
        (n) => n === 1,
      );
      await eventually(
        'an empty queue',
        () => store.size(),
        (n) => n === 0,
      );
    } finally {
      await queue.stop();
    }
  });

  it("drops a site's jobs, waiting or claimed, e-mails and digests, and no other site's", async () => {
    const store = new MailQueueStore(db.redis);
    const [gone, kept] = [newId(), newId()];
    const now = Date.now();
    // Enough jobs that the queue is gone through in several batches.
    for (let i = 0; i < 300; i++) {
      const site = i % 3 === 0 ? kept : gone;
      await store.enqueue(
        { id: `job-${i}`, attempts: 0, site, email: email(`${i}@example.com`) },
        now + 10 + i,
      );
    }
    await store.enqueueOnce(digestJob({ site: gone, user: newId() }), now + 5);
    await store.enqueueOnce(digestJob({ site: kept, user: newId() }), now + 5);
    // One queued before jobs named their site: it is nobody's to drop.
    await store.enqueue({ id: 'old', attempts: 0, email: email(`old-${gone}@example.com`) }, now + 5);
    // One being sent.
    await store.enqueue({ id: 'first', attempts: 0, site: gone, email: email('first@example.com') }, now);
    expect((await store.claim(now, 60_000))?.job.id).toBe('first');

    expect(await store.dropSite(gone, 50)).toBe(202);
    const left = (await db.redis.zrange('tk:mail', 0, -1)).map((raw) => JSON.parse(raw));
    expect(left).toHaveLength(102);
    expect(left.every((job) => job.id === 'old' || (job.site ?? job.digest.site) === kept)).toBe(true);
    expect(await store.dropSite(gone)).toBe(0);
  });

  it('doubles the retry delay up to the maximum', () => {
    const options = { retryBaseMs: 30_000, retryMaxMs: 3_600_000 };
    expect([1, 2, 3, 7, 8, 20].map((n) => retryDelay(n, options))).toEqual([
      30_000, 60_000, 120_000, 1_920_000, 3_600_000, 3_600_000,
    ]);
  });
});

describe('MailQueue digests', () => {
  it('queues one digest job per recipient, and sends what its composer makes when it is due', async () => {
    let now = 1_000_000;
    const { mailer, sent } = flakyMailer(0);
    const store = new MailQueueStore(db.redis);
    const asked: number[] = [];
    const committed: string[] = [];
    let answer: 'later' | 'nothing' | 'email' = 'later';
    const queue = new MailQueue(
      store,
      mailer,
      recordingLog().log,
      { ...fast, clock: () => now },
      {
        async compose(ref, nowMs) {
          asked.push(nowMs);
          if (answer === 'later') return { later: nowMs + 500 };
          if (answer === 'nothing') return null;
          return {
            email: email(`${ref.user}@example.com`),
            commit: async () => void committed.push(ref.user),
          };
        },
      },
    );
    queue.start();
    try {
      const ada = { site: 'S', user: 'ada' };
      // However often it is asked for, a recipient's digest is one job, due when first asked.
      await queue.enqueueDigest(ada, now + 100);
      await queue.enqueueDigest(ada, now + 50);
      expect(await store.size()).toBe(1);

      // Due, but the recipient's window is still open: asked again when it ends.
      now += 100;
      await eventually(
        'the composer asked',
        async () => asked.length,
        (n) => n === 1,
      );
      answer = 'email';
      now += 500;
      await eventually(
        'the digest sent',
        async () => sent.length,
        (n) => n === 1,
      );
      expect(sent[0]!.to).toBe('ada@example.com');
      expect(committed).toEqual(['ada']);
      await eventually(
        'an empty queue',
        () => store.size(),
        (n) => n === 0,
      );

      // Nothing to send (an erased account, say): the job just goes.
      answer = 'nothing';
      await queue.enqueueDigest(ada, now);
      await eventually(
        'an empty queue',
        () => store.size(),
        (n) => n === 0,
      );
      expect(sent).toHaveLength(1);
    } finally {
      await queue.stop();
    }
  });
});
