import { createHash } from 'node:crypto';
import { gzip } from 'node:zlib';
import { LRUCache } from 'lru-cache';
import { invalid, notFound } from '../errors.js';
import type { PageIndex } from '../keys.js';
import type { PageRef } from '../page-identity.js';
import type {
  CommentStore,
  PageState,
  ReaderOverlay,
  ReplyLimits,
  ThreadPage,
} from '../store/comment-store.js';
import type { CommentView, SortOrder, StoredComment, Viewer, VoteDirection } from '../types.js';
import { isModerator } from '../types.js';
import { type AuthenticatedViewer, sessionStateOf, viewerOf } from './auth-service.js';
import { buildTree } from './comment-views.js';
import { mergeHidden, type Order } from './hidden-merge.js';
import type { PageStates } from './page-states.js';
import { controversyScore, hotScore } from './scores.js';

export const DEFAULT_LIMIT = 50;
export const MAX_LIMIT = 200;
/** Replies shown under each comment unless a read asks otherwise. */
export const DEFAULT_REPLIES = 5;
export const MAX_REPLIES = 50;
/** Replies one read shows under one root, as a multiple of the replies per comment. */
const REPLIES_PER_ROOT_FACTOR = 4;
/** Replies one read shows in all, whatever its limits. */
const MAX_REPLIES_PER_READ = 500;
/** The newest hidden comments of a page merged into a reader's view (their own, or all for moderators). */
export const MAX_HIDDEN_SHOWN = 100;

const SORTS: Record<SortOrder, { index: PageIndex; direction: 'asc' | 'desc' }> = {
  new: { index: 'new', direction: 'desc' },
  old: { index: 'new', direction: 'asc' },
  top: { index: 'top', direction: 'desc' },
  hot: { index: 'hot', direction: 'desc' },
  controversial: { index: 'con', direction: 'desc' },
};

export interface ThreadQuery {
  page: PageRef;
  sort: SortOrder;
  limit: number;
  /** Replies shown under each comment. */
  replies: number;
  cursor: string | null;
  ifNoneMatch: string | null;
  /** Where the thread's "Powered by ThreadKit" link goes, when the site's plan shows one (SaaS Free). */
  poweredBy: string | null;
}

export interface RepliesQuery {
  commentId: string;
  limit: number;
  replies: number;
  cursor: string | null;
}

export interface RepliesPage {
  comment_id: string;
  comments: CommentView[];
  next_cursor: string | null;
  votes?: Record<string, VoteDirection>;
}

export type ThreadResult =
  | { notModified: true; etag: string }
  | {
      notModified: false;
      etag: string;
      /** The JSON body in pieces, to be sent one after another: the shared bytes are not copied per reader. */
      body: Buffer[];
      gzipped: Buffer | null;
    };

/** What the cached threads of one instance may hold in all. */
const THREAD_CACHE_BYTES = 64 * 1024 * 1024;

/** How long a shared response may show the same page-view count. */
const VIEWS_REFRESH_MS = 1000;

type Cursor = { score: string; id: string };

/** A query's shared thread: its cache entry, the page as read when this reader read it, and how to read it again. */
interface SharedThread {
  entry: CachedThread;
  thread: ThreadPage | null;
  readPage: () => Promise<ThreadPage>;
}

interface CachedThread {
  version: number;
  epoch: number;
  /** The ids in the thread, for a signed-in reader's votes (and as a set, made on the first such read). */
  ids: string[];
  idSet: Set<string> | null;
  /** The JSON members that depend only on the thread's content, serialised and encoded once, without the closing brace. */
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
 * Reads threads. Every reader sees the same public thread: hidden comments
 * are not in it (`docs/redis.md`), so its serialised form is cached
 * in-process and reused while the page's version (bumped by every write) and
 * the site's visibility epoch are unchanged; together with `PageStates` a
 * cached read needs no Redis round trip and no copy. A signed-in reader gets
 * the same bytes with their votes added (one script call), and only a reader who
 * has hidden comments on the page (their own pending ones; every hidden one
 * for moderators) gets a thread built for them.
 */
export class ThreadReader {
  // Bounded by bytes, not entries: a thread of 200 comments is about 120 KB, held twice (its
  // members, and the body made of them; the gzip form adds a tenth).
  private readonly cache = new LRUCache<string, CachedThread>({
    maxSize: THREAD_CACHE_BYTES,
    sizeCalculation: (entry) => Math.max(1, Math.ceil(entry.members.length * 2.2)),
  });

