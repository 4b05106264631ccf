import { keys, type PageIndex, sitePrefix } from '../keys.js';
import type { StoredComment, VoteDirection } from '../types.js';
import { decodeComment } from './comment-record.js';
import type { LogSettings, PageLog } from './realtime-store.js';
import { confirmReplicated, type RedisClient, type ReplicaWait, translateRedisError } from './redis.js';
import { type ReaderOverlayReply, runScript, runScriptBuffers } from './scripts.js';
import { USAGE_TOP_PAGES, USAGE_TTL_SECONDS } from './usage-store.js';
import { type SessionRecord, sessionRecordOf, USER_FIELDS } from './user-store.js';

/** How many keys one pipelined read names at most (bulk reads such as a data export). */
const READ_BATCH = 500;
/** How long a post's `Idempotency-Key` is remembered: a day, as long as any client retries. */
export const POST_ONCE_SECONDS = 86_400;

export interface AuthorRow {
  name: string;
  avatar: string | null;
  karma: number;
  role?: 'user' | 'moderator' | 'admin';
  /** A guest: a name without an account. */
  guest?: boolean;
}

export interface ThreadPage {
  version: number;
  epoch: number;
  /** Public comment count of the page (all depths). */
  count: number;
  updated: number;
  /** Where the next page starts, or null on the last page. */
  next: { score: string; id: string } | null;
  pinned: string[];
  /** Listed comments, each root followed breadth-first by the first of its replies. */
  comments: StoredComment[];
  /** How many listed replies each comment has (those shown and those beyond). */
  replyCounts: Map<string, number>;
  authors: Map<string, AuthorRow>;
  /** The page (or the whole site) is read-only. */
  locked: boolean;
  /**
   * Whether readers come to where these comments are, walking down from the
   * roots: always for a page's roots; for a comment's replies, not when a
   * comment above them is hidden.
   */
  reached: boolean;
}

/** How many replies one read shows under each comment, each root, and in all. */
export interface ReplyLimits {
  perComment: number;
  perRoot: number;
  total: number;
}

export interface PageState {
  views: number;
  version: number;
  epoch: number;
  count: number;
  updated: number;
}

/** What a signed-in reader sees beyond the shared thread: the hidden comments they may see, their votes (with an account). */
export interface ReaderOverlay {
  hidden: StoredComment[];
  votes: Map<string, VoteDirection> | null;
}

export interface ReadThreadOptions {
  /** The roots: a page index, or a comment's replies (oldest first). */
  source: { index: PageIndex } | { repliesOf: string };
  direction: 'asc' | 'desc';
  cursor: { score: string; id: string } | null;
  limit: number;
  replies: ReplyLimits;
}

const flag = (value: boolean) => (value ? '1' : '0');

/** The comment engine's storage: the only code that reads or writes comment keys. */
export class CommentStore {
  constructor(
    private readonly redis: RedisClient,
    /** Replicas each write of a comment or a vote waits for (`REDIS_WAIT_REPLICAS`); null: none. */
    private readonly replicaWait: ReplicaWait | null = null,
  ) {}

  async get(siteId: string, commentId: string): Promise<StoredComment | null> {
    const raw = await this.redis.getBuffer(keys.comment(siteId, commentId)).catch(translateRedisError);
    return raw ? decodeComment(commentId, raw) : null;
  }

  /** The comments that exist among `ids`, in that order. */
  getMany(siteId: string, ids: string[]): Promise<StoredComment[]> {
    return readComments(this.redis, siteId, ids);
  }

