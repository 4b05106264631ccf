import type { Audience, Envelope, RealtimeStore } from './store/realtime-store.js';
import type { CommentView, VoteDirection } from './types.js';

/**
 * Domain events, emitted by services after a write has been stored. Listeners
 * (the Redis relay to the real-time gateway, later notifications and webhooks)
 * consume them; a failing listener never fails the write that caused it.
 */

interface PageEvent {
  siteId: string;
  pageId: string;
  audience: Audience;
}

export type DomainEvent =
  | (PageEvent & {
      type: 'comment.created';
      comment: CommentView;
      /** The comment a reply answers, when it was stored beside it rather than under it (the deepest level). */
      replyTo?: string;
      /** Announced before: approved after it was held, or held again after an edit. Not a new comment. */
      again?: boolean;
    })
  | (PageEvent & { type: 'comment.edited'; commentId: string; content: string; contentHtml: string })
  | (PageEvent & { type: 'comment.deleted'; commentId: string })
  | (PageEvent & {
      type: 'comment.voted';
      commentId: string;
      upvotes: number;
      downvotes: number;
      /** Who voted, their vote after this one (null: taken back), and the comment's author. */
      voterId: string;
      vote: VoteDirection | null;
      authorId: string;
    })
  | (PageEvent & { type: 'comment.pinned'; commentId: string; pinned: boolean })
  /**
   * A page was locked or unlocked. `locked` is what its thread now says: a page
   * unlocked while the whole site is locked stays closed. Site-wide locks are
   * not announced page by page; readers learn of them on their next read.
   */
  | (PageEvent & { type: 'page.locked'; locked: boolean });

export type EventListener = (event: DomainEvent) => void | Promise<void>;

export class EventBus {
  private readonly listeners: EventListener[] = [];

  constructor(private readonly onListenerError: (error: unknown, event: DomainEvent) => void) {}

  subscribe(listener: EventListener): () => void {
    this.listeners.push(listener);
    return () => {
      const at = this.listeners.indexOf(listener);
      if (at >= 0) this.listeners.splice(at, 1);
    };
  }

  /** Delivers to every listener; resolves when all have finished (or failed, which is reported). */
  async emit(event: DomainEvent): Promise<void> {
    await Promise.all(
      this.listeners.map(async (listener) => {
        try {
          await listener(event);
        } catch (error) {
          this.onListenerError(error, event);
        }
      }),
    );
  }
}

/** The WebSocket message of `api.md` that an event becomes. */
export function toWireMessage(event: DomainEvent): Envelope['message'] {
  const page_id = event.pageId;
  switch (event.type) {
    case 'comment.created':
      return { jsonrpc: '2.0', method: 'new_comment', params: { page_id, comment: event.comment } };
    case 'comment.edited':
      return {
        jsonrpc: '2.0',
        method: 'edit_comment',
        params: {
          page_id,
          comment_id: event.commentId,
          content: event.content,
          content_html: event.contentHtml,
        },
      };
    case 'comment.deleted':
      return { jsonrpc: '2.0', method: 'delete_comment', params: { page_id, comment_id: event.commentId } };
    case 'comment.voted':
      return {
        jsonrpc: '2.0',
        method: 'vote_update',
        params: { page_id, comment_id: event.commentId, upvotes: event.upvotes, downvotes: event.downvotes },
      };
    case 'comment.pinned':
      return {
        jsonrpc: '2.0',
        method: 'pin_update',
        params: { page_id, comment_id: event.commentId, pinned: event.pinned },
      };
    case 'page.locked':
      return { jsonrpc: '2.0', method: 'lock_update', params: { page_id, locked: event.locked } };
  }
}

/**
 * Logs and publishes page events on the page's Redis channel, for every
 * WebSocket instance to relay. The envelope carries the audience so the gateway
 * can keep pending and shadow-banned comments from everyone but their author
 * and moderators.
 */
export function redisRelay(realtime: RealtimeStore): EventListener {
  return async (event) => {
    await realtime.logPageEvent(event.siteId, event.pageId, {
      audience: event.audience,
      message: toWireMessage(event),
    });
  };
}
