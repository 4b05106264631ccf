import { keys, sitePrefix } from '../keys.js';
import { type RedisClient, translateRedisError } from './redis.js';
import { runScript } from './scripts.js';

/** A site's webhook endpoint as stored; the signing secret is only ever shown on creation and rotation. */
export interface WebhookEndpoint {
  id: string;
  url: string;
  /** Event types it receives (never empty). */
  events: string[];
  secret: string;
  enabled: boolean;
  /** Why it was disabled (by the owner, or after repeated failures); null while enabled. */
  disabled_reason: string | null;
  /** Unix seconds. */
  created_at: number;
}

/** One delivery waiting in an endpoint's queue for a page: the body is signed as it is, on every attempt. */
export interface WebhookJob {
  /** The delivery id: the same on every attempt, for receivers to drop duplicates. */
  id: string;
  type: string;
  body: string;
  /** When it was queued (ms): it is given up a day after. */
  queued_at: number;
  /** Failed attempts so far. */
  attempts: number;
}

/** One attempt in an endpoint's delivery log. */
export interface WebhookAttempt {
  delivery_id: string;
  type: string;
  /** Unix ms of the attempt. */
  at: number;
  /** `sent`: a 2xx answer; `failed`: retried later; `given_up`: no more attempts; `dropped`: not sent (queue full, endpoint disabled). */
  outcome: 'sent' | 'failed' | 'given_up' | 'dropped';
  /** The receiver's HTTP status, when it answered. */
  status: number | null;
  duration_ms: number;
  error: string | null;
  /** Unix ms of the next attempt, when there is one. */
  next_attempt_at: number | null;
}

/** A queue the worker claimed: which site, endpoint and page, and the schedule member to settle. */
export interface ClaimedQueue {
  member: string;
  siteId: string;
  endpointId: string;
  orderKey: string;
}

/** Attempts each endpoint's delivery log keeps. */
export const WEBHOOK_LOG_KEPT = 100;

const member = (siteId: string, endpointId: string, orderKey: string) =>
  `${siteId} ${endpointId} ${orderKey}`;

/**
 * Webhook endpoints, their delivery queues and logs. Each endpoint has one
 * queue (a list) per page, so deliveries about a page leave in order; the
 * global schedule (a sorted set) holds one member per non-empty queue, scored
 * by when its head is due. A worker claims a member by moving its score past a
 * lease, as the mail queue does: one instance at a time works on a queue, and
 * a worker that dies leaves it to another when the lease runs out.
 */
export class WebhookStore {
  constructor(
    private readonly redis: RedisClient,
    private readonly logKept = WEBHOOK_LOG_KEPT,
  ) {}

  async list(siteId: string): Promise<WebhookEndpoint[]> {
    const all = await this.redis.hgetall(keys.webhooks(siteId)).catch(translateRedisError);
    return Object.values(all)
      .map((raw) => JSON.parse(raw) as WebhookEndpoint)
      .sort((a, b) => (a.id < b.id ? -1 : 1));
  }

  async get(siteId: string, endpointId: string): Promise<WebhookEndpoint | null> {
    const raw = await this.redis.hget(keys.webhooks(siteId), endpointId).catch(translateRedisError);
    return raw ? (JSON.parse(raw) as WebhookEndpoint) : null;
  }

  /** Stores an endpoint (new or changed); a re-enabled one starts with no failures. */
  async save(siteId: string, endpoint: WebhookEndpoint): Promise<void> {
    const write = this.redis.multi().hset(keys.webhooks(siteId), endpoint.id, JSON.stringify(endpoint));
    if (endpoint.enabled) write.hdel(keys.webhookFailures(siteId), endpoint.id);
    await write.exec().catch(translateRedisError);
  }

  /** Removes an endpoint and its log; its queued deliveries are dropped as the worker comes to them. */
  async remove(siteId: string, endpointId: string): Promise<boolean> {
    const results = await this.redis
      .multi()
      .hdel(keys.webhooks(siteId), endpointId)
      .hdel(keys.webhookFailures(siteId), endpointId)
      .del(keys.webhookLog(siteId, endpointId))
      .exec()
      .catch(translateRedisError);
    return results?.[0]?.[1] === 1;
  }

  async count(siteId: string): Promise<number> {
    return this.redis.hlen(keys.webhooks(siteId)).catch(translateRedisError);
  }

  /**
   * Queues a delivery for every enabled endpoint subscribed to its type (or for
   * the one named), behind the page's earlier ones, and schedules each queue
   * (a queue already scheduled keeps its time). Returns the endpoints whose
   * queue was full: the delivery is not queued there.
   */
  async enqueue(
    siteId: string,
    job: WebhookJob,
    orderKey: string,
    options: { cap: number; nowMs: number; only?: string },
  ): Promise<{ queued: string[]; full: string[] }> {
    const [queued, full] = await runScript(
      this.redis,
      'enqueueWebhook',
      [keys.webhooks(siteId)],
      [sitePrefix(siteId), job.type, JSON.stringify(job), orderKey, options.cap, options.only ?? ''],
    ).catch(translateRedisError);
    // After the push: a worker that empties the queue meanwhile sees this job when it checks again.
    await Promise.all(queued.map((id) => this.schedule(member(siteId, id, orderKey), options.nowMs)));
    return { queued, full };
  }