  /**
   * Stores a new comment and returns whether everyone may see it, and the
   * parent it went under: a reply to a comment on level `maxDepth` goes
   * beside it, under that comment's parent. `html` is what the store keeps of
   * the rendering: '' when it is the plain one.
   */
  async create(
    siteId: string,
    comment: {
      id: string;
      pageId: string;
      parentId: string;
      authorId: string;
      markdown: string;
      html: string;
      createdMs: number;
      status: 'approved' | 'pending';
      holdReason: string;
    },
    options: {
      isModerator: boolean;
      pageUrl: string | null;
      pageKey: string | null;
      queue: boolean;
      maxDepth: number;
      /**
       * Where the comment is counted: its UTC month and day, and the month's
       * limit of the site's plan (0: none), checked in the same step; and how
       * many pages the month's top pages by comments keep (default `USAGE_TOP_PAGES`).
       */
      usage: { month: string; day: string; limit: number; topPages?: number | undefined };
      /**
       * The comment's `new_comment` (`newCommentAnnouncements`), logged and
       * published in the same step as the write: no crash can come between them.
       */
      announce?: { log: PageLog; everyone: string; hidden: string };
      /**
       * The post's `Idempotency-Key` and a digest of what it posts: a post
       * with a key its author used in the last `POST_ONCE_SECONDS` stores
       * nothing and answers the comment stored then (`repeatOf`), or refuses
       * (conflict) when the digest differs.
       */
      once?: { key: string; digest: string };
    },
  ): Promise<{ isPublic: boolean; parentId: string; repeatOf?: string }> {
    const once = options.once;
    const [isPublic, parentId] = await runScript(
      this.redis,
      'createComment',
      [keys.page(siteId, comment.pageId)],
      [
        sitePrefix(siteId),
        comment.id,
        comment.pageId,
        comment.parentId,
        comment.authorId,
        comment.markdown,
        comment.html,
        comment.createdMs,
        comment.status,
        comment.holdReason,
        flag(options.isModerator),
        options.pageUrl ?? '',
        options.pageKey ?? '',
        flag(options.queue),
        options.maxDepth,
        options.usage.month,
        options.usage.day,
        options.usage.limit,
        USAGE_TTL_SECONDS,
        options.usage.topPages ?? USAGE_TOP_PAGES,
        once ? keys.postOnce(siteId, comment.authorId, once.key) : '',
        once ? `${comment.id} ${once.digest}` : '',
        POST_ONCE_SECONDS,
        ...(options.announce
          ? [...options.announce.log, options.announce.everyone, options.announce.hidden]
          : []),
      ],
    ).catch(translateRedisError);
    // A replay too: the first post's write may be what has not reached the replicas yet.
    await confirmReplicated(this.redis, keys.page(siteId, comment.pageId), this.replicaWait);
    if (isPublic === -1) return { isPublic: false, parentId: '', repeatOf: String(parentId) };
    return { isPublic: isPublic === 1, parentId: String(parentId) };
  }

  /**
   * Replaces a comment's text. `hold` takes a published comment back to
   * pending (and records `holdReason` on a pending one); `queue` puts it in
   * the review queue. Returns it, and whether everyone could see it before
   * and can now.
   */
  async edit(
    siteId: string,
    commentId: string,
    edit: {
      editorId: string;
      markdown: string;
      html: string;
      now: number;
      hold: boolean;
      holdReason: string;
      queue: boolean;
    },
  ): Promise<{ comment: StoredComment; wasPublic: boolean; isPublic: boolean }> {
    const [record, wasPublic, isPublic] = await runScriptBuffers(
      this.redis,
      'editComment',
      [keys.comment(siteId, commentId)],
      [
        sitePrefix(siteId),
        edit.editorId,
        edit.markdown,
        edit.html,
        edit.now,
        flag(edit.hold),
        edit.holdReason,
        flag(edit.queue),
      ],
    ).catch(translateRedisError);
    await confirmReplicated(this.redis, keys.comment(siteId, commentId), this.replicaWait);
    return {
      comment: decodeComment(commentId, record),
      wasPublic: wasPublic === 1,
      isPublic: isPublic === 1,
    };
  }

