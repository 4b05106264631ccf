import { type ThreadState, TYPING_MS } from './thread.js';
import { addComment, patch, removeComment } from './thread-changes.js';
import type { LiveMessage } from './types.js';

/*
 * How the gateway's messages change the thread: with the live client, outside
 * the first load (the thread is read before any message can come).
 */

/** Applies a message from the gateway; `selfId` is the signed-in viewer (their own echoes are not "new"). */
export function applyLive(
  state: ThreadState,
  message: LiveMessage,
  selfId: string | null,
  now: number,
): ThreadState {
  // Destructured, `params` still narrows with `method` in each case.
  const { method, params } = message;
  // Not every message is about a page, or logged.
  const about = params as { page_id?: string; event_id?: string };
  if (about.page_id !== undefined && about.page_id !== state.pageId) return state;
  const next = typeof about.event_id === 'string' ? { ...state, lastEventId: about.event_id } : state;
  switch (method) {
    case 'new_comment':
      return addComment(next, params.comment, params.comment.a === selfId);
    case 'edit_comment':
      return patch(next, params.comment_id, { t: params.content, h: params.content_html, e: true });
    case 'delete_comment':
      return removeComment(next, params.comment_id);
    case 'vote_update':
      return patch(next, params.comment_id, { u: params.upvotes, d: params.downvotes });
    case 'pin_update': {
      const others = next.pinned.filter((id) => id !== params.comment_id);
      return { ...next, pinned: params.pinned ? [params.comment_id, ...others] : others };
    }
    case 'lock_update':
      return { ...next, locked: params.locked };
    case 'presence':
      return { ...next, presence: { count: params.count, users: params.users } };
    case 'user_joined':
      return {
        ...next,
        presence: {
          count: params.count,
          users: [...next.presence.users.filter((u) => u.id !== params.user.id), params.user],
        },
      };
    case 'user_left': {
      const { [params.user_id]: _gone, ...typing } = next.typing;
      return {
        ...next,
        typing,
        presence: { count: params.count, users: next.presence.users.filter((u) => u.id !== params.user_id) },
      };
    }
    case 'typing':
      return {
        ...next,
        typing: { ...next.typing, [params.user.id]: { name: params.user.name, until: now + TYPING_MS } },
      };
    default:
      return next;
  }
}
