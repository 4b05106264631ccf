import type { Comment, LiveMessage, PresentUser, Sort, ThreadPage, Votes } from './types.js';

/**
 * The thread as the widget shows it, and how server answers and live events
 * change it. Pure functions over plain data, so the rules are tested without a
 * browser. Comments are kept flat by id; `roots` and `replies` give the order.
 */
export interface ThreadState {
  pageId: string | null;
  sort: Sort;
  byId: Record<string, Comment>;
  roots: string[];
  replies: Record<string, string[]>;
  pinned: string[];
  total: number;
  nextCursor: string | null;
  /** New root comments by others, waiting behind the "N new comments" banner. */
  unseen: string[];
  presence: { count: number; users: PresentUser[] };
  /** User id → who is typing and until when (ms). */
  typing: Record<string, { name: string; until: number }>;
  /** The newest event id seen, for resync after a reconnect. */
  lastEventId: string | null;
  locked: boolean;
  /** The "Powered by ThreadKit" link's address, when the site's plan shows it. */
  poweredBy?: string | undefined;
}

/** A typing indicator lasts this long without a refresh (`api.md`). */
export const TYPING_MS = 3000;

export function emptyThread(sort: Sort): ThreadState {
  return {
    pageId: null,
    sort,
    byId: {},
    roots: [],
    replies: {},
    pinned: [],
    total: 0,
    nextCursor: null,
    unseen: [],
    presence: { count: 0, users: [] },
    typing: {},
    lastEventId: null,
    locked: false,
  };
}

/** Adds a page of the thread (the first one replaces what was there). */
export function loadPage(state: ThreadState, page: ThreadPage, append: boolean): ThreadState {
  // A reload keeps the live position: a reconnect still catches up from the last event seen.
  const base = append
    ? state
    : { ...emptyThread(state.sort), presence: state.presence, lastEventId: state.lastEventId };
  const byId = { ...base.byId };
  const replies = { ...base.replies };
  const roots = [...base.roots];
  const visit = flatten(byId, replies, page.votes);
  // A comment already known (one's own, or one announced live and waiting behind the banner)
  // takes its place in the listing once a page holds it.
  const listed = new Set(roots);
  for (const root of page.tree.comments) {
    if (!listed.has(root.i)) {
      roots.push(root.i);
      listed.add(root.i);
    }
    visit(root);
  }
  return {
    ...base,
    pageId: page.page_id,
    byId,
    roots,
    replies,
    pinned: page.pinned,
    total: page.total,
    nextCursor: page.next_cursor,
    unseen: base.unseen.filter((id) => !listed.has(id)),
    locked: !!page.locked,
    poweredBy: page.powered_by,
  };
}

/** The server's answer to the viewer's own edit (held for review, it may be pending now): as a known comment announced. */
export const replaceOwn = (state: ThreadState, comment: Comment): ThreadState =>
  addComment(state, comment, true);

/** Shows the comments waiting behind the banner, at the top. */
export function revealUnseen(state: ThreadState): ThreadState {
  if (state.unseen.length === 0) return state;
  const fresh = state.unseen.filter((id) => !state.roots.includes(id));
  return { ...state, roots: [...fresh.reverse(), ...state.roots], unseen: [] };
}

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

/** Who is typing now (expired indicators dropped). */
export function typists(state: ThreadState, now: number): string[] {
  return Object.values(state.typing)
    .filter((entry) => entry.until > now)
    .map((entry) => entry.name);
}

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

function patch(state: ThreadState, id: string, changes: Partial<Comment>): ThreadState {
  const comment = state.byId[id];
  if (!comment) return state;
  return { ...state, byId: { ...state.byId, [id]: { ...comment, ...changes } } };
}

/** Puts comments (with their nested replies) into the flat maps; `votes` are the reader's, when signed in. */
export function flatten(
  byId: Record<string, Comment>,
  replies: Record<string, string[]>,
  votes: Votes | undefined,
) {
  const visit = (comment: Comment) => {
    const { r, ...flat } = comment;
    byId[comment.i] = votes ? { ...flat, v: votes[comment.i] ?? null } : flat;
    replies[comment.i] = (r ?? []).map((reply) => {
      visit(reply);
      return reply.i;
    });
  };
  return visit;
}

/** A comment as announced live, without what only a read knows: its replies and their count and cursor. */
function withoutReplies(comment: Comment): Comment {
  const { r: _r, rc: _rc, rx: _rx, ...flat } = comment;
  return flat;
}
