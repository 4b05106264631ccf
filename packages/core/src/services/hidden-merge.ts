import type { CommentStore, ThreadPage } from '../store/comment-store.js';
import type { StoredComment, Viewer } from '../types.js';
import { isModerator } from '../types.js';
import { MAX_DEPTH } from './comment-service.js';

/** How far up a hidden reply's chain of hidden parents is looked for. */
const MAX_ANCESTOR_ROUNDS = 8;
/** Listed replies fetched under a reader's hidden comments, in all (beyond: `rx` cursors). */
const MAX_REPLIES_UNDER_HIDDEN = 200;

/** How the roots of a page are ordered and bounded, for merging hidden ones in. */
export interface Order {
  /** The score of a comment in the order (its page index's). */
  key: (c: StoredComment) => number;
  direction: 'asc' | 'desc';
  cursor: { score: string; id: string } | null;
  /** Which comments are the page's roots (a page's roots, or a comment's replies). */
  roots: (c: StoredComment) => boolean;
  /** Replies shown under each comment. */
  replies: number;
}

/**
 * Merges a reader's hidden comments into a page of the public thread: a
 * hidden root (or, for a replies page, a hidden reply of the parent) joins
 * when its place in the order falls within the page; a hidden reply joins
 * under a comment of the page, with any hidden placeholders between them
 * (never another hidden comment that the reader may not see); and under the
 * hidden comments joined, the first of their listed replies, breadth first as
 * a read shows them: no walk of the public thread reaches those.
 */
export async function mergeHidden(
  store: CommentStore,
  viewer: Viewer,
  thread: ThreadPage,
  hidden: StoredComment[],
  order: Order,
): Promise<{
  roots: StoredComment[];
  comments: StoredComment[];
  rootIds: Set<string>;
  authors: ThreadPage['authors'];
  replyCounts: Map<string, number>;
}> {
  const byId = new Map(thread.comments.map((c) => [c.i, c]));
  const extra = new Map(hidden.filter((c) => !byId.has(c.i)).map((c) => [c.i, c]));
  // Hidden placeholders above hidden replies are fetched, a level at a time. A hidden comment
  // of someone else's (rejected since it was answered, say) is not for this reader: what hangs
  // under it stays out.
  const mayShow = (c: StoredComment) =>
    c.s === 'deleted' || isModerator(viewer) || (viewer.userId !== null && c.a === viewer.userId);
  const looked = new Set<string>();
  for (let round = 0; round < MAX_ANCESTOR_ROUNDS; round++) {
    const missing = [...extra.values()]
      .filter((c) => !order.roots(c) && !byId.has(c.pid) && !extra.has(c.pid) && !looked.has(c.pid))
      .map((c) => c.pid);
    if (missing.length === 0) break;
    for (const id of missing) looked.add(id);
    for (const parent of await store.getMany(viewer.siteId, [...new Set(missing)])) {
      if (!parent.listed && mayShow(parent)) extra.set(parent.i, parent);
    }
  }
  const sign = order.direction === 'asc' ? 1 : -1;
  const compare = (a: StoredComment, b: StoredComment) =>
    sign * (order.key(a) - order.key(b) || (a.i < b.i ? -1 : a.i > b.i ? 1 : 0));
  const publicRoots = thread.comments.filter((c) => order.roots(c));
  const pinned = new Set(thread.pinned);
  const lastShown = [...publicRoots].reverse().find((c) => !pinned.has(c.i));
  const within = (c: StoredComment) => {
    if (order.cursor) {
      const key = order.key(c);
      const at = Number(order.cursor.score);
      const after = key === at ? sign * (c.i < order.cursor.id ? -1 : 1) > 0 : sign * (key - at) > 0;
      if (!after) return false;
    }
    // The last page takes everything after the cursor; any other page ends at its last root.
    return thread.next === null || !lastShown || compare(c, lastShown) <= 0;
  };
  const hiddenRoots = [...extra.values()].filter((c) => order.roots(c) && within(c));
  const roots = [
    ...publicRoots.filter((c) => pinned.has(c.i)),
    ...[...publicRoots.filter((c) => !pinned.has(c.i)), ...hiddenRoots].sort(compare),
  ];
  const rootIds = new Set(roots.map((c) => c.i));
  const joined = [...extra.values()].filter((c) => !order.roots(c) || rootIds.has(c.i));
  // Their listed replies, a level at a time, down to the deepest level threads have.
  const seen = new Set([...byId.keys(), ...extra.keys()]);
  const replies: StoredComment[] = [];
  const replyCounts = new Map(thread.replyCounts);
  let level = joined.filter((c) => c.rc > 0).map((c) => c.i);
  for (let depth = 1; level.length > 0; depth++) {
    // Past the deepest level, or the budget, a level is only counted (the rest load by `rx`).
    const take = depth < MAX_DEPTH ? Math.min(order.replies, MAX_REPLIES_UNDER_HIDDEN - replies.length) : 0;
    const found = await store.firstReplies(viewer.siteId, level, take);
    for (const [id, count] of found.counts) replyCounts.set(id, count);
    const fresh = found.replies.filter((c) => !seen.has(c.i)).slice(0, take);
    for (const c of fresh) seen.add(c.i);
    replies.push(...fresh);
    level = fresh.filter((c) => c.rc > 0).map((c) => c.i);
  }
  const comments = [...thread.comments, ...joined, ...replies];
  const unknown = [...new Set(comments.map((c) => c.a))].filter((a) => !thread.authors.has(a));
  const authors = new Map(thread.authors);
  for (const [id, row] of await store.authors(viewer.siteId, unknown)) authors.set(id, row);
  return { roots, comments, rootIds, authors, replyCounts };
}
