import type { Comment, ThreadPage } from './types.js';

/** Test data for the thread's state rules: comments and thread pages in the API's compact form. */

export const PAGE = 'page-1';

export function comment(id: string, extra: Partial<Comment> = {}): Comment {
  return {
    i: id,
    a: `author-${id}`,
    n: `Author ${id}`,
    p: null,
    k: 0,
    t: `text ${id}`,
    h: `<p>text ${id}</p>`,
    u: 0,
    d: 0,
    c: 1_700_000_000,
    m: null,
    s: 'approved',
    pid: null,
    e: false,
    ...extra,
  };
}

export function page(comments: Comment[], extra: Partial<ThreadPage> = {}): ThreadPage {
  return {
    page_id: PAGE,
    tree: { comments, updated_at: 0 },
    total: comments.length,
    next_cursor: null,
    pageviews: 1,
    pinned: [],
    ...extra,
  };
}
