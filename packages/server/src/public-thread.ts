import type { CommentView, PageRef, SiteRecord, SortOrder } from '@threadkit/core';
import type { AppContext } from './context.js';

/** A page's public thread as `GET /v1/comments` answers an anonymous reader. */
export interface PublicThread {
  page_id: string;
  tree: { comments: CommentView[]; updated_at: number };
  total: number;
  next_cursor: string | null;
  locked: boolean;
}

export interface PublicRead {
  /** The thread read's own tag: it changes with every write to the page and every visibility change on the site. */
  etag: string;
  thread: PublicThread;
  /** The page's URL for links: the one stored with its comments (when on the site's origins), else the one asked for. */
  pageUrl: string | null;
}

/**
 * The first page of a thread exactly as an anonymous reader sees it, through
 * the same cached read (so never more than that reader: no pending, rejected
 * or shadow-banned comment, nothing under them), without counting a page view:
 * what feeds and the server-rendered thread are made from.
 */
export async function readPublicThread(
  context: AppContext,
  site: SiteRecord,
  page: PageRef,
  shape: { sort: SortOrder; limit: number; replies: number },
): Promise<PublicRead> {
  const anonymous = {
    siteId: site.id,
    userId: null,
    role: 'anonymous',
    sessionId: null,
    user: null,
  } as const;
  const [result, pageUrl] = await Promise.all([
    context.threads.read(
      anonymous,
      { page, ...shape, cursor: null, ifNoneMatch: null, poweredBy: null },
      { countsView: false },
    ),
    context.comments.pageUrl(site, page.id),
  ]);
  if (result.notModified) throw new Error('a read without If-None-Match answered 304');
  const thread = JSON.parse(Buffer.concat(result.body).toString('utf8')) as PublicThread;
  return { etag: result.etag, thread, pageUrl: pageUrl ?? page.url ?? null };
}

/** Every comment of the tree, depth first, in the order shown. */
export function flatten(comments: CommentView[]): CommentView[] {
  return comments.flatMap((comment) => [comment, ...flatten(comment.r)]);
}
