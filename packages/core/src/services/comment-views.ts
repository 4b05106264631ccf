import type { AuthorRow } from '../store/comment-store.js';
import type { CommentView, StoredComment, User, VoteDirection } from '../types.js';

export const DELETED_NAME = '[deleted]';

/** What a comment shows of its author's account. */
export const authorRow = (user: User): AuthorRow => ({
  name: user.name,
  avatar: user.avatar_url,
  karma: user.karma,
  role: user.role,
  guest: user.guest,
});

/** The compact wire form of a stored comment; a deleted placeholder hides its author and text. */
export function toView(
  comment: StoredComment,
  author: AuthorRow | undefined,
  vote?: VoteDirection | null,
): CommentView {
  const deleted = comment.s === 'deleted';
  const view: CommentView = {
    i: comment.i,
    a: deleted || !author ? null : comment.a,
    n: deleted || !author ? DELETED_NAME : author.name,
    p: deleted ? null : (author?.avatar ?? null),
    k: deleted ? 0 : (author?.karma ?? 0),
    t: deleted ? '' : comment.t,
    h: deleted ? '' : comment.h,
    u: comment.u,
    d: comment.d,
    c: comment.c,
    m: comment.m || null,
    r: [],
    s: comment.s,
    pid: comment.pid || null,
    e: comment.e === 1,
    rc: 0,
  };
  if (vote !== undefined) view.v = vote;
  if (!deleted && (author?.role === 'admin' || author?.role === 'moderator')) view.ro = author.role;
  if (!deleted && author?.guest) view.g = true;
  return view;
}

/**
 * Nests comments into root trees. `roots` gives the roots in their order;
 * replies go under their parents oldest first, wherever they came from (the
 * public thread, or a viewer's hidden comments merged in). A comment whose
 * parent is not among them is left out. `replyCounts` says how many replies
 * each comment has in all; where fewer are shown, `rx` is the cursor
 * (`cursorAfter`) from which the rest load.
 */
export function buildTree(input: {
  roots: StoredComment[];
  replies: StoredComment[];
  authors: Map<string, AuthorRow>;
  replyCounts: Map<string, number>;
  cursorAfter: (reply: StoredComment) => string;
}): CommentView[] {
  const views = new Map<string, CommentView>();
  const view = (comment: StoredComment) => {
    const made = toView(comment, input.authors.get(comment.a));
    views.set(comment.i, made);
    return made;
  };
  const roots = input.roots.map(view);
  const byParent = new Map<string, StoredComment[]>();
  for (const reply of input.replies) {
    const siblings = byParent.get(reply.pid);
    if (siblings) siblings.push(reply);
    else byParent.set(reply.pid, [reply]);
  }
  // Breadth first from the roots, so a reply is placed only under a placed parent.
  const queue = [...input.roots];
  for (let next = 0; next < queue.length; next++) {
    const parent = queue[next]!;
    const parentView = views.get(parent.i)!;
    const children = (byParent.get(parent.i) ?? []).sort((a, b) => a.cm - b.cm || (a.i < b.i ? -1 : 1));
    for (const child of children) {
      if (views.has(child.i)) continue;
      parentView.r.push(view(child));
      queue.push(child);
    }
    parentView.rc = Math.max(input.replyCounts.get(parent.i) ?? 0, parentView.r.length);
    const last = children.at(-1);
    if (parentView.rc > parentView.r.length) {
      parentView.rx = last ? input.cursorAfter(last) : '';
    }
  }
  return roots;
}
