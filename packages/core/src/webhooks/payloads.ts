import { newId } from '../ids.js';
import type { DomainEvent } from '../protocol/index.js';
import type { WebhookJob } from '../store/webhook-store.js';

/** The events an endpoint may subscribe to (`docs/webhooks.md` has their payloads). */
export const WEBHOOK_EVENTS = [
  'comment.created',
  'comment.edited',
  'comment.deleted',
  'comment.approved',
  'comment.rejected',
  'comment.reported',
  'user.banned',
] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENTS)[number];

/** Sent only by `POST /v1/webhooks/:id/test`, to the endpoint named, whatever it subscribes to. */
export const PING_EVENT = 'ping';

/** The order key of events about the site rather than a page: they keep their order among themselves. */
export const SITE_ORDER_KEY = '_';

/** A delivery ready to queue: its job and the queue (page) it waits in. */
export interface WebhookDelivery {
  job: WebhookJob;
  orderKey: string;
}

/** What a delivery's body says: the same envelope for every event, its details under `data`. */
function delivery(
  type: string,
  siteId: string,
  pageId: string | null,
  data: Record<string, unknown>,
  nowMs: number,
): WebhookDelivery {
  const id = newId();
  const body = JSON.stringify({
    id,
    type,
    created_at: Math.floor(nowMs / 1000),
    site_id: siteId,
    page_id: pageId,
    data,
  });
  return { job: { id, type, body, queued_at: nowMs, attempts: 0 }, orderKey: pageId ?? SITE_ORDER_KEY };
}

/**
 * The delivery a domain event makes, or null for events webhooks do not carry
 * (votes, pins, locks) and for a comment announced again (approved after it
 * was held: `comment.approved` tells of that).
 */
export function deliveryFor(event: DomainEvent, nowMs: number): WebhookDelivery | null {
  switch (event.type) {
    case 'comment.created':
      if (event.again) return null;
      return delivery(event.type, event.siteId, event.pageId, { comment: event.comment }, nowMs);
    case 'comment.edited':
      return delivery(
        event.type,
        event.siteId,
        event.pageId,
        { comment_id: event.commentId, content: event.content, content_html: event.contentHtml },
        nowMs,
      );
    case 'comment.deleted':
      return delivery(event.type, event.siteId, event.pageId, { comment_id: event.commentId }, nowMs);
    case 'comment.approved':
    case 'comment.rejected':
      return delivery(event.type, event.siteId, event.pageId, { comment: event.comment }, nowMs);
    case 'comment.reported':
      return delivery(
        event.type,
        event.siteId,
        event.pageId,
        {
          comment_id: event.commentId,
          reason: event.reason,
          details: event.details,
          reporter_id: event.reporterId,
        },
        nowMs,
      );
    case 'user.banned':
      return delivery(
        event.type,
        event.siteId,
        null,
        { user_id: event.userId, delete_comments: event.deleteComments, reason: event.reason ?? null },
        nowMs,
      );
    default:
      return null;
  }
}

/** The test ping's delivery. */
export const pingDelivery = (siteId: string, endpointId: string, nowMs: number): WebhookDelivery =>
  delivery(PING_EVENT, siteId, null, { endpoint_id: endpointId }, nowMs);
