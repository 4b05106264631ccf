import { Type } from '@sinclair/typebox';
import { NOTIFICATION_ID_PATTERN, NOTIFICATIONS_KEPT } from '@threadkit/core';

export const MAX_NOTIFICATIONS_PAGE = 100;

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

const Nullable = <T extends ReturnType<typeof Type.String>>(schema: T) => Type.Union([schema, Type.Null()]);

export const Notification = Type.Object({
  id: Type.String({ description: 'Notification id (UUID v7).' }),
  type: Type.Union([Type.Literal('reply'), Type.Literal('mention'), Type.Literal('upvote')], {
    description:
      '`reply`: someone replied to your comment; `mention`: someone wrote `@your name`; `upvote`: your comment was upvoted (at most one per comment per hour).',
  }),
  comment_id: Type.String({
    description: 'The reply or the mentioning comment; for `upvote`, your upvoted comment.',
  }),
  page_url: Nullable(Type.String({ description: 'The page, or null for a page known only by its key.' })),
  from_user: Type.Union(
    [
      Type.Object({
        id: Type.String(),
        name: Type.String(),
        avatar_url: Type.Union([Type.String(), Type.Null()]),
      }),
      Type.Null(),
    ],
    {
      description:
        'Who replied or mentioned you; null for upvotes (votes are anonymous) and erased accounts.',
    },
  ),
  read: Type.Boolean(),
  created_at: Type.Integer({ description: 'Unix seconds.' }),
});

export const ListResponse = Type.Object({
  notifications: Type.Array(Notification, { description: 'Newest first; the newest 200 are kept.' }),
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
