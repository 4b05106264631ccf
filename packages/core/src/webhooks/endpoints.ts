import { LRUCache } from 'lru-cache';
import { conflict, invalid, notFound } from '../errors.js';
import type { EventListener } from '../events.js';
import { newId } from '../ids.js';
import type { WebhookAttempt, WebhookEndpoint, WebhookStore } from '../store/webhook-store.js';
import { deliveryFor, pingDelivery, WEBHOOK_EVENTS, type WebhookDelivery } from './payloads.js';
import { newWebhookSecret } from './signature.js';

/** Endpoints a site may have. */
export const MAX_WEBHOOKS_PER_SITE = 10;
/** Deliveries one endpoint's queue for one page holds; more are dropped (and logged) until it drains. */
export const WEBHOOK_QUEUE_CAP = 1000;
/** Longest endpoint URL. */
export const MAX_WEBHOOK_URL_LENGTH = 2048;
/**
 * How long an instance trusts what it last read about whether a site has endpoints:
 * an endpoint added through another instance gets events from at most this long after.
 */
export const ENDPOINTS_KNOWN_MS = 5000;

/** An endpoint as the API shows it: never its secret, but on creation and rotation. */
export type WebhookView = Omit<WebhookEndpoint, 'secret'>;
const view = ({ secret: _, ...rest }: WebhookEndpoint): WebhookView => rest;

export interface WebhookServiceDeps {
  store: WebhookStore;
  /** Told when a delivery is queued, so this instance's worker starts on it at once. */
  onQueued: () => void;
  /** Where a failed enqueue is reported (it never fails the write that caused it). */
  onEnqueueError: (error: unknown, event: string) => void;
  clock?: () => number;
  /** Default `WEBHOOK_QUEUE_CAP`. */
  queueCap?: number;
}

/** An endpoint URL: http or https, no credentials or fragment. Where it may lead is checked when sending. */
function checkUrl(raw: string): string {
  let url: URL | null = null;
  try {
    url = new URL(raw);
  } catch {
    // refused below
  }
  if (
    !url ||
    raw.length > MAX_WEBHOOK_URL_LENGTH ||
    (url.protocol !== 'https:' && url.protocol !== 'http:') ||
    url.username ||
    url.password ||
    url.hash
  )
    throw invalid(
      'url',
      `url must be an http or https URL without credentials (at most ${MAX_WEBHOOK_URL_LENGTH} characters)`,
    );
  return url.href;
}

function checkEvents(events: readonly string[]): string[] {
  const unique = [...new Set(events)];
  if (unique.length === 0) throw invalid('events', 'events must name at least one event');
  for (const event of unique)
    if (!(WEBHOOK_EVENTS as readonly string[]).includes(event))
      throw invalid('events', `"${event}" is not a webhook event (${WEBHOOK_EVENTS.join(', ')})`);
  return unique;
}

/**
 * A site's webhook endpoints (the owner's, through the secret key or the CLI),
 * and the bus listener that queues a delivery for each event they subscribe
 * to. The listener only queues: `WebhookWorker` sends.
 */
export class WebhookService {
  private readonly clock: () => number;
  /**
   * Whether each site has endpoints, as last read: most sites have none, and their
   * writes then pay nothing for webhooks. Read again after `ENDPOINTS_KNOWN_MS`; this
   * instance's own changes count at once.
   */
  private readonly hasEndpoints = new LRUCache<string, boolean>({ max: 10_000, ttl: ENDPOINTS_KNOWN_MS });

  constructor(private readonly deps: WebhookServiceDeps) {
    this.clock = deps.clock ?? Date.now;
  }

  async list(siteId: string): Promise<WebhookView[]> {
    return (await this.deps.store.list(siteId)).map(view);
  }

  async get(siteId: string, endpointId: string): Promise<WebhookView> {
    return view(await this.endpoint(siteId, endpointId));
  }

  /** A new endpoint, enabled, with its secret: shown this once. */
  async create(siteId: string, input: { url: string; events: readonly string[] }): Promise<WebhookEndpoint> {
    const endpoint: WebhookEndpoint = {
      id: newId(),
      url: checkUrl(input.url),
      events: checkEvents(input.events),
      secret: newWebhookSecret(),
      enabled: true,
      disabled_reason: null,
      created_at: Math.floor(this.clock() / 1000),
    };
    if ((await this.deps.store.count(siteId)) >= MAX_WEBHOOKS_PER_SITE)
      throw conflict(`A site has at most ${MAX_WEBHOOKS_PER_SITE} webhook endpoints.`);
    await this.deps.store.save(siteId, endpoint);
    this.hasEndpoints.set(siteId, true);
    return endpoint;
  }

