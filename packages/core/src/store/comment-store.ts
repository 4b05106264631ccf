import { keys, type PageIndex, sitePrefix } from '../keys.js';
import type { StoredComment, VoteDirection } from '../types.js';
import { type RedisClient, translateRedisError } from './redis.js';
import { runScript } from './scripts.js';

export interface AuthorRow {
  name: string;
  avatar: string | null;
  karma: number;
  role?: 'user' | 'moderator' | 'admin';
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
  /** Visible comments, each root followed breadth-first by its replies. */
  comments: StoredComment[];
  authors: Map<string, AuthorRow>;
  votes: Map<string, VoteDirection>;
  /** The page (or the whole site) is read-only. */
  locked: boolean;
}

export interface PageState {
  views: number;
  version: number;
  epoch: number;
  count: number;
  updated: number;
}

export interface ReadThreadOptions {
  index: PageIndex;
  direction: 'asc' | 'desc';
  cursor: { score: string; id: string } | null;
  limit: number;
  viewerId: string | null;
  viewerIsModerator: boolean;
}

const flag = (value: boolean) => (value ? '1' : '0');

/** The comment engine's storage: the only code that reads or writes comment keys. */
export class CommentStore {
  constructor(private readonly redis: RedisClient) {}

  async get(siteId: string, commentId: string): Promise<StoredComment | null> {
    const raw = await this.redis.get(keys.comment(siteId, commentId)).catch(translateRedisError);
    return raw ? (JSON.parse(raw) as StoredComment) : null;
  }

  /** Stores a new comment; returns its root id ('' for a root) and whether everyone may see it. */
  async create(
    siteId: string,
    comment: Omit<StoredComment, 'rt'>,
    options: { isModerator: boolean; pageUrl: string | null; pageKey: string | null; queue: boolean },
  ): Promise<{ rootId: string; isPublic: boolean }> {
    const [rootId, isPublic] = await runScript(
      this.redis,
      'createComment',
      [keys.page(siteId, comment.pg)],
      [
        sitePrefix(siteId),
        JSON.stringify(comment),
        flag(options.isModerator),
        options.pageUrl ?? '',
        options.pageKey ?? '',
        flag(options.queue),
      ],
    ).catch(translateRedisError);
    return { rootId, isPublic: isPublic === 1 };
  }

  async edit(
    siteId: string,
    commentId: string,
    edit: { editorId: string; markdown: string; html: string; now: number },
  ): Promise<{ comment: StoredComment; isPublic: boolean }> {
    const [raw, isPublic] = await runScript(
      this.redis,
      'editComment',
      [keys.comment(siteId, commentId)],
      [sitePrefix(siteId), edit.editorId, edit.markdown, edit.html, edit.now],
    ).catch(translateRedisError);
    return { comment: JSON.parse(raw) as StoredComment, isPublic: isPublic === 1 };
  }

  async delete(
    siteId: string,
    commentId: string,
    actor: { id: string; isModerator: boolean; now: number },
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
      [sitePrefix(siteId), actor.id, flag(actor.isModerator), actor.now],
    ).catch(translateRedisError);
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
      [sitePrefix(siteId), vote.voterId, vote.direction, flag(vote.voterIsModerator)],
    ).catch(translateRedisError);
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
    page: { id: string; url: string | null; key: string | null },
    views: number,
  ): Promise<PageState> {
    const [total, version, epoch, count, updated] = await runScript(
      this.redis,
      'pageView',
      [keys.page(siteId, page.id)],
      [sitePrefix(siteId), views, page.url ?? '', page.key ?? ''],
    ).catch(translateRedisError);
    return { views: total, version, epoch, count, updated };
  }

  async readThread(siteId: string, pageId: string, options: ReadThreadOptions): Promise<ThreadPage> {
    const reply = await runScript(
      this.redis,
      'readThread',
      [keys.page(siteId, pageId)],
      [
        sitePrefix(siteId),
        pageId,
        options.index,
        options.direction,
        options.cursor?.score ?? '',
        options.cursor?.id ?? '',
        options.limit,
        options.viewerId ?? '',
        flag(options.viewerIsModerator),
        flag(options.cursor === null),
      ],
    ).catch(translateRedisError);
    const [
      version,
      epoch,
      count,
      updated,
      nextScore,
      nextId,
      pinned,
      comments,
      authorRows,
      voteRows,
      locked,
    ] = reply;
    const authors = new Map<string, AuthorRow>();
    for (let i = 0; i < authorRows.length; i += 5) {
      // An erased account has no name: its comments show a "[deleted]" author.
      if (!authorRows[i + 1]) continue;
      authors.set(authorRows[i]!, {
        name: authorRows[i + 1]!,
        avatar: authorRows[i + 2] || null,
        karma: Number(authorRows[i + 3]),
        role: (authorRows[i + 4] as AuthorRow['role']) || 'user',
      });
    }
    const votes = new Map<string, VoteDirection>();
    for (let i = 0; i < voteRows.length; i += 2) votes.set(voteRows[i]!, voteRows[i + 1] as VoteDirection);
    return {
      version,
      epoch,
      count,
      updated,
      next: nextId ? { score: nextScore, id: nextId } : null,
      pinned,
      comments: comments.map((raw) => JSON.parse(raw) as StoredComment),
      authors,
      votes,
      locked: locked === 1,
    };
  }

  /** Public comment counts of many pages, in the given order (0 for unknown pages). */
  async counts(siteId: string, pageIds: string[]): Promise<number[]> {
    const values = await Promise.all(
      pageIds.map((id) => this.redis.hget(keys.page(siteId, id), 'count')),
    ).catch(translateRedisError);
    return values.map((v) => Number(v ?? 0));
  }
}
