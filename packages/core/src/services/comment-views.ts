import type { AuthorRow } from '../store/comment-store.js';
import type { CommentView, StoredComment, VoteDirection } from '../types.js';

export const DELETED_NAME = '[deleted]';

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
  };
  if (vote !== undefined) view.v = vote;
  if (!deleted && (author?.role === 'admin' || author?.role === 'moderator')) view.ro = author.role;
  return view;
}

/**
 * Nests comments listed parent-before-child into root trees, keeping the
 * listed order (roots in sort order, replies oldest first).
 */
export function buildTree(
  comments: StoredComment[],
  authors: Map<string, AuthorRow>,
  votes: Map<string, VoteDirection> | null,
): CommentView[] {
  const byId = new Map<string, CommentView>();
  const roots: CommentView[] = [];
  for (const comment of comments) {
    const view = toView(comment, authors.get(comment.a), votes ? (votes.get(comment.i) ?? null) : undefined);
    byId.set(comment.i, view);
    const parent = comment.pid ? byId.get(comment.pid) : undefined;
    if (parent) parent.r.push(view);
    else roots.push(view);
  }
  return roots;
}