  /** Changes the URL or the events, or disables or enables the endpoint (enabling clears its failures). */
  async update(
    siteId: string,
    endpointId: string,
    input: {
      url?: string | undefined;
      events?: readonly string[] | undefined;
      enabled?: boolean | undefined;
    },
  ): Promise<WebhookView> {
    const endpoint = await this.endpoint(siteId, endpointId);
    if (input.url !== undefined) endpoint.url = checkUrl(input.url);
    if (input.events !== undefined) endpoint.events = checkEvents(input.events);
    if (input.enabled !== undefined && input.enabled !== endpoint.enabled) {
      endpoint.enabled = input.enabled;
      endpoint.disabled_reason = input.enabled ? null : 'Disabled by the owner.';
    }
    await this.deps.store.save(siteId, endpoint);
    return view(endpoint);
  }

  /** A new secret, returned this once; the old one no longer signs anything from now on. */
  async rotateSecret(siteId: string, endpointId: string): Promise<WebhookEndpoint> {
    const endpoint = await this.endpoint(siteId, endpointId);
    endpoint.secret = newWebhookSecret();
    await this.deps.store.save(siteId, endpoint);
    return endpoint;
  }

  async remove(siteId: string, endpointId: string): Promise<void> {
    if (!(await this.deps.store.remove(siteId, endpointId))) throw notFound('No such webhook endpoint.');
    this.hasEndpoints.delete(siteId);
  }

  /** The endpoint's last delivery attempts, newest first. */
  async log(siteId: string, endpointId: string, limit: number): Promise<WebhookAttempt[]> {
    await this.endpoint(siteId, endpointId);
    return this.deps.store.log(siteId, endpointId, limit);
  }

  /** Queues a `ping` for this endpoint alone; its attempts show in the log like any delivery. */
  async ping(siteId: string, endpointId: string): Promise<{ delivery_id: string }> {
    const endpoint = await this.endpoint(siteId, endpointId);
    if (!endpoint.enabled) throw conflict('The endpoint is disabled: enable it first.');
    const delivery = pingDelivery(siteId, endpointId, this.clock());
    await this.queue(siteId, delivery, endpointId);
    return { delivery_id: delivery.job.id };
  }

  /**
   * The bus listener: queues each event webhooks carry for the endpoints
   * subscribed to it. The write that caused the event pays for one script call
   * (and one schedule update per endpoint); a failure is reported, never thrown.
   */
  listener(): EventListener {
    return async (event) => {
      const delivery = deliveryFor(event, this.clock());
      if (!delivery) return;
      try {
        if (!(await this.anyEndpoints(event.siteId))) return;
        await this.queue(event.siteId, delivery);
      } catch (error) {
        this.deps.onEnqueueError(error, event.type);
      }
    };
  }

  private async anyEndpoints(siteId: string): Promise<boolean> {
    let any = this.hasEndpoints.get(siteId);
    if (any === undefined) {
      any = (await this.deps.store.count(siteId)) > 0;
      this.hasEndpoints.set(siteId, any);
    }
    return any;
  }

  private async queue(siteId: string, delivery: WebhookDelivery, only?: string): Promise<void> {
    const nowMs = this.clock();
    const { queued, full } = await this.deps.store.enqueue(siteId, delivery.job, delivery.orderKey, {
      cap: this.deps.queueCap ?? WEBHOOK_QUEUE_CAP,
      nowMs,
      ...(only ? { only } : {}),
    });
    for (const endpointId of full)
      await this.deps.store.logDropped(siteId, endpointId, delivery.job, nowMs, 'queue full');
    if (queued.length > 0) this.deps.onQueued();
  }

  private async endpoint(siteId: string, endpointId: string): Promise<WebhookEndpoint> {
    const endpoint = await this.deps.store.get(siteId, endpointId);
    if (!endpoint) throw notFound('No such webhook endpoint.');
    return endpoint;
  }
}
