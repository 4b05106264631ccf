import { type EgressPolicy, EgressRefused, egressHttp, type HttpClient } from '../egress/index.js';
import type {
  ClaimedQueue,
  WebhookAttempt,
  WebhookEndpoint,
  WebhookJob,
  WebhookStore,
} from '../store/webhook-store.js';
import { SIGNATURE_HEADER, signatureHeader } from './signature.js';

/** When attempts are made: each retry waits twice as long as the one before, within bounds, ± jitter. */
export interface RetrySchedule {
  /** Wait before the first retry (ms). */
  firstRetryMs: number;
  /** Longest wait between two attempts (ms). */
  maxRetryMs: number;
  /** A delivery still failing this long after it was queued is given up (ms). */
  giveUpAfterMs: number;
  /** Each wait is moved by up to this fraction either way, so retries of many deliveries spread out. */
  jitter: number;
}

/**
 * Retries after 30 s, 1, 2, 4, 8, 16, 32, 64 and 128 minutes, then every 4
 * hours, until a day after the delivery was queued: about 14 attempts in all.
 */
export const WEBHOOK_RETRY_SCHEDULE: RetrySchedule = {
  firstRetryMs: 30_000,
  maxRetryMs: 4 * 3600_000,
  giveUpAfterMs: 24 * 3600_000,
  jitter: 0.2,
};

/** Consecutive failed attempts (any of its deliveries) after which an endpoint is disabled. */
export const WEBHOOK_FAILURES_TO_DISABLE = 20;

export interface WebhookWorkerOptions {
  retry: RetrySchedule;
  failuresToDisable: number;
  /** Per attempt: connecting, sending and reading the answer. */
  timeoutMs: number;
  /** How long a claimed queue is kept from other instances; longer than `timeoutMs`. */
  leaseMs: number;
  /** How often an idle worker looks for due deliveries (retries, other instances' deliveries). */
  pollMs: number;
  /** Deliveries this instance sends at the same time (to different endpoints). */
  concurrency: number;
  clock: () => number;
}

const WORKER_DEFAULTS: WebhookWorkerOptions = {
  retry: WEBHOOK_RETRY_SCHEDULE,
  failuresToDisable: WEBHOOK_FAILURES_TO_DISABLE,
  timeoutMs: 10_000,
  leaseMs: 60_000,
  pollMs: 1000,
  concurrency: 4,
  clock: Date.now,
};

export interface WebhookWorkerDeps {
  store: WebhookStore;
  /** Where a site's deliveries may go (its `webhooks_allow_private` setting, within the operator's rules). */
  egressFor: (siteId: string) => Promise<EgressPolicy>;
  /** Told once when repeated failures disable an endpoint (the owner is e-mailed). */
  onDisabled: (siteId: string, endpoint: WebhookEndpoint, reason: string) => Promise<void>;
  log: {
    warn(details: Record<string, unknown>, message: string): void;
    error(details: Record<string, unknown>, message: string): void;
  };
  /** Tests may pass their own; default `egressHttp(policy)` per policy. */
  httpClient?: (policy: EgressPolicy) => HttpClient;
}

/** Wait before attempt `failures + 1` of a delivery (ms), jittered. */
export function retryDelay(failures: number, schedule: RetrySchedule, random = Math.random): number {
  const base = Math.min(schedule.firstRetryMs * 2 ** (failures - 1), schedule.maxRetryMs);
  return Math.round(base * (1 + schedule.jitter * (2 * random() - 1)));
}

/**
 * Sends queued webhook deliveries. Every instance runs one, with a few loops:
 * each claims the queue (an endpoint's deliveries for a page) due first, sends
 * its head, and records the attempt. An instance sends to one endpoint one
 * delivery at a time, so a receiver that hangs holds one loop, not all. A queue's next delivery waits until the
 * one before was sent or given up, so a page's events arrive in order; a
 * worker that dies mid-send leaves the claim to run out, and the delivery is
 * sent again by another (at least once: receivers drop duplicates by id).
 */
export class WebhookWorker {
  private readonly options: WebhookWorkerOptions;
  private running = false;
  private loops: Promise<void>[] = [];
  private wakers: (() => void)[] = [];
  private poller: NodeJS.Timeout | undefined;
  private sending = new AbortController();
  private readonly clients = new Map<EgressPolicy, HttpClient>();
  /** Endpoints (`<site> <endpoint>`) this instance is sending to now: one delivery each at a time. */
  private readonly busy = new Set<string>();

  constructor(
    private readonly deps: WebhookWorkerDeps,
    options: Partial<WebhookWorkerOptions> = {},
  ) {
    this.options = { ...WORKER_DEFAULTS, ...options };
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.sending = new AbortController();
    this.loops = Array.from({ length: this.options.concurrency }, () => this.loop());
    // One idle loop looks each poll (for retries coming due, other instances' deliveries), not all.
    this.poller = setInterval(() => this.wake(), this.options.pollMs);
    this.poller.unref();
  }

  /** Stops claiming, cuts short the deliveries being sent (their queues are retried by the lease) and waits. */
  async stop(): Promise<void> {
    this.running = false;
    clearInterval(this.poller);
    this.sending.abort(new Error('the server is stopping'));
    for (const resume of this.wakers.splice(0)) resume();
    await Promise.all(this.loops);
    this.loops = [];
  }

