export {
  type RetrySchedule,
  retryDelay,
  WEBHOOK_FAILURES_TO_DISABLE,
  WEBHOOK_RETRY_SCHEDULE,
  WebhookWorker,
  type WebhookWorkerOptions,
} from './delivery-worker.js';
export { webhookDisabledEmail } from './disabled-email.js';
export {
  MAX_WEBHOOK_URL_LENGTH,
  MAX_WEBHOOKS_PER_SITE,
  WEBHOOK_QUEUE_CAP,
  WebhookService,
  type WebhookView,
} from './endpoints.js';
export { PING_EVENT, WEBHOOK_EVENTS, type WebhookEventType } from './payloads.js';
export { newWebhookSecret, SIGNATURE_HEADER, signatureHeader, verifySignature } from './signature.js';
