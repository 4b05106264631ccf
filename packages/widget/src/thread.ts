import type { Comment, PresentUser, Sort, ThreadPage, Votes } from './types.js';

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

/** Shows the comments waiting behind the banner, at the top. */
export function revealUnseen(state: ThreadState): ThreadState {
  if (state.unseen.length === 0) return state;
  const fresh = state.unseen.filter((id) => !state.roots.includes(id));
  return { ...state, roots: [...fresh.reverse(), ...state.roots], unseen: [] };
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