  async delete(
    siteId: string,
    commentId: string,
    /** Who deletes, and their rank (`RANK`): moderators delete others' comments below their rank. */
    actor: { id: string; rank: number; now: number },
  ): Promise<{
    pageId: string;
    placeholder: boolean;
    wasPublic: boolean;
    authorId: string;
    removed: string[];
  }> {
    const [pageId, placeholder, wasPublic, authorId, ...removed] = await runScript(
      this.redis,
      'deleteComment',
      [keys.comment(siteId, commentId)],
      [sitePrefix(siteId), actor.id, actor.rank, actor.now],
    ).catch(translateRedisError);
    await confirmReplicated(this.redis, keys.comment(siteId, commentId), this.replicaWait);
    return {
      pageId: String(pageId),
      placeholder: placeholder === 1,
      wasPublic: wasPublic === 1,
      authorId: String(authorId),
      removed: removed.map(String),
    };
  }

  async vote(
    siteId: string,
    commentId: string,
    vote: { voterId: string; direction: VoteDirection; voterIsModerator: boolean },
    /**
     * The vote's `vote_update` (`voteUpdateAnnouncements`), logged and
     * published in the same step as the vote, in the comment page's log.
     */
    announce?: { log: LogSettings; everyone: string; hidden: string },
  ): Promise<{
    upvotes: number;
    downvotes: number;
    userVote: VoteDirection | null;
    pageId: string;
    authorId: string;
    isPublic: boolean;
  }> {
    const [upvotes, downvotes, userVote, pageId, authorId, isPublic] = await runScript(
      this.redis,
      'vote',
      [keys.comment(siteId, commentId), keys.userVotes(siteId, vote.voterId)],
      [
        sitePrefix(siteId),
        vote.voterId,
        vote.direction,
        flag(vote.voterIsModerator),
        ...(announce ? [...announce.log, announce.everyone, announce.hidden] : []),
      ],
    ).catch(translateRedisError);
    await confirmReplicated(this.redis, keys.comment(siteId, commentId), this.replicaWait);
    return {
      upvotes,
      downvotes,
      userVote: (userVote || null) as VoteDirection | null,
      pageId,
      authorId,
      isPublic: isPublic === 1,
    };
  }

  /** Records a report; returns how many users have reported the comment. */
  async report(
    siteId: string,
    commentId: string,
    report: {
      reporterId: string;
      reporterIsModerator: boolean;
      reason: string;
      details: string;
      now: number;
    },
  ): Promise<number> {
    const record = JSON.stringify({
      reason: report.reason,
      details: report.details,
      created_at: Math.floor(report.now / 1000),
    });
    return runScript(
      this.redis,
      'reportComment',
      [keys.comment(siteId, commentId), keys.commentReports(siteId, commentId)],
      [sitePrefix(siteId), report.reporterId, record, report.now, flag(report.reporterIsModerator)],
    ).catch(translateRedisError);
  }

  /** Pins or unpins a root comment; returns its page id and whether everyone may see it. */
  async setPinned(
    siteId: string,
    commentId: string,
    pinned: boolean,
    now: number,
    maxPins: number,
  ): Promise<{ pageId: string; isPublic: boolean; authorId: string }> {
    const [pageId, isPublic, authorId] = await runScript(
      this.redis,
      'pinComment',
      [keys.comment(siteId, commentId)],
      [sitePrefix(siteId), flag(pinned), now, maxPins],
    ).catch(translateRedisError);
    return { pageId, isPublic: isPublic === 1, authorId };
  }

  /** Adds `views` page views (0 just reads) and returns the page's current state. */
  async viewPage(
    siteId: string,
    page: { id: string; key: string | null },
    views: number,
  ): Promise<PageState> {
    const [total, version, epoch, count, updated] = await runScript(
      this.redis,
      'pageView',
      [keys.page(siteId, page.id)],
      [sitePrefix(siteId), views, page.key ?? ''],
    ).catch(translateRedisError);
    return { views: total, version, epoch, count, updated };
  }