  /** Claims the queue due first for `leaseMs` (the mail queue's claim, on the webhook schedule). */
  async claim(nowMs: number, leaseMs: number): Promise<ClaimedQueue | null> {
    const raw = await runScript(
      this.redis,
      'claimMail',
      [keys.webhookSchedule()],
      ['', nowMs, leaseMs],
    ).catch(translateRedisError);
    if (!raw) return null;
    const [siteId = '', endpointId = '', orderKey = ''] = raw.split(' ');
    return { member: raw, siteId, endpointId, orderKey };
  }

  /** The first delivery of a claimed queue and its endpoint (either may be gone). */
  async head(claimed: ClaimedQueue): Promise<{ job: WebhookJob | null; endpoint: WebhookEndpoint | null }> {
    const [job, endpoint] = await Promise.all([
      this.redis
        .lindex(keys.webhookQueue(claimed.siteId, claimed.endpointId, claimed.orderKey), 0)
        .catch(translateRedisError),
      this.get(claimed.siteId, claimed.endpointId),
    ]);
    return { job: job ? (JSON.parse(job) as WebhookJob) : null, endpoint };
  }

  /**
   * Records an attempt at the head of a claimed queue (`record_webhook_attempt.lua`):
   * how many deliveries are left behind it, and whether the endpoint has just
   * been disabled by this failure (null: another worker had settled the job).
   */
  async record(
    claimed: ClaimedQueue,
    job: WebhookJob,
    outcome: 'sent' | 'retry' | 'dropped',
    entry: WebhookAttempt,
    limits: { failuresToDisable: number; disabledReason: string },
  ): Promise<{ left: number; disabled: boolean } | null> {
    const [left, disabled] = await runScript(
      this.redis,
      'recordWebhookAttempt',
      [keys.webhookQueue(claimed.siteId, claimed.endpointId, claimed.orderKey)],
      [
        sitePrefix(claimed.siteId),
        claimed.endpointId,
        job.id,
        outcome,
        outcome === 'retry' ? JSON.stringify({ ...job, attempts: job.attempts + 1 }) : '',
        JSON.stringify(entry),
        this.logKept,
        limits.failuresToDisable,
        limits.disabledReason,
      ],
    ).catch(translateRedisError);
    return left < 0 ? null : { left, disabled: disabled === 1 };
  }

  /** Sets when a claimed queue's head is next due (its lease ends then). */
  async reschedule(claimed: ClaimedQueue, dueMs: number): Promise<void> {
    await this.redis.zadd(keys.webhookSchedule(), 'XX', dueMs, claimed.member).catch(translateRedisError);
  }

  /**
   * Takes an empty queue off the schedule, then puts it back if a delivery
   * arrived meanwhile: its `enqueue` saw the queue still scheduled and left it.
   */
  async unschedule(claimed: ClaimedQueue, nowMs: number): Promise<void> {
    await this.redis.zrem(keys.webhookSchedule(), claimed.member).catch(translateRedisError);
    const left = await this.redis
      .llen(keys.webhookQueue(claimed.siteId, claimed.endpointId, claimed.orderKey))
      .catch(translateRedisError);
    if (left > 0) await this.schedule(claimed.member, nowMs);
  }

  /** Empties a claimed queue whose endpoint is gone or disabled, and takes it off the schedule. */
  async drop(claimed: ClaimedQueue, nowMs: number): Promise<void> {
    await this.redis
      .del(keys.webhookQueue(claimed.siteId, claimed.endpointId, claimed.orderKey))
      .catch(translateRedisError);
    await this.unschedule(claimed, nowMs);
  }

  /** Logs a delivery that was not queued for an endpoint. */
  async logDropped(siteId: string, endpointId: string, job: WebhookJob, nowMs: number, why: string) {
    const entry: WebhookAttempt = {
      delivery_id: job.id,
      type: job.type,
      at: nowMs,
      outcome: 'dropped',
      status: null,
      duration_ms: 0,
      error: why,
      next_attempt_at: null,
    };
    await this.redis
      .multi()
      .lpush(keys.webhookLog(siteId, endpointId), JSON.stringify(entry))
      .ltrim(keys.webhookLog(siteId, endpointId), 0, this.logKept - 1)
      .exec()
      .catch(translateRedisError);
  }

  /** The endpoint's last attempts, newest first. */
  async log(siteId: string, endpointId: string, limit: number): Promise<WebhookAttempt[]> {
    const rows = await this.redis
      .lrange(keys.webhookLog(siteId, endpointId), 0, limit - 1)
      .catch(translateRedisError);
    return rows.map((row) => JSON.parse(row) as WebhookAttempt);
  }

  /** Deliveries waiting on every site and instance: one per scheduled queue at least. */
  async scheduled(): Promise<number> {
    return this.redis.zcard(keys.webhookSchedule()).catch(translateRedisError);
  }

  private async schedule(queue: string, dueMs: number): Promise<void> {
    await this.redis.zadd(keys.webhookSchedule(), 'NX', dueMs, queue).catch(translateRedisError);
  }
}