  /**
   * Something may be due (a delivery was queued here): an idle loop looks. One
   * that finds work wakes another, and so on while there is work for them.
   */
  wake(): void {
    this.wakers.shift()?.();
  }

  /**
   * One sending loop. Idle, it waits to be woken (by `wake`, the poll, or a
   * loop that found work), so an idle instance asks Redis once per `pollMs`.
   */
  private async loop(): Promise<void> {
    while (this.running) {
      let claimed: ClaimedQueue | null = null;
      try {
        claimed = await this.deps.store.claim(this.options.clock(), this.options.leaseMs);
        if (claimed) {
          this.wake();
          await this.work(claimed);
        }
      } catch (error) {
        // Redis is unreachable, or the answer could not be recorded: the claim runs out and is retried.
        this.deps.log.warn({ err: error, queue: claimed?.member }, 'webhooks: cannot reach the queue');
        claimed = null;
      }
      if (!claimed && this.running) await new Promise<void>((resume) => this.wakers.push(resume));
    }
  }

  private async work(claimed: ClaimedQueue): Promise<void> {
    // A slow endpoint holds one loop, not all of them: its other pages wait, other sites go on.
    const target = `${claimed.siteId} ${claimed.endpointId}`;
    if (this.busy.has(target))
      return this.deps.store.reschedule(claimed, this.options.clock() + this.options.pollMs);
    this.busy.add(target);
    try {
      await this.attempt(claimed);
    } finally {
      this.busy.delete(target);
    }
  }

  private async attempt(claimed: ClaimedQueue): Promise<void> {
    const { store } = this.deps;
    const { job, endpoint } = await store.head(claimed);
    if (!endpoint?.enabled) return store.drop(claimed, this.options.clock());
    if (!job) return store.unschedule(claimed, this.options.clock());

    const started = performance.now();
    const { status, error } = await this.send(claimed.siteId, endpoint, job);
    const durationMs = Math.round(performance.now() - started);
    if (!this.running && error !== null) return; // cut short by stop(): the lease brings it back
    const now = this.options.clock();
    const sent = error === null;
    const nextAt = sent ? null : now + retryDelay(job.attempts + 1, this.options.retry);
    const givenUp = nextAt !== null && nextAt - job.queued_at > this.options.retry.giveUpAfterMs;
    const entry: WebhookAttempt = {
      delivery_id: job.id,
      type: job.type,
      at: now,
      outcome: sent ? 'sent' : givenUp ? 'given_up' : 'failed',
      status,
      duration_ms: durationMs,
      error,
      next_attempt_at: givenUp ? null : nextAt,
    };
    const failuresToDisable = this.options.failuresToDisable;
    const reason = `Disabled after ${failuresToDisable} failed attempts in a row; the last: ${error}`;
    const recorded = await store.record(claimed, job, sent ? 'sent' : givenUp ? 'dropped' : 'retry', entry, {
      failuresToDisable,
      disabledReason: reason,
    });
    // Another worker settled this delivery after our lease ran out: the queue is theirs now.
    if (!recorded) return;
    if (recorded.disabled) {
      this.deps.log.warn({ site: claimed.siteId, endpoint: endpoint.id }, 'webhooks: endpoint disabled');
      await this.deps
        .onDisabled(claimed.siteId, endpoint, reason)
        .catch((err: unknown) =>
          this.deps.log.error({ err, site: claimed.siteId }, 'webhooks: cannot tell the owner'),
        );
    }
    if (entry.outcome === 'failed') await store.reschedule(claimed, nextAt!);
    else if (recorded.left > 0) await store.reschedule(claimed, now);
    else await store.unschedule(claimed, now);
  }

  /** One attempt: the receiver's status (if it answered) and why it failed (null: a 2xx). */
  private async send(
    siteId: string,
    endpoint: WebhookEndpoint,
    job: WebhookJob,
  ): Promise<{ status: number | null; error: string | null }> {
    try {
      const client = this.clientFor(await this.deps.egressFor(siteId));
      const timestamp = Math.floor(Date.now() / 1000);
      const response = await client(endpoint.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'ThreadKit-Webhooks/1',
          'ThreadKit-Event': job.type,
          'ThreadKit-Delivery': job.id,
          [SIGNATURE_HEADER]: signatureHeader(endpoint.secret, timestamp, job.body),
        },
        body: job.body,
        signal: AbortSignal.any([AbortSignal.timeout(this.options.timeoutMs), this.sending.signal]),
      });
      await response.text();
      const ok = response.status >= 200 && response.status <= 299;
      return { status: response.status, error: ok ? null : `answered ${response.status}` };
    } catch (error) {
      if (error instanceof EgressRefused) {
        const why = error.message.replace(/ \(OUTBOUND_ALLOW_PRIVATE\)$/, '');
        return { status: null, error: `refused: ${why} (the site's webhooks_allow_private setting)` };
      }
      if (error instanceof Error && error.name === 'TimeoutError')
        return { status: null, error: `no answer within ${this.options.timeoutMs} ms` };
      return { status: null, error: error instanceof Error ? error.message : String(error) };
    }
  }

  private clientFor(policy: EgressPolicy): HttpClient {
    let client = this.clients.get(policy);
    if (!client) {
      client = (this.deps.httpClient ?? egressHttp)(policy);
      this.clients.set(policy, client);
    }
    return client;
  }
}