  /** One page of the public thread (`read_thread.lua`): what every reader sees, whoever they are. */
  async readThread(siteId: string, pageId: string, options: ReadThreadOptions): Promise<ThreadPage> {
    const fromReplies = 'repliesOf' in options.source;
    const reply = await runScriptBuffers(
      this.redis,
      'readThread',
      [keys.page(siteId, pageId)],
      [
        sitePrefix(siteId),
        pageId,
        fromReplies ? 'replies' : 'page',
        'repliesOf' in options.source ? options.source.repliesOf : options.source.index,
        options.direction,
        options.cursor?.score ?? '',
        options.cursor?.id ?? '',
        options.limit,
        flag(options.cursor === null && !fromReplies),
        options.replies.perComment,
        options.replies.perRoot,
        options.replies.total,
      ],
    ).catch(translateRedisError);
    const [version, epoch, count, updated, nextScore, nextId, pinned, rows, locked, reached] = reply;
    const comments: StoredComment[] = [];
    const replyCounts = new Map<string, number>();
    for (let i = 0; i < rows.length; i += 3) {
      const id = String(rows[i]);
      comments.push(decodeComment(id, rows[i + 1] as Buffer));
      replyCounts.set(id, rows[i + 2] as number);
    }
    // Looked up after the script rather than in it: a script call blocks every other client.
    const authors = await this.authors(siteId, [...new Set(comments.map((c) => c.a))]);
    const next = nextId.length > 0 ? { score: String(nextScore), id: String(nextId) } : null;
    return {
      version,
      epoch,
      count,
      updated,
      next,
      pinned: pinned.map(String),
      comments,
      replyCounts,
      authors,
      locked: locked === 1,
      reached: reached === 1,
    };
  }

  /**
   * The newest hidden comments of a page that a viewer may see: all of them
   * for a moderator, their own for anyone else; at most `max`.
   */
  async hidden(
    siteId: string,
    pageId: string,
    viewer: { userId: string | null; moderator: boolean },
    max: number,
  ): Promise<StoredComment[]> {
    if (!viewer.moderator && viewer.userId === null) return [];
    const index = viewer.moderator
      ? keys.pageHidden(siteId, pageId)
      : keys.pageHiddenBy(siteId, pageId, viewer.userId!);
    const ids = await this.redis.zrevrange(index, 0, max - 1).catch(translateRedisError);
    return this.getMany(siteId, ids);
  }

  /**
   * The first `limit` listed replies of each of these comments (oldest first;
   * none for 0) and how many listed replies each has: the replies under
   * hidden comments, which no walk of the public thread reaches.
   */
  async firstReplies(
    siteId: string,
    parentIds: string[],
    limit: number,
  ): Promise<{ replies: StoredComment[]; counts: Map<string, number> }> {
    if (parentIds.length === 0) return { replies: [], counts: new Map() };
    const pipeline = this.redis.pipeline();
    for (const id of parentIds) {
      if (limit > 0) pipeline.zrange(keys.replies(siteId, id), 0, limit - 1);
      pipeline.zcard(keys.replies(siteId, id));
    }
    const answers = (await pipeline.exec().catch(translateRedisError)) ?? [];
    for (const [error] of answers) if (error) translateRedisError(error);
    const per = limit > 0 ? 2 : 1;
    const counts = new Map<string, number>();
    const ids: string[] = [];
    parentIds.forEach((id, i) => {
      if (limit > 0) ids.push(...((answers[per * i]?.[1] ?? []) as string[]));
      counts.set(id, (answers[per * i + per - 1]?.[1] ?? 0) as number);
    });
    return { replies: await this.getMany(siteId, ids), counts };
  }

  /** The viewer's votes among these comments. */
  async votesOf(
    siteId: string,
    userId: string,
    commentIds: readonly string[],
    /** The same ids as a set, when the caller keeps one (a cached thread's). */
    wanted: ReadonlySet<string> = new Set(commentIds),
  ): Promise<Map<string, VoteDirection>> {
    if (commentIds.length === 0) return new Map();
    const key = keys.userVotes(siteId, userId);
    const all = await runScript(this.redis, 'votesOn', [key], [commentIds.length]).catch(translateRedisError);
    return this.votesAmong(key, all, commentIds, wanted);
  }

