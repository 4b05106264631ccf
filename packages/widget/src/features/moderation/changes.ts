import type { ThreadState } from '../../thread.js';
import { removeComment } from '../../thread-changes.js';

/**
 * How moderators' actions change the thread they look at: pure functions over
 * the thread state, built on the rules of `src/thread.ts`.
 */

/**
 * A moderator approved a held (or rejected) comment: published, so it now
 * counts. The approval's own live `new_comment` may have come first and
 * counted it already; then nothing changes.
 */
export function publish(state: ThreadState, id: string): ThreadState {
  const comment = state.byId[id];
  if (!comment) return state;
  return {
    ...state,
    byId: { ...state.byId, [id]: { ...comment, s: 'approved' } },
    total: state.total + (comment.s === 'approved' ? 0 : 1),
  };
}

/** Pinned (first in the list) or unpinned: what the gateway's `pin_update` does for other readers. */
export function setPinned(state: ThreadState, id: string, pinned: boolean): ThreadState {
  const others = state.pinned.filter((other) => other !== id);
  return { ...state, pinned: pinned ? [id, ...others] : others };
}

/**
 * A banned author's comments, taken down with the ban: newest first (ids are
 * UUIDv7, ordered by time), so a reply goes before its parent, and a parent keeps its placeholder only while
 * someone else's reply remains under it (as the server does).
 */
export function withoutAuthor(state: ThreadState, authorId: string): ThreadState {
  return Object.values(state.byId)
    .filter((comment) => comment.a === authorId)
    .sort((a, b) => (a.i < b.i ? 1 : -1))
    .reduce((next, comment) => removeComment(next, comment.i), state);
}

/**
 * A moderator deleted or rejected a comment: the same rule as an author's own
 * deletion (a placeholder stays while it has replies), and what the live
 * `delete_comment` that follows does.
 */
export { removeComment };

export function setLocked(state: ThreadState, locked: boolean): ThreadState {
  return { ...state, locked };
}