  /**
   * The shared thread being read and built now, by cache key: one at a time.
   * Readers that need a new copy wait for the one under way, or for the next.
   */
  private readonly building = new Map<string, Promise<CachedThread>>();

  /** The cache key and ETag digest of a query that `readCached` is asked again and again (its caller keeps it). */
  private readonly cacheNames = new WeakMap<object, { key: string; digest: string }>();

  constructor(
    private readonly store: CommentStore,
    private readonly pages: PageStates,
  ) {}

  /** A page of the thread as `viewer` sees it; counts a page view unless `countsView` is false. */
  async read(viewer: Viewer, query: ThreadQuery, { countsView = true } = {}): Promise<ThreadResult> {
    const cursor = query.cursor === null ? null : decodeCursor(query.cursor, query.sort);
    const state = await this.pages.view(viewer.siteId, query.page, countsView);
    const personal = viewer.userId !== null || isModerator(viewer);
    const etag = makeEtag(state, personal ? personalVariant(query, viewer) : variantOf(query));
    if (query.ifNoneMatch !== null && matchesEtag(query.ifNoneMatch, etag))
      return { notModified: true, etag };

    const shared = await this.shared(viewer.siteId, query, state, cursor);
    if (!personal) {
      const { body, gzipped } = shareable(shared.entry, query.page.id, state.views);
      return { notModified: false, etag, body: [body], gzipped };
    }
    // Most signed-in readers have nothing hidden on the page: their votes are asked for at the same time.
    const { entry } = shared;
    entry.idSet ??= new Set(entry.ids);
    const overlay = await this.store.readerOverlay(
      viewer.siteId,
      query.page.id,
      { userId: viewer.userId, moderator: isModerator(viewer) },
      MAX_HIDDEN_SHOWN,
      entry.ids,
      entry.idSet,
    );
    return this.overlaid(viewer, query, cursor, state, shared, overlay, etag);
  }

  /**
   * A signed-in read whose session is checked in the same Redis call that reads
   * the reader's overlay (`CommentStore.signedInRead`): one round trip where
   * `AuthService.authenticate` then `read` take two. Undefined, with no view
   * counted, when the session does not stand (ended, its user gone or banned)
   * or `admit` (the rate limit, asked once the reader is known) declines it:
   * the caller then answers the long way, which says why.
   */
  async readSignedIn(
    siteId: string,
    session: { sessionId: string; userId: string },
    query: ThreadQuery,
    admit: (viewer: AuthenticatedViewer) => Promise<boolean>,
  ): Promise<{ viewer: AuthenticatedViewer; result: ThreadResult } | undefined> {
    const cursor = query.cursor === null ? null : decodeCursor(query.cursor, query.sort);
    const unseen = await this.pages.view(siteId, query.page, false);
    const shared = await this.shared(siteId, query, unseen, cursor);
    const { entry } = shared;
    entry.idSet ??= new Set(entry.ids);
    const read = await this.store.signedInRead(
      siteId,
      query.page.id,
      session,
      MAX_HIDDEN_SHOWN,
      entry.ids,
      entry.idSet,
    );
    const standing = sessionStateOf(session.userId, read.session);
    if (standing.state !== 'active' || !read.overlay) return undefined;
    const viewer = viewerOf(siteId, session.sessionId, standing.user);
    if (!(await admit(viewer))) return undefined;
    const state = this.pages.count(siteId, query.page.id, unseen);
    const etag = makeEtag(state, personalVariant(query, viewer));
    if (query.ifNoneMatch !== null && matchesEtag(query.ifNoneMatch, etag))
      return { viewer, result: { notModified: true, etag } };
    return { viewer, result: await this.overlaid(viewer, query, cursor, state, shared, read.overlay, etag) };
  }

  /** The shared thread of a query, current for `state`: from the cache, or read again (`rebuild`). */
  private async shared(
    siteId: string,
    query: ThreadQuery,
    state: PageState,
    cursor: Cursor | null,
  ): Promise<SharedThread> {
    const readPage = () =>
      this.store.readThread(siteId, query.page.id, {
        source: { index: SORTS[query.sort].index },
        direction: SORTS[query.sort].direction,
        cursor,
        limit: query.limit,
        replies: replyLimits(query.replies),
      });
    const cacheKey = `${siteId}|${query.page.id}|${variantOf(query)}`;
    const cached = this.cache.get(cacheKey);
    if (cached && isCurrent(cached, state)) return { entry: cached, thread: null, readPage };
    return { ...(await this.rebuild(cacheKey, state, readPage, query)), readPage };
  }