  /**
   * What a signed-in thread read adds to the shared thread, in one script call
   * (`reader_overlay.lua`): the newest hidden comments the viewer may see (as
   * `hidden` gives them) and, with an account, their votes among `commentIds`
   * (as `votesOf`).
   */
  async readerOverlay(
    siteId: string,
    pageId: string,
    viewer: { userId: string | null; moderator: boolean },
    max: number,
    commentIds: readonly string[],
    wanted: ReadonlySet<string>,
  ): Promise<ReaderOverlay> {
    const { userId } = viewer;
    if (!viewer.moderator && userId === null) return { hidden: [], votes: null };
    const index = viewer.moderator
      ? keys.pageHidden(siteId, pageId)
      : keys.pageHiddenBy(siteId, pageId, userId!);
    const votesKey = userId === null ? null : keys.userVotes(siteId, userId);
    const answer = await runScript(this.redis, 'readerOverlay', votesKey ? [index, votesKey] : [index], [
      max,
      commentIds.length,
    ]).catch(translateRedisError);
    return this.overlayOf(siteId, answer, votesKey, commentIds, wanted);
  }

  /**
   * A signed-in thread read's Redis work in one round trip (`signed_in_read.lua`):
   * the session check `UserStore.sessionState` makes and, only when the session is
   * its user's and they are not banned, `readerOverlay` for their rank (null otherwise).
   */
  async signedInRead(
    siteId: string,
    pageId: string,
    session: { sessionId: string; userId: string },
    max: number,
    commentIds: readonly string[],
    wanted: ReadonlySet<string>,
  ): Promise<{ session: SessionRecord; overlay: ReaderOverlay | null }> {
    const { userId } = session;
    const votesKey = keys.userVotes(siteId, userId);
    const [state, overlay] = await runScript(
      this.redis,
      'signedInRead',
      [
        keys.session(siteId, session.sessionId),
        keys.user(siteId, userId),
        keys.banned(siteId),
        keys.pageHidden(siteId, pageId),
        keys.pageHiddenBy(siteId, pageId, userId),
        votesKey,
      ],
      [userId, max, commentIds.length, ...USER_FIELDS],
    ).catch(translateRedisError);
    return {
      session: sessionRecordOf(userId, state),
      overlay: overlay ? await this.overlayOf(siteId, overlay, votesKey, commentIds, wanted) : null,
    };
  }

  /** The overlay from `reader_overlay`'s answer (prelude.lua): the hidden comments read, the votes among the thread's. */
  private async overlayOf(
    siteId: string,
    [ids, all]: ReaderOverlayReply,
    votesKey: string | null,
    commentIds: readonly string[],
    wanted: ReadonlySet<string>,
  ): Promise<ReaderOverlay> {
    const [hidden, votes] = await Promise.all([
      this.getMany(siteId, ids),
      votesKey ? this.votesAmong(votesKey, all ?? null, commentIds, wanted) : null,
    ]);
    return { hidden, votes };
  }

  /** Votes from `votes_on.lua`'s answer: all the user's (the ones wanted are kept), or null, and then by id. */
  private async votesAmong(
    key: string,
    all: string[] | null,
    commentIds: readonly string[],
    wanted: ReadonlySet<string>,
  ): Promise<Map<string, VoteDirection>> {
    const votes = new Map<string, VoteDirection>();
    if (all === null) {
      if (commentIds.length === 0) return votes;
      const values = await this.redis.hmget(key, ...commentIds).catch(translateRedisError);
      values.forEach((value, i) => {
        if (value) votes.set(commentIds[i]!, value === 'u' ? 'up' : 'down');
      });
      return votes;
    }
    // The user's votes on other pages are in the answer too.
    for (let i = 0; i < all.length; i += 2) {
      const id = all[i]!;
      if (wanted.has(id)) votes.set(id, all[i + 1] === 'u' ? 'up' : 'down');
    }
    return votes;
  }

  /** Authors as threads show them. */
  async authors(siteId: string, userIds: string[]): Promise<Map<string, AuthorRow>> {
    const rows = await Promise.all(
      userIds.map((id) =>
        this.redis.hmget(keys.user(siteId, id), 'name', 'avatar', 'karma', 'role', 'guest'),
      ),
    ).catch(translateRedisError);
    const authors = new Map<string, AuthorRow>();
    rows.forEach(([name, avatar, karma, role, guest], i) => {
      if (!name) return;
      authors.set(userIds[i]!, {
        name,
        avatar: avatar || null,
        karma: Number(karma ?? 0),
        role: (role as AuthorRow['role']) || 'user',
        guest: guest === '1',
      });
    });
    return authors;
  }

