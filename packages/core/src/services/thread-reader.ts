import { createHash } from 'node:crypto';
import { gzip } from 'node:zlib';
import { LRUCache } from 'lru-cache';
import { invalid } from '../errors.js';
import type { PageIndex } from '../keys.js';
import type { PageRef } from '../page-identity.js';
import type { CommentStore, PageState } from '../store/comment-store.js';
import type { SortOrder, Viewer } from '../types.js';
import { isModerator } from '../types.js';
import { buildTree } from './comment-views.js';
import type { PageStates } from './page-states.js';

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
  | { notModified: false; etag: string; body: Buffer; gzipped: Buffer | null };

/** How long a shared response may show the same page-view count. */
export const VIEWS_REFRESH_MS = 1000;

interface CachedThread {
  version: number;
  epoch: number;
  /** The JSON members that depend only on the thread's content, serialised and encoded once. */
  members: Buffer;
  /** The whole response as last built, and when; rebuilt when the view count it shows is a second old. */
  body: Buffer | null;
  builtAt: number;
  /** A compressed body, made in the background, and which body it was made from. */
  gzipped: Buffer | null;
  gzippedFrom: Buffer | null;
  compressing: boolean;
}

/**
 * Reads threads. Anonymous readers all see the same thread, so its serialised
 * form is cached in-process and reused while the page's version (bumped by
 * every write) and the site's visibility epoch are unchanged; together with
 * `PageStates` a cached read needs no Redis round trip and no copy: a
 * 200-comment thread is ~120 KB, so building it per request would dominate the
 * cost. The page-view count in a shared response is at most a second old.
 * Readers with a token get their own view (their pending comments, their
 * votes), read fresh.
 */
export class ThreadReader {
  private readonly cache = new LRUCache<string, CachedThread>({ max: 2000 });

  constructor(
    private readonly store: CommentStore,
    private readonly pages: PageStates,
  ) {}

  async read(viewer: Viewer, query: ThreadQuery): Promise<ThreadResult> {
    const cursor = query.cursor === null ? null : decodeCursor(query.cursor, query.sort);
    const state = await this.pages.view(viewer.siteId, query.page);
    const variant = `${query.sort}|${query.limit}|${query.cursor ?? ''}|${viewer.userId ?? ''}|${viewer.role}`;
    const shared = viewer.userId === null && !isModerator(viewer);
    const cacheKey = `${viewer.siteId}|${query.page.id}|${variant}`;

    if (shared) {
      const etag = makeEtag(state, variant);
      if (query.ifNoneMatch !== null && matchesEtag(query.ifNoneMatch, etag))
        return { notModified: true, etag };
      const cached = this.cache.get(cacheKey);
      // Versions only grow: a copy read at or after the version we know is current enough.
      if (cached && cached.version >= state.version && cached.epoch >= state.epoch) {
        return { notModified: false, etag, ...shareable(cached, query.page.id, state.views) };
      }
    }

    const thread = await this.store.readThread(viewer.siteId, query.page.id, {
      ...SORTS[query.sort],
      cursor,
      limit: query.limit,
      viewerId: viewer.userId,
      viewerIsModerator: isModerator(viewer),
    });
    // The thread read carries its own version: the one to tag, and for personal views the only fresh one.
    const etag = makeEtag(thread, variant);
    if (query.ifNoneMatch !== null && matchesEtag(query.ifNoneMatch, etag))
      return { notModified: true, etag };
    const tree = buildTree(thread.comments, thread.authors, viewer.userId ? thread.votes : null);
    const members = Buffer.from(
      `,"tree":${JSON.stringify({ comments: tree, updated_at: thread.updated })},"total":${thread.count},"next_cursor":${JSON.stringify(thread.next ? encodeCursor(query.sort, thread.next) : null)},"pinned":${JSON.stringify(thread.pinned)},"locked":${thread.locked}}`,
    );
    if (!shared)
      return { notModified: false, etag, body: envelope(query.page.id, state.views, members), gzipped: null };
    const entry: CachedThread = {
      version: thread.version,
      epoch: thread.epoch,
      members,
      body: null,
      builtAt: 0,
      gzipped: null,
      gzippedFrom: null,
      compressing: false,
    };
    this.cache.set(cacheKey, entry);
    return { notModified: false, etag, ...shareable(entry, query.page.id, state.views) };
  }
}

/**
 * The shared response: the same bytes for every anonymous reader until the view
 * count in it is a second old, so serving it copies nothing, and its gzip form
 * (a sixth of the size) is made once per rebuild, off the request path.
 */
function shareable(
  entry: CachedThread,
  pageId: string,
  views: number,
): { body: Buffer; gzipped: Buffer | null } {
  const now = Date.now();
  if (!entry.body || now - entry.builtAt >= VIEWS_REFRESH_MS) {
    entry.body = envelope(pageId, views, entry.members);
    entry.builtAt = now;
  }
  // Until the new body is compressed, the previous compressed one (same thread, an older
  // view count) keeps serving gzip clients.
  if (entry.gzippedFrom !== entry.body && !entry.compressing) {
    const source = entry.body;
    entry.compressing = true;
    gzip(source, (error, result) => {
      entry.compressing = false;
      if (error) return;
      entry.gzipped = result;
      entry.gzippedFrom = source;
    });
  }
  return { body: entry.body, gzipped: entry.gzipped };
}

const envelope = (pageId: string, views: number, members: Buffer) => {
  const head = `{"page_id":"${pageId}","pageviews":${views}`;
  const body = Buffer.allocUnsafe(head.length + members.length);
  body.write(head, 0, 'latin1');
  members.copy(body, head.length);
  return body;
};

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
