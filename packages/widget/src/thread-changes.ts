import type { ThreadState } from './thread.js';
import type { Comment } from './types.js';

/*
 * How the reader's own actions and the live events change the thread: used by
 * the lazy chunks only (commands, live updates, moderation, replies), so it
 * stays out of the first load. Pure functions, tested with thread.ts's.
 */

/** 1 for a comment that counts toward the thread's total (approved), else 0. */
const counts = (comment: Comment) => (comment.s === 'approved' ? 1 : 0);

/**
 * Adds a comment: one the viewer just posted (`own`: shown at once, in place),
 * or one announced live.
 */
export function addComment(state: ThreadState, comment: Comment, own: boolean): ThreadState {
  const known = state.byId[comment.i];
  // Known already (one's own, or held for approval and now approved): updated in place, counted once.
  if (known)
    return {
      ...patch(state, comment.i, withoutReplies(comment)),
      total: state.total + counts(comment) - counts(known),
    };
  const byId = { ...state.byId, [comment.i]: withoutReplies(comment) };
  const replies = { ...state.replies, [comment.i]: [] };
  const countsTowardTotal = counts(comment);
  if (comment.pid) {
    // Replies appear in place under their parent (when it is loaded), oldest first.
    const siblings = state.replies[comment.pid];
    if (!siblings) return { ...state, byId, replies, total: state.total + countsTowardTotal };
    const parent = state.byId[comment.pid];
    // Under replies not all loaded, one announced live may be one of those not loaded yet, already
    // counted (the catch-up after connecting repeats the last seconds): it comes with the rest, in order.
    if (parent?.rx !== undefined && !own) return state;
    return {
      ...state,
      byId: parent ? { ...byId, [comment.pid]: { ...parent, rc: (parent.rc ?? 0) + 1 } } : byId,
      replies: { ...replies, [comment.pid]: [...siblings, comment.i] },
      total: state.total + countsTowardTotal,
    };
  }
  if (own)
    return {
      ...state,
      byId,
      replies,
      roots: [comment.i, ...state.roots],
      total: state.total + countsTowardTotal,
    };
  // Someone else's new thread: announced, not inserted under the reader's eyes.
  return {
    ...state,
    byId,
    replies,
    unseen: [...state.unseen, comment.i],
    total: state.total + countsTowardTotal,
  };
}

/** Removes a deleted comment: a placeholder stays while it has replies. */
export function removeComment(state: ThreadState, id: string): ThreadState {
  const comment = state.byId[id];
  if (!comment) return state;
  const total = Math.max(0, state.total - counts(comment));
  const hasReplies = (state.replies[id]?.length ?? 0) > 0;
  if (hasReplies)
    return { ...patch(state, id, { s: 'deleted', t: '', h: '', a: null, n: '', p: null }), total };
  const { [id]: _gone, ...byId } = state.byId;
  const replies = { ...state.replies };
  delete replies[id];
  if (comment.pid && replies[comment.pid])
    replies[comment.pid] = replies[comment.pid]!.filter((r) => r !== id);
  return {
    ...state,
    byId,
    replies,
    roots: state.roots.filter((r) => r !== id),
    unseen: state.unseen.filter((r) => r !== id),
    pinned: state.pinned.filter((r) => r !== id),
    total,
  };
}

export function patch(state: ThreadState, id: string, changes: Partial<Comment>): ThreadState {
  const comment = state.byId[id];
  if (!comment) return state;
  return { ...state, byId: { ...state.byId, [id]: { ...comment, ...changes } } };
}

/** The server's answer to the viewer's own edit (held for review, it may be pending now): as a known comment announced. */
export const replaceOwn = (state: ThreadState, comment: Comment): ThreadState =>
  addComment(state, comment, true);

/** The viewer's vote, applied before the server answers; `settleVote` applies the answer. */
export function castVote(state: ThreadState, id: string, direction: 'up' | 'down'): ThreadState {
  const comment = state.byId[id];
  if (!comment) return state;
  const previous = comment.v ?? null;
  const next = previous === direction ? null : direction;
  const delta = (dir: 'up' | 'down') => (next === dir ? 1 : 0) - (previous === dir ? 1 : 0);
  return patch(state, id, { v: next, u: comment.u + delta('up'), d: comment.d + delta('down') });
}

export function settleVote(
  state: ThreadState,
  id: string,
  answer: { upvotes: number; downvotes: number; user_vote: 'up' | 'down' | null },
): ThreadState {
  return patch(state, id, { u: answer.upvotes, d: answer.downvotes, v: answer.user_vote });
}

/** A comment as announced live, without what only a read knows: its replies and their count and cursor. */
function withoutReplies(comment: Comment): Comment {
  const { r: _r, rc: _rc, rx: _rx, ...flat } = comment;
  return flat;
}
