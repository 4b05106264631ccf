import type { CommentView, ServerMessage } from '@threadkit/core';

/**
 * A comment in the API's compact form (`api.md`, Comments), kept flat by the
 * widget: replies (`r`) only as they arrive; `rc` counts every reply there is to
 * load (live ones included) and `rx` says where those not loaded yet start.
 */
export interface Comment extends Omit<CommentView, 'r' | 'e' | 'rc'> {
  r?: Comment[];
  e: boolean | number;
  rc?: number;
}

/** The viewer's votes in a read: comment id → direction (signed-in readers only). */
export type Votes = Record<string, 'up' | 'down'>;

export interface ThreadPage {
  page_id: string;
  tree: { comments: Comment[]; updated_at: number };
  total: number;
  next_cursor: string | null;
  pageviews: number;
  pinned: string[];
  locked?: boolean;
  /** Where a "Powered by ThreadKit" link goes, on sites whose plan shows it. */
  powered_by?: string;
  votes?: Votes;
}

/** `GET /v1/comments/:id/replies`: the next replies of a comment. */
export interface RepliesPage {
  comment_id: string;
  comments: Comment[];
  next_cursor: string | null;
  votes?: Votes;
}

export type Sort = 'new' | 'old' | 'top' | 'hot' | 'controversial';
export const SORTS: readonly Sort[] = ['new', 'old', 'top', 'hot', 'controversial'];

export type { PresentUser } from '@threadkit/core';

/** A message from the real-time gateway (`protocol/` in core: types only, no code in the bundle). */
export type LiveMessage = ServerMessage;

export interface Viewer {
  id: string;
  name: string;
  guest: boolean;
}
