import { type Static, Type } from '@sinclair/typebox';
import type { CommentView } from '../types.js';

/** The small shapes the live protocol's messages and events are made of. */

/** Page ids are the HTTP API's; the pattern also keeps anything else out of Redis key names. */
export const PageId = Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$', description: 'The page id.' });

/** An event id; 15 digits a part keeps it exact in a double (Redis allows 20, the clock needs 13). */
export const StreamId = Type.String({
  pattern: '^\\d{1,15}-\\d{1,15}$',
  description: "The event's id in the page's log: `<ms>-<seq>`.",
});

/**
 * `since`: the `event_id` of the last event received, or a time in ms (server clock, as in
 * `connected`). Bounded, so that nothing out of range (`1e300`) reaches the log's script.
 */
export const Since = Type.Union([StreamId, Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER })]);

/** The public face of someone on a page: in presence, joins, typing and notifications. */
export const PresentUserSchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  avatar_url: Type.Union([Type.String(), Type.Null()]),
});
export type PresentUser = Static<typeof PresentUserSchema>;

/** Who may see a live message: everyone, or only that user and the site's moderators. */
export const AudienceSchema = Type.Union([
  Type.Object({ public: Type.Literal(true) }),
  Type.Object({ public: Type.Literal(false), user_id: Type.String() }),
]);
export type Audience = Static<typeof AudienceSchema>;

/**
 * A comment in compact form, as `GET /v1/comments` and `new_comment` carry it.
 * Registered once by `$id` (the HTTP API adds it to Fastify; validators add it
 * beside the protocol's schemas), and referenced as `CommentRef`.
 */
export const CommentSchema = Type.Object(
  {
    i: Type.String({ description: 'Comment id.' }),
    a: Type.Union([Type.String(), Type.Null()], { description: 'Author id; null on a deleted placeholder.' }),
    n: Type.String({ description: 'Author name.' }),
    p: Type.Union([Type.String(), Type.Null()], { description: 'Author avatar URL.' }),
    k: Type.Integer({ description: 'Author karma on this site.' }),
    t: Type.String({ description: 'Markdown source.' }),
    h: Type.String({ description: 'Sanitised HTML.' }),
    u: Type.Integer({ description: 'Upvotes.' }),
    d: Type.Integer({ description: 'Downvotes.' }),
    c: Type.Integer({ description: 'Created, Unix seconds.' }),
    m: Type.Union([Type.Integer(), Type.Null()], { description: 'Modified, Unix seconds.' }),
    r: Type.Array(Type.Unsafe<CommentView>({ $ref: 'Comment#' }), {
      description: 'The first replies, oldest first, same shape.',
    }),
    rc: Type.Integer({ description: 'How many replies the caller can load under the comment.' }),
    rx: Type.Optional(
      Type.String({
        description: 'Where the replies beyond `r` start: the cursor of GET /v1/comments/:id/replies.',
      }),
    ),
    s: Type.Union(
      [Type.Literal('approved'), Type.Literal('pending'), Type.Literal('rejected'), Type.Literal('deleted')],
      { description: 'Status.' },
    ),
    pid: Type.Union([Type.String(), Type.Null()], { description: 'Parent id, null for a root.' }),
    e: Type.Boolean({ description: 'Edited.' }),
    v: Type.Optional(
      Type.Union([Type.Literal('up'), Type.Literal('down'), Type.Null()], {
        description: "The caller's vote (in answers to the caller's own writes).",
      }),
    ),
    ro: Type.Optional(
      Type.Union([Type.Literal('moderator'), Type.Literal('admin')], {
        description: "The author's role badge, when they moderate the site.",
      }),
    ),
    g: Type.Optional(Type.Literal(true, { description: 'The author is a guest: a name, no account.' })),
  },
  { $id: 'Comment', description: 'A comment in compact form.' },
);

/** Where a schema holds a comment: a reference to `Comment`, typed as core's `CommentView`. */
export const CommentRef = Type.Unsafe<CommentView>({ $ref: 'Comment#' });

/** Longest excerpt of its comment a notification carries, in characters. */
export const NOTIFICATION_EXCERPT_LENGTH = 140;

/** One notification, in `GET /v1/notifications` and in the `notification` message. */
export const NotificationSchema = Type.Object({
  id: Type.String({ description: 'Notification id.' }),
  type: Type.Union([Type.Literal('reply'), Type.Literal('mention'), Type.Literal('upvote')], {
    description:
      '`reply`: someone replied to your comment; `mention`: someone wrote `@your name`; `upvote`: your comment was upvoted (at most one per comment per hour).',
  }),
  comment_id: Type.String({
    description: 'The reply or the mentioning comment; for `upvote`, your upvoted comment.',
  }),
  page_url: Type.Union([Type.String(), Type.Null()], {
    description: 'The page, or null for a page known only by its key.',
  }),
  from_user: Type.Union([PresentUserSchema, Type.Null()], {
    description: 'Who replied or mentioned you; null for upvotes (votes are anonymous) and erased accounts.',
  }),
  excerpt: Type.Union([Type.String(), Type.Null()], {
    description: `The start of the comment's text, on one line (at most ${NOTIFICATION_EXCERPT_LENGTH} characters); null once it is deleted or hidden.`,
  }),
  read: Type.Boolean(),
  created_at: Type.Integer({ description: 'Unix seconds.' }),
});
export type NotificationView = Static<typeof NotificationSchema>;