  /** A signed-in reader's answer: the shared bytes with their votes, or, with hidden comments to show, a thread built for them. */
  private async overlaid(
    viewer: Viewer,
    query: ThreadQuery,
    cursor: Cursor | null,
    state: PageState,
    { entry, thread, readPage }: SharedThread,
    { hidden, votes }: ReaderOverlay,
    etag: string,
  ): Promise<ThreadResult> {
    if (hidden.length === 0) {
      return {
        notModified: false,
        etag,
        body: envelope(query.page.id, state.views, entry.members, votesMember(votes)),
        gzipped: null,
      };
    }
    // This reader sees more than the public thread: theirs is built for them.
    const page = thread ?? (await readPage());
    const view = await this.personalView(viewer, page, hidden, {
      key: (c) => sortKey(query.sort, c),
      direction: SORTS[query.sort].direction,
      cursor,
      roots: (c) => c.pid === '',
      replies: query.replies,
    });
    return {
      notModified: false,
      etag,
      body: envelope(
        query.page.id,
        state.views,
        Buffer.from(threadMembers(page, view.tree, query.sort, query.poweredBy)),
        votesMember(view.votes),
      ),
      gzipped: null,
    };
  }

  /**
   * An anonymous `read` answered from this instance's caches alone (the page's
   * state and its shared thread), without waiting for anything; undefined when
   * either must be fetched first. `admit` is asked last, once the read would be
   * answered, and may still decline it (the rate limit): then, as when it is
   * undefined, nothing was counted. Like `read`, an answer counts a page view.
   * A cursor in the cache key was valid when that copy was read: one that was
   * not never reaches the cache.
   */
  readCached(
    siteId: string,
    query: Omit<ThreadQuery, 'ifNoneMatch'>,
    ifNoneMatch: string | null,
    admit: () => boolean,
  ): ThreadResult | undefined {
    let names = this.cacheNames.get(query);
    if (!names) {
      const variant = variantOf(query);
      names = { key: `${siteId}|${query.page.id}|${variant}`, digest: variantDigest(variant) };
      this.cacheNames.set(query, names);
    }
    const { digest } = names;
    const entry = this.cache.get(names.key);
    let notModified = false;
    const state = this.pages.cachedView(siteId, query.page.id, (current) => {
      notModified = ifNoneMatch !== null && matchesEtag(ifNoneMatch, etagOf(current, digest));
      return (notModified || (entry !== undefined && isCurrent(entry, current))) && admit();
    });
    if (!state) return undefined;
    const etag = etagOf(state, digest);
    if (notModified) return { notModified: true, etag };
    const { body, gzipped } = shareable(entry!, query.page.id, state.views);
    return { notModified: false, etag, body: [body], gzipped };
  }

  /** The next replies of a comment, each with the first of its own (`GET /v1/comments/:id/replies`). */
  async readReplies(viewer: Viewer, query: RepliesQuery): Promise<RepliesPage> {
    const parent = await this.store.get(viewer.siteId, query.commentId);
    const moderator = isModerator(viewer);
    // Its author and moderators see a hidden comment; anyone else only what readers reach.
    const mayHidden = moderator || (viewer.userId !== null && parent?.a === viewer.userId);
    if (!parent || !(parent.listed || mayHidden)) throw notFound('Comment not found.');
    const cursor = query.cursor === null ? null : decodeCursor(query.cursor, 'replies');
    const thread = await this.store.readThread(viewer.siteId, parent.pg, {
      source: { repliesOf: parent.i },
      direction: 'asc',
      cursor,
      limit: query.limit,
      replies: replyLimits(query.replies),
    });
    if (!thread.reached && !mayHidden) throw notFound('Comment not found.');
    const hidden = await this.store.hidden(
      viewer.siteId,
      parent.pg,
      { userId: viewer.userId, moderator },
      MAX_HIDDEN_SHOWN,
    );
    const { tree, votes } = await this.personalView(viewer, thread, hidden, {
      key: (c) => c.cm,
      direction: 'asc',
      cursor,
      roots: (c) => c.pid === parent.i,
      replies: query.replies,
    });
    return {
      comment_id: parent.i,
      comments: tree,
      next_cursor: thread.next ? encodeCursor('replies', thread.next) : null,
      ...(votes ? { votes: Object.fromEntries(votes) } : {}),
    };
  }

