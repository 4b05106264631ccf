import { Type } from '@sinclair/typebox';
import { NOTIFICATION_ID_PATTERN, NOTIFICATIONS_KEPT, NotificationSchema } from '@threadkit/core';

const MAX_NOTIFICATIONS_PAGE = 100;

export const ListQuery = Type.Object({
  offset: Type.Optional(
    Type.Integer({
      minimum: 0,
      maximum: NOTIFICATIONS_KEPT,
      default: 0,
      description: 'Notifications to skip.',
    }),
  ),
  limit: Type.Optional(
    Type.Integer({
      minimum: 1,
      maximum: MAX_NOTIFICATIONS_PAGE,
      default: 20,
      description: 'Notifications per page.',
    }),
  ),
});

export const ListResponse = Type.Object({
  notifications: Type.Array(NotificationSchema, { description: 'Newest first; the newest 200 are kept.' }),
  unread_count: Type.Integer({ description: 'Unread notifications in all (the badge count).' }),
});

export const ReadBody = Type.Object(
  {
    ids: Type.Optional(
      Type.Array(Type.String({ pattern: NOTIFICATION_ID_PATTERN }), {
        maxItems: NOTIFICATIONS_KEPT,
        description: 'Notifications to mark read; all of them when absent. Unknown ids are ignored.',
      }),
    ),
  },
  { additionalProperties: false },
);

export const UnsubscribeQuery = Type.Object({
  token: Type.String({ minLength: 1, maxLength: 2000, description: 'The signed token of the e-mail link.' }),
});
