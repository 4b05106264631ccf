import type { Comment } from '../../types.js';

/** What a moderator's tools offer on one comment. */
interface Allowed {
  /** Held for review (pending) or rejected: it can be approved. */
  held: boolean;
  pinned: boolean;
  canPin: boolean;
  canDelete: boolean;
  canBan: boolean;
}

/** What the moderator `viewerId` may do to `comment`, on a page with these pinned comments. */
export function allowedOn(comment: Comment, viewerId: string | undefined, pinned: string[]): Allowed {
  const author = comment.a;
  const own = author !== null && author === viewerId;
  return {
    held: comment.s === 'pending' || comment.s === 'rejected',
    pinned: pinned.includes(comment.i),
    canPin: !comment.pid && comment.s === 'approved',
    canDelete: !own,
    // Staff are not banned from here (the server refuses equal or higher rank); a deleted account has no author.
    canBan: !own && author !== null && !comment.ro,
  };
}