  /**
   * The shared thread of `cacheKey` read again, once for all the readers who
   * need it at the same time. After each write to a busy page, every read that
   * arrived before the new copy was built used to read and serialise the thread
   * itself: at 300 operations a second with 30 writes (`threadkit loadtest
   * mixed`) that cost about 1.7 times the CPU per operation, and each slower
   * read let more pile up behind the next write. A reader that finds a build under way waits for it,
   * and builds its own only if that one turns out older than the state it knows
   * (a write came in between) or failed. `thread` is the page as read, when
   * this reader read it.
   */
  private async rebuild(
    cacheKey: string,
    state: PageState,
    readPage: () => Promise<ThreadPage>,
    query: ThreadQuery,
  ): Promise<{ entry: CachedThread; thread: ThreadPage | null }> {
    // A copy under way that began before a write this reader knows of is out of date for it: it
    // waits for that copy to end and then takes the next, with everyone who came meanwhile. Under a
    // stream of writes the copies are read back to back, never side by side (each would cost as
    // much, and the server would fall behind), and every reader still gets one begun after it came.
    for (let pending = this.building.get(cacheKey); pending; ) {
      const entry = await pending.catch(() => null);
      if (entry && isCurrent(entry, state)) return { entry, thread: null };
      const next = this.building.get(cacheKey);
      pending = next === pending ? undefined : next;
    }
    const built = readPage().then((thread) => ({ thread, entry: entryOf(thread, query) }));
    const shared = built.then(({ entry }) => entry);
    // Waiting readers see a failure as no build (and read for themselves); this one gets it below.
    shared.catch(() => {});
    this.building.set(cacheKey, shared);
    try {
      const { thread, entry } = await built;
      this.cache.set(cacheKey, entry);
      return { entry, thread };
    } finally {
      if (this.building.get(cacheKey) === shared) this.building.delete(cacheKey);
    }
  }