  /**
   * The user's reports of these comments, in that order (null where none
   * stands): one pipelined round trip per `READ_BATCH` comments, so an
   * account with thousands of reports neither waits on one call each nor
   * sends Redis one unbounded command.
   */
  async reportsBy(
    siteId: string,
    commentIds: string[],
    userId: string,
  ): Promise<({ reason: string; details: string; created_at: number } | null)[]> {
    const raws = await this.hashFieldBatches(
      commentIds.map((id) => keys.commentReports(siteId, id)),
      userId,
    );
    return raws.map((raw) => (raw ? JSON.parse(raw) : null));
  }

  /** The URLs of these pages, in that order (null for a page without one), read in batches. */
  async pageUrls(siteId: string, pageIds: string[]): Promise<(string | null)[]> {
    return this.hashFieldBatches(
      pageIds.map((id) => keys.page(siteId, id)),
      'url',
    );
  }

  /** One field of each hash, pipelined `READ_BATCH` keys at a time. */
  private async hashFieldBatches(hashKeys: string[], field: string): Promise<(string | null)[]> {
    const values: (string | null)[] = [];
    for (let from = 0; from < hashKeys.length; from += READ_BATCH) {
      const pipeline = this.redis.pipeline();
      for (const key of hashKeys.slice(from, from + READ_BATCH)) pipeline.hget(key, field);
      const answers = (await pipeline.exec().catch(translateRedisError)) ?? [];
      for (const [error, value] of answers) {
        if (error) translateRedisError(error);
        values.push((value as string | null) ?? null);
      }
    }
    return values;
  }

  /** The page's URL, when it has one. */
  async pageUrl(siteId: string, pageId: string): Promise<string | null> {
    return this.redis.hget(keys.page(siteId, pageId), 'url').catch(translateRedisError);
  }

  /**
   * Of the pages commented in `months` (their `page_comments` sets), the `count`
   * changed last (`updated`), newest first: where a site's newest comments are.
   */
  async recentlyChangedPages(siteId: string, months: string[], count: number): Promise<string[]> {
    const pipeline = this.redis.pipeline();
    for (const month of months) pipeline.zrange(keys.usagePageComments(siteId, month), 0, -1);
    const answers = (await pipeline.exec().catch(translateRedisError)) ?? [];
    const ids = new Set<string>();
    for (const [error, members] of answers) {
      if (error) translateRedisError(error);
      for (const id of members as string[]) ids.add(id);
    }
    const pageIds = [...ids];
    const updated = await this.hashFieldBatches(
      pageIds.map((id) => keys.page(siteId, id)),
      'updated',
    );
    return pageIds
      .map((id, i) => ({ id, updated: Number(updated[i] ?? 0) }))
      .sort((a, b) => b.updated - a.updated || (a.id < b.id ? 1 : -1))
      .slice(0, count)
      .map((page) => page.id);
  }

  /** Public comment counts of many pages, in the given order (0 for unknown pages): one round trip. */
  async counts(siteId: string, pageIds: string[]): Promise<number[]> {
    const values = await this.hashFieldBatches(
      pageIds.map((id) => keys.page(siteId, id)),
      'count',
    );
    return values.map((v) => Number(v ?? 0));
  }
}

/** The comments that exist among `ids`, in that order: one MGET. */
export async function readComments(
  redis: RedisClient,
  siteId: string,
  ids: string[],
): Promise<StoredComment[]> {
  if (ids.length === 0) return [];
  const raws = await redis
    .mgetBuffer(...ids.map((id) => keys.comment(siteId, id)))
    .catch(translateRedisError);
  return raws.flatMap((raw, i) => (raw ? [decodeComment(ids[i]!, raw)] : []));
}
