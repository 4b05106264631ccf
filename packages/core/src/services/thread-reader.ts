import { createHash } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import { invalid } from '../errors.js';
import type { PageIndex } from '../keys.js';
import type { PageRef } from '../page-identity.js';
import type { CommentStore, PageState } from '../store/comment-store.js';
import type { SortOrder, Viewer } from '../types.js';
import { isModerator } from '../types.js';
import { buildTree } from './comment-views.js';

export const DEFAULT_LIMIT = 50;
export const MAX_LIMIT = 200;

const SORTS: Record<SortOrder, { index: PageIndex; direction: 'asc' | 'desc' }> = {
  new: { index: 'new', direction: 'desc' },
  old: { index: 'new', direction: 'asc' },
  top: { index: 'top', direction: 'desc' },
  hot: { index: 'hot', direction: 'desc' },
  controversial: { index: 'controversial', direction: 'desc' },
};

export interface ThreadQuery {
  page: PageRef;
  sort: SortOrder;
  limit: number;
  cursor: string | null;
  ifNoneMatch: string | null;
}

export type ThreadResult =
  | { notModified: true; etag: string }
  | { notModified: false; etag: string; body: string };

interface CachedThread {
  version: number;
  epoch: number;
  /** The JSON members that depend only on the thread's content, pre-serialised. */
  members: string;
}

/**
 * Reads threads. Anonymous readers all see the same thread, so its serialised
 * form is cached in-process and reused until the page's version (bumped by
 * every write) or the site's visibility epoch changes: a cached read costs one
 * small Redis script and a string concatenation. Readers with a token get their
 * own view (their pending comments, their votes), read fresh.
 */
export class ThreadReader {
  private readonly cache = new LRUCache<string, CachedThread>({ max: 2000 });

  constructor(private readonly store: CommentStore) {}

  async read(viewer: Viewer, query: ThreadQuery): Promise<ThreadResult> {
    const sort = SORTS[query.sort];
    const cursor = query.cursor === null ? null : decodeCursor(query.cursor, query.sort);
    const state = await this.store.viewPage(viewer.siteId, query.page);
    const variant = `${query.sort}|${query.limit}|${query.cursor ?? ''}|${viewer.userId ?? ''}|${viewer.role}`;
    const etag = makeEtag(state, variant);
    if (query.ifNoneMatch !== null && matchesEtag(query.ifNoneMatch, etag))
      return { notModified: true, etag };

    const shared = viewer.userId === null && !isModerator(viewer);
    const cacheKey = `${viewer.siteId}|${query.page.id}|${variant}`;
    const cached = shared ? this.cache.get(cacheKey) : undefined;
    if (cached && cached.version === state.version && cached.epoch === state.epoch) {
      return { notModified: false, etag, body: envelope(query.page.id, state.views, cached.members) };
    }

    const thread = await this.store.readThread(viewer.siteId, query.page.id, {
      ...sort,
      cursor,
      limit: query.limit,
      viewerId: viewer.userId,
      viewerIsModerator: isModerator(viewer),
    });
    const tree = buildTree(thread.comments, thread.authors, viewer.userId ? thread.votes : null);
    const members = `"tree":${JSON.stringify({ comments: tree, updated_at: thread.updated })},"total":${thread.count},"next_cursor":${JSON.stringify(thread.next ? encodeCursor(query.sort, thread.next) : null)},"pinned":${JSON.stringify(thread.pinned)}`;
    if (shared) this.cache.set(cacheKey, { version: thread.version, epoch: thread.epoch, members });
    const freshEtag = makeEtag({ version: thread.version, epoch: thread.epoch }, variant);
    return { notModified: false, etag: freshEtag, body: envelope(query.page.id, state.views, members) };
  }
}

const envelope = (pageId: string, views: number, members: string) =>
  `{"page_id":"${pageId}","pageviews":${views},${members}}`;

function makeEtag(state: Pick<PageState, 'version' | 'epoch'>, variant: string): string {
  const digest = createHash('sha1').update(variant).digest('base64url').slice(0, 12);
  return `W/"${state.version}.${state.epoch}.${digest}"`;
}

function matchesEtag(header: string, etag: string): boolean {
  if (header.trim() === '*') return true;
  const bare = (tag: string) => tag.trim().replace(/^W\//, '');
  return header.split(',').some((tag) => bare(tag) === bare(etag));
}

/** Cursors are opaque to clients: the sort they belong to and the last root's (score, id). */
function encodeCursor(sort: SortOrder, at: { score: string; id: string }): string {
  return Buffer.from(JSON.stringify([sort, at.score, at.id])).toString('base64url');
}

function decodeCursor(cursor: string, sort: SortOrder): { score: string; id: string } {
  try {
    const [cursorSort, score, id] = JSON.parse(
      Buffer.from(cursor, 'base64url').toString('utf8'),
    ) as unknown[];
    if (
      cursorSort === sort &&
      typeof score === 'string' &&
      Number.isFinite(Number(score)) &&
      typeof id === 'string'
    ) {
      return { score, id };
    }
  } catch {
    // fall through to the error below
  }
  throw invalid('cursor', 'cursor is not valid for this sort; start again without it');
}