  /** A page of the public thread as one reader sees it: their hidden comments merged in, and their votes. */
  private async personalView(
    viewer: Viewer,
    thread: ThreadPage,
    hidden: StoredComment[],
    order: Order,
  ): Promise<{ tree: CommentView[]; votes: Map<string, VoteDirection> | null }> {
    const merged = await mergeHidden(this.store, viewer, thread, hidden, order);
    const ids = merged.comments.map((c) => c.i);
    const votes = viewer.userId ? await this.store.votesOf(viewer.siteId, viewer.userId, ids) : null;
    const tree = buildTree({
      roots: merged.roots,
      replies: merged.comments.filter((c) => !merged.rootIds.has(c.i)),
      authors: merged.authors,
      replyCounts: merged.replyCounts,
      cursorAfter: replyCursor,
    });
    return { tree, votes };
  }
}

/** The cache entry of a thread just read. */
function entryOf(thread: ThreadPage, query: ThreadQuery): CachedThread {
  const tree = publicTree(thread);
  return {
    version: thread.version,
    epoch: thread.epoch,
    ids: thread.comments.map((c) => c.i),
    idSet: null,
    members: Buffer.from(threadMembers(thread, tree, query.sort, query.poweredBy)),
    body: null,
    builtAt: 0,
    gzipped: null,
    gzippedFrom: null,
    compressing: false,
  };
}

/** What of a query, besides the page, picks one cached copy of its thread. */
const variantOf = (query: Omit<ThreadQuery, 'ifNoneMatch'>) =>
  `${query.sort}|${query.limit}|${query.replies}|${query.cursor ?? ''}${query.poweredBy ? `|${query.poweredBy}` : ''}`;

/** A signed-in reader's ETag variant: their own votes and rank change what they see. */
const personalVariant = (query: Omit<ThreadQuery, 'ifNoneMatch'>, viewer: Viewer) =>
  `${variantOf(query)}|${viewer.userId ?? ''}|${viewer.role}`;

/** Versions only grow: a copy read at or after the version and epoch we know is current enough. */
const isCurrent = (entry: CachedThread, state: Pick<PageState, 'version' | 'epoch'>) =>
  entry.version >= state.version && entry.epoch >= state.epoch;

const replyLimits = (perComment: number): ReplyLimits => ({
  perComment,
  perRoot: perComment * REPLIES_PER_ROOT_FACTOR,
  total: MAX_REPLIES_PER_READ,
});

/** The public thread of a page as a tree: the roots in the order read, each with the first of its replies. */
function publicTree(thread: ThreadPage): CommentView[] {
  const roots = thread.comments.filter((c) => c.pid === '');
  const rootIds = new Set(roots.map((c) => c.i));
  return buildTree({
    roots,
    replies: thread.comments.filter((c) => !rootIds.has(c.i)),
    authors: thread.authors,
    replyCounts: thread.replyCounts,
    cursorAfter: replyCursor,
  });
}

/** The members of a thread response after `page_id` and `pageviews`, without the closing brace. */
function threadMembers(
  thread: ThreadPage,
  tree: CommentView[],
  sort: SortOrder,
  poweredBy: string | null,
): string {
  const next = thread.next ? encodeCursor(sort, thread.next) : null;
  const link = poweredBy ? `,"powered_by":${JSON.stringify(poweredBy)}` : '';
  return `,"tree":${JSON.stringify({ comments: tree, updated_at: thread.updated })},"total":${thread.count},"next_cursor":${JSON.stringify(next)},"pinned":${JSON.stringify(thread.pinned)},"locked":${thread.locked}${link}`;
}

const votesMember = (votes: Map<string, VoteDirection> | null): string =>
  votes ? `,"votes":${JSON.stringify(Object.fromEntries(votes))}` : '';

/** Where a comment's position in a sort is: the score its page index holds. */
function sortKey(sort: SortOrder, c: StoredComment): number {
  switch (sort) {
    case 'new':
    case 'old':
      return c.cm;
    case 'top':
      return c.u - c.d;
    case 'hot':
      return hotScore(c.u, c.d, c.cm);
    case 'controversial':
      return controversyScore(c.u, c.d);
  }
}

const replyCursor = (reply: StoredComment) =>
  encodeCursor('replies', { score: String(reply.cm), id: reply.i });

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
    entry.body = Buffer.concat(envelope(pageId, views, entry.members, ''));
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

/** A thread response in three pieces: the page and its view count, the shared members, what closes it. */
const envelope = (pageId: string, views: number, members: Buffer, tail: string): Buffer[] => [
  Buffer.from(`{"page_id":"${pageId}","pageviews":${views}`, 'latin1'),
  members,
  Buffer.from(`${tail}}`),
];

// A variant's digest is the same on every read of it: worked out once.
const digests = new LRUCache<string, string>({ max: 10_000 });

function makeEtag(state: Pick<PageState, 'version' | 'epoch'>, variant: string): string {
  return etagOf(state, variantDigest(variant));
}

function variantDigest(variant: string): string {
  let digest = digests.get(variant);
  if (digest === undefined) {
    digest = createHash('sha1').update(variant).digest('base64url').slice(0, 12);
    digests.set(variant, digest);
  }
  return digest;
}

const etagOf = (state: Pick<PageState, 'version' | 'epoch'>, digest: string) =>
  `W/"${state.version}.${state.epoch}.${digest}"`;

function matchesEtag(header: string, etag: string): boolean {
  if (header.trim() === '*') return true;
  const bare = (tag: string) => tag.trim().replace(/^W\//, '');
  return header.split(',').some((tag) => bare(tag) === bare(etag));
}

/** Cursors are opaque to clients: what they page through (a sort, or replies) and the last item's (score, id). */
function encodeCursor(kind: SortOrder | 'replies', at: { score: string; id: string }): string {
  return Buffer.from(JSON.stringify([kind, at.score, at.id])).toString('base64url');
}

function decodeCursor(cursor: string, kind: SortOrder | 'replies'): { score: string; id: string } {
  try {
    const [cursorKind, score, id] = JSON.parse(
      Buffer.from(cursor, 'base64url').toString('utf8'),
    ) as unknown[];
    if (
      cursorKind === kind &&
      typeof score === 'string' &&
      Number.isFinite(Number(score)) &&
      typeof id === 'string'
    ) {
      return { score, id };
    }
  } catch {
    // fall through to the error below
  }
  throw invalid('cursor', 'cursor is not valid here; start again without it');
}
