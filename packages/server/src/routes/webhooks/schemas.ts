import { Type } from '@sinclair/typebox';
import {
  MAX_WEBHOOK_URL_LENGTH,
  MAX_WEBHOOKS_PER_SITE,
  WEBHOOK_EVENTS,
  WEBHOOK_LOG_KEPT,
} from '@threadkit/core';
import { Id } from '../../schemas.js';

const EventName = Type.Union(
  WEBHOOK_EVENTS.map((name) => Type.Literal(name)),
  { description: 'An event type (`docs/webhooks.md`).' },
);
const Events = Type.Array(EventName, { minItems: 1, maxItems: WEBHOOK_EVENTS.length * 2 });
const Url = Type.String({
  maxLength: MAX_WEBHOOK_URL_LENGTH,
  description:
    'Where deliveries are POSTed: http or https. Private and loopback addresses only with the site setting `webhooks_allow_private`.',
});

export const WebhookParams = Type.Object({ id: Id('Webhook endpoint id.') });

export const WebhookSchema = Type.Object({
  id: Type.String(),
  url: Type.String(),
  events: Type.Array(Type.String()),
  enabled: Type.Boolean(),
  disabled_reason: Type.Union([Type.String(), Type.Null()], {
    description: 'Why it is disabled: by the owner, or after repeated failed attempts; null while enabled.',
  }),
  created_at: Type.Integer({ description: 'Unix seconds.' }),
});

export const WebhookWithSecret = Type.Intersect([
  WebhookSchema,
  Type.Object({
    secret: Type.String({
      description: 'The signing secret (`whsec_…`): shown only now. Deliveries are signed with it.',
    }),
  }),
]);

export const WebhookList = Type.Object({
  webhooks: Type.Array(WebhookSchema, { description: `At most ${MAX_WEBHOOKS_PER_SITE} per site.` }),
});

export const CreateWebhookBody = Type.Object({ url: Url, events: Events }, { additionalProperties: false });

export const UpdateWebhookBody = Type.Object(
  {
    url: Type.Optional(Url),
    events: Type.Optional(Events),
    enabled: Type.Optional(
      Type.Boolean({ description: 'false disables it; true enables it again and clears its failures.' }),
    ),
  },
  { additionalProperties: false },
);

export const DeliveryLogQuery = Type.Object({
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: WEBHOOK_LOG_KEPT, default: 20 })),
});

const Attempt = Type.Object({
  delivery_id: Type.String({ description: 'The `ThreadKit-Delivery` header: the same on every attempt.' }),
  type: Type.String(),
  at: Type.Integer({ description: 'Unix ms of the attempt.' }),
  outcome: Type.Union(
    [Type.Literal('sent'), Type.Literal('failed'), Type.Literal('given_up'), Type.Literal('dropped')],
    {
      description:
        '`sent`: answered 2xx; `failed`: tried again at `next_attempt_at`; `given_up`: a day of failures, no more attempts; `dropped`: not queued (the queue was full).',
    },
  ),
  status: Type.Union([Type.Integer(), Type.Null()], {
    description: "The receiver's HTTP status, if it answered.",
  }),
  duration_ms: Type.Integer(),
  error: Type.Union([Type.String(), Type.Null()]),
  next_attempt_at: Type.Union([Type.Integer(), Type.Null()], { description: 'Unix ms.' }),
});

export const DeliveryLog = Type.Object({
  deliveries: Type.Array(Attempt, {
    description: `Newest first; the last ${WEBHOOK_LOG_KEPT} attempts are kept.`,
  }),
});

export const PingQueued = Type.Object({
  delivery_id: Type.String({ description: 'The ping delivery, as the log and the receiver see it.' }),
});
