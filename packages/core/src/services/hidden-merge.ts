import type { CommentStore, ThreadPage } from '../store/comment-store.js';
import type { StoredComment, Viewer } from '../types.js';

/** How far up a hidden reply's chain of hidden parents is looked for. */
const MAX_ANCESTOR_ROUNDS = 8;

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
 * under a comment of the page, with any hidden placeholders between them;
 * and the first public replies of the hidden comments joined, which no walk
 * of the public thread reaches.
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
  // Hidden placeholders above hidden replies are fetched, a level at a time.
  for (let round = 0; round < MAX_ANCESTOR_ROUNDS; round++) {
    const missing = [...extra.values()]
      .filter((c) => !order.roots(c) && !byId.has(c.pid) && !extra.has(c.pid))
      .map((c) => c.pid);
    if (missing.length === 0) break;
    for (const parent of await store.getMany(viewer.siteId, [...new Set(missing)])) {
      if (!parent.listed) extra.set(parent.i, parent);
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
  const withReplies = joined.filter((c) => c.rc > 0).map((c) => c.i);
  const { replies, counts } = await store.firstReplies(viewer.siteId, withReplies, order.replies);
  const seen = new Set([...byId.keys(), ...extra.keys()]);
  const comments = [...thread.comments, ...joined, ...replies.filter((c) => !seen.has(c.i))];
  const replyCounts = new Map([...thread.replyCounts, ...counts]);
  const unknown = [...new Set(comments.map((c) => c.a))].filter((a) => !thread.authors.has(a));
  const authors = new Map(thread.authors);
  for (const [id, row] of await store.authors(viewer.siteId, unknown)) authors.set(id, row);
  return { roots, comments, rootIds, authors, replyCounts };
}
