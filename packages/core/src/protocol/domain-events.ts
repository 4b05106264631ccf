import { type Static, type TSchema, Type } from '@sinclair/typebox';
import { AudienceSchema, CommentRef } from './schemas.js';

/**
 * Domain events, emitted by services after a write has been stored (`EventBus`
 * in `events.ts`). Each one that readers of the page see becomes one
 * server → client message (`pageEventMessage` in `messages.ts`).
 */

/**
 * Every event is about a page, and says who may see it; `logged` when the
 * write's own script logged and published it (a new comment, a vote).
 */
const pageEvent = <T extends string, P extends Record<string, TSchema>>(type: T, fields: P) =>
  Type.Object({
    type: Type.Literal(type),
    siteId: Type.String(),
    pageId: Type.String(),
    audience: AudienceSchema,
    logged: Type.Optional(
      Type.Boolean({
        description: 'Logged and published by the write itself: the relay has nothing left to do.',
      }),
    ),
    ...fields,
  });

export const DOMAIN_EVENTS = [
  pageEvent('comment.created', {
    comment: CommentRef,
    replyTo: Type.Optional(
      Type.String({
        description:
          'The comment a reply answers, when it was stored beside it rather than under it (the deepest level).',
      }),
    ),
    again: Type.Optional(
      Type.Boolean({
        description:
          'Announced before: approved after it was held, or held again after an edit. Not a new comment.',
      }),
    ),
  }),
  pageEvent('comment.edited', {
    commentId: Type.String(),
    content: Type.String(),
    contentHtml: Type.String(),
  }),
  pageEvent('comment.deleted', { commentId: Type.String() }),
  pageEvent('comment.voted', {
    commentId: Type.String(),
    upvotes: Type.Integer(),
    downvotes: Type.Integer(),
    /** Who voted, their vote after this one (null: taken back), and the comment's author. */
    voterId: Type.String(),
    vote: Type.Union([Type.Literal('up'), Type.Literal('down'), Type.Null()]),
    authorId: Type.String(),
  }),
  pageEvent('comment.pinned', { commentId: Type.String(), pinned: Type.Boolean() }),
  /**
   * A page was locked or unlocked. `locked` is what its thread now says: a page
   * unlocked while the whole site is locked stays closed. Site-wide locks are
   * not announced page by page; readers learn of them on their next read.
   */
  pageEvent('page.locked', { locked: Type.Boolean() }),
] as const;

/**
 * Moderation events: nothing is sent to readers for them (what readers see of a
 * decision is the page event beside it), but the site's owner hears of them
 * through webhooks. A ban is about the site, not a page: it has no `pageId`.
 */
const moderationEvent = <T extends string, P extends Record<string, TSchema>>(type: T, fields: P) =>
  Type.Object({ type: Type.Literal(type), siteId: Type.String(), ...fields });

export const MODERATION_EVENTS = [
  moderationEvent('comment.approved', { pageId: Type.String(), comment: CommentRef }),
  moderationEvent('comment.rejected', { pageId: Type.String(), comment: CommentRef }),
  moderationEvent('comment.reported', {
    pageId: Type.String(),
    commentId: Type.String(),
    reason: Type.String(),
    details: Type.String(),
    reporterId: Type.String(),
  }),
  moderationEvent('user.banned', {
    userId: Type.String(),
    deleteComments: Type.Boolean(),
    reason: Type.Optional(Type.String()),
  }),
] as const;

export const PageEventSchema = Type.Union([...DOMAIN_EVENTS]);
/** A domain event readers of its page see (as one message each). */
export type PageEvent = Static<typeof PageEventSchema>;
export const DomainEventSchema = Type.Union([...DOMAIN_EVENTS, ...MODERATION_EVENTS]);
export type DomainEvent = Static<typeof DomainEventSchema>;
/** Whether readers of the page see the event (else only the owner's webhooks hear of it). */
export const isPageEvent = (event: DomainEvent): event is PageEvent => 'audience' in event;
export type DomainEventType = DomainEvent['type'];
