import { createHash } from 'node:crypto';
import { forbidden, invalid, ThreadKitError, unauthorized } from '../errors.js';
import type { EventBus } from '../events.js';
import { isId, newId } from '../ids.js';
import { renderMarkdown, storedHtml } from '../markdown.js';
import type { ClientInfo, FormSignals, ModerationInput, PipelineVerdict } from '../moderation/verdict.js';
import { isSiteUrl, siteUrlOrNull } from '../origins.js';
import type { PageRef } from '../page-identity.js';
import { newCommentAnnouncements, voteUpdateAnnouncements } from '../protocol/index.js';
import type { CommentStore } from '../store/comment-store.js';
import type { RealtimeStore } from '../store/realtime-store.js';
import type {
  CommentView,
  ReportReason,
  Site,
  StoredComment,
  User,
  Viewer,
  VoteDirection,
} from '../types.js';
import { isModerator, RANK } from '../types.js';
import { authorRow, toView } from './comment-views.js';
import { requireRole } from './moderation-service.js';
import { dayOf, monthOf } from './usage-meter.js';
import type { UsageRecorder } from './usage-recorder.js';

/**
 * How deep threads nest: a root comment is on level 1, a reply to it on 2,
 * and so on. A reply to a comment on the deepest level joins that comment's
 * parent, beside it: long exchanges go on at this level instead of nesting
 * further (and the widget indents every level).
 */
export const MAX_DEPTH = 6;
/** Most pinned comments one page may have. */
const MAX_PINS_PER_PAGE = 10;
const MAX_REPORT_DETAILS = 1000;

/** What a post asks for, so that an idempotency key reused for a different comment is refused. */
const postDigest = (pageId: string, parentId: string, markdown: string) =>
  createHash('sha256').update(`${pageId}\n${parentId}\n${markdown}`).digest('base64url').slice(0, 22);

const usageSlot = (at: number, limit: number, topPages: number | undefined) => ({
  month: monthOf(at),
  day: dayOf(at),
  limit,
  topPages,
});

/** A viewer that has signed in as a commenter (guest or account). */
export interface Commenter extends Viewer {
  userId: string;
  user: User;
}

/**
 * The comment engine's rules: who may write what, content limits, moderation
 * status. It renders Markdown, delegates storage to the store, and emits a
 * domain event after each successful write.
 */
export class CommentService {
  constructor(
    private readonly deps: {
      store: CommentStore;
      events: EventBus;
      /** The live page logs: a new comment or a vote is logged in the same step as its write (none: by the relay). */
      realtime?: RealtimeStore;
      /** Spam and abuse checks for new comments (`ModerationPipeline`); none: every comment passes. */
      moderation?: { check(input: ModerationInput): Promise<PipelineVerdict> };
      /** Decides the usage month and day a new comment counts in (the usage meter's clock). */
      usageClock?: () => number;
      /** How many pages the month's top pages by comments keep (default `USAGE_TOP_PAGES`). */
      usageTopPages?: number;
      /** Counts votes, reports, and new comments held or refused by step. */
      usage?: Pick<UsageRecorder, 'recordVote' | 'recordReport' | 'recordHeld' | 'recordRefused'>;
    },
  ) {}

  async create(
    site: Site,
    viewer: Viewer & { user?: User | null },
    input: {
      page: PageRef;
      content: string;
      parentId?: string | undefined;
      /** The request's IP, user agent and referrer, for the spam checks. */
      client?: ClientInfo;
      /** The widget's bot signals (honeypot, time to submit). */
      form?: FormSignals;
      /** The client's `Idempotency-Key`: a retry with the same key gets the comment the first post stored. */
      idempotencyKey?: string | undefined;
    },
  ): Promise<CommentView & { replayed?: true }> {
    const author = requireVerified(site, viewer);
    if (site.plan?.writable === false)
      throw new ThreadKitError('plan_limit', 'This site takes no new comments on its current plan.');
    // The page's URL is the link notification e-mails send people to: only the site's own pages.
    if (input.page.url !== null && !isSiteUrl(input.page.url, site))
      throw invalid('page_url', 'page_url must be a page of this site, on one of its allowed origins');
    const { markdown, html } = renderContent(input.content, site.settings.max_comment_length);
    if (input.parentId !== undefined && !isId(input.parentId))
      throw invalid('parent_id', 'parent_id must be a comment id');
    const verdict = await this.check(site, author, {
      page: input.page,
      content: markdown,
      html,
      parentId: input.parentId ?? null,
      client: input.client ?? NO_CLIENT,
      form: input.form ?? {},
    });
    if (verdict?.action === 'reject') {
      this.deps.usage?.recordRefused(site.id, verdict.step);
      throw verdict.error;
    }
    const premoderated = site.settings.moderation === 'pre' && !isModerator(viewer);
    const held = premoderated || verdict?.action === 'hold';
    const now = Date.now();
    const comment: StoredComment = {
      i: newId(),
      pg: input.page.id,
      pid: input.parentId ?? '',
      a: author.userId,
      t: markdown,
      h: html,
      u: 0,
      d: 0,
      c: Math.floor(now / 1000),
      cm: now,
      m: 0,
      s: held ? 'pending' : 'approved',
      e: 0,
      rc: 0,
      listed: false,
      ...(verdict?.action === 'hold' ? { hr: verdict.reason } : {}),
    };
    const realtime = this.deps.realtime;
    const once = input.idempotencyKey
      ? { key: input.idempotencyKey, digest: postDigest(input.page.id, comment.pid, markdown) }
      : undefined;
    const { isPublic, parentId, repeatOf } = await this.deps.store.create(
      site.id,
      {
        id: comment.i,
        pageId: comment.pg,
        parentId: comment.pid,
        authorId: comment.a,
        markdown,
        html: storedHtml(markdown, html),
        createdMs: now,
        status: held ? 'pending' : 'approved',
        holdReason: comment.hr ?? '',
      },
      {
        isModerator: isModerator(viewer),
        pageUrl: input.page.url,
        pageKey: input.page.key,
        // Held comments wait in the queue; under post-moderation published ones are queued for review.
        queue: comment.s === 'pending' || (site.settings.moderation === 'post' && !isModerator(viewer)),
        maxDepth: MAX_DEPTH,
        usage: usageSlot(
          this.deps.usageClock?.() ?? now,
          site.plan?.commentsPerMonth ?? 0,
          this.deps.usageTopPages,
        ),
        ...(realtime && {
          announce: {
            log: realtime.pageLog(site.id, input.page.id),
            ...newCommentAnnouncements(input.page.id, toView(comment, authorRow(author.user))),
          },
        }),
        ...(once && { once }),
      },
    );
    if (repeatOf !== undefined) return this.replay(site.id, repeatOf, author.user);
    comment.pid = parentId;
    // Counted once stored: a comment over the plan's limit was neither held nor published.
    if (verdict?.action === 'hold') this.deps.usage?.recordHeld(site.id, verdict.steps);
    else if (premoderated) this.deps.usage?.recordHeld(site.id, ['premoderation']);
    // Everyone else receives the comment without a vote of theirs; the author's own view has `v: null`.
    const shared = toView(comment, authorRow(author.user));
    await this.deps.events.emit({
      type: 'comment.created',
      siteId: site.id,
      pageId: input.page.id,
      audience: audience(isPublic, author.userId),
      comment: shared,
      // Attached beside the comment it answers (the deepest level): that comment's author is the one replied to.
      ...(input.parentId && input.parentId !== parentId ? { replyTo: input.parentId } : {}),
      ...(realtime && { logged: true }),
    });
    return { ...shared, v: null };
  }

  /**
   * The comment an earlier post with the same idempotency key stored, as the
   * author sees it now; nothing is stored, counted or announced again.
   */
  private async replay(
    siteId: string,
    commentId: string,
    user: Parameters<typeof authorRow>[0],
  ): Promise<CommentView & { replayed: true }> {
    const stored = await this.deps.store.get(siteId, commentId);
    if (!stored) throw new ThreadKitError('conflict', 'The comment this Idempotency-Key posted is gone.');
    return { ...toView(stored, authorRow(user)), v: null, replayed: true };
  }

  /**
   * Replaces a comment's text. The new text passes what a new comment would:
   * the spam and abuse checks refuse it (the comment stays as it was) or hold
   * it, and so does pre-moderation; a held edit takes a published comment
   * back to pending until a moderator approves it. Under post-moderation the
   * edit is queued for review again.
   */
  async edit(
    site: Site,
    viewer: Viewer & { user?: User | null },
    commentId: string,
    content: string,
    client: ClientInfo = NO_CLIENT,
  ): Promise<CommentView> {
    const author = requireVerified(site, viewer);
    const { markdown, html } = renderContent(content, site.settings.max_comment_length);
    const moderator = isModerator(viewer);
    // Only the author's own comment is worth checking: the store refuses anything else.
    const current = moderator || !this.deps.moderation ? null : await this.deps.store.get(site.id, commentId);
    const verdict =
      current && current.s !== 'deleted' && current.a === author.userId
        ? await this.check(site, author, {
            page: { id: current.pg, url: await this.deps.store.pageUrl(site.id, current.pg), key: null },
            content: markdown,
            html,
            parentId: current.pid || null,
            client,
            // The bot traps are for the comment form; an edit has been on the page all along.
            form: {},
          })
        : null;
    // A refused edit leaves the comment as it was (usage counts refusals of new comments only).
    if (verdict?.action === 'reject') throw verdict.error;
    const hold = (site.settings.moderation === 'pre' && !moderator) || verdict?.action === 'hold';
    const { comment, wasPublic, isPublic } = await this.deps.store.edit(site.id, commentId, {
      editorId: author.userId,
      markdown,
      html: storedHtml(markdown, html),
      now: Math.floor(Date.now() / 1000),
      hold,
      holdReason: verdict?.action === 'hold' ? verdict.reason : '',
      queue: hold || (site.settings.moderation === 'post' && !moderator),
    });
    const view = toView(comment, authorRow(author.user));
    if (wasPublic && !isPublic) {
      // Held for review: readers see it go, as when it is rejected; its author and moderators
      // see it again at once, waiting, with the new text.
      await this.deps.events.emit({
        type: 'comment.deleted',
        siteId: site.id,
        pageId: comment.pg,
        audience: { public: true },
        commentId,
      });
      await this.deps.events.emit({
        type: 'comment.created',
        siteId: site.id,
        pageId: comment.pg,
        audience: audience(false, comment.a),
        comment: view,
        again: true,
      });
    } else {
      await this.deps.events.emit({
        type: 'comment.edited',
        siteId: site.id,
        pageId: comment.pg,
        audience: audience(isPublic, comment.a),
        commentId,
        content: markdown,
        contentHtml: html,
      });
    }
    return { ...view, v: null };
  }

  /** The spam and abuse checks (moderators skip them: null); the caller throws a refusal. */
  private async check(
    site: Site,
    author: Commenter,
    input: Omit<ModerationInput, 'site' | 'author'>,
  ): Promise<PipelineVerdict | null> {
    if (isModerator(author) || !this.deps.moderation) return null;
    return this.deps.moderation.check({ site, author: author.user, ...input });
  }

  async delete(site: Site, viewer: Viewer, commentId: string): Promise<void> {
    if (viewer.userId === null && !isModerator(viewer)) throw unauthorized('Sign in to delete comments.');
    const result = await this.deps.store.delete(site.id, commentId, {
      id: viewer.userId ?? '',
      rank: RANK[viewer.role],
      now: Math.floor(Date.now() / 1000),
    });
    // A placeholder stays in the thread; removed comments (and emptied placeholders above them) go.
    // Only those who could see the comment hear of its deletion; placeholders were public.
    const gone = result.placeholder ? [commentId] : result.removed;
    for (const id of gone) {
      await this.deps.events.emit({
        type: 'comment.deleted',
        siteId: site.id,
        pageId: result.pageId,
        audience: id === commentId ? audience(result.wasPublic, result.authorId) : { public: true },
        commentId: id,
      });
    }
  }

  async vote(
    site: Site,
    viewer: Viewer,
    commentId: string,
    direction: VoteDirection,
  ): Promise<{ upvotes: number; downvotes: number; user_vote: VoteDirection | null }> {
    if (viewer.userId === null) throw unauthorized('Sign in to vote.');
    const realtime = this.deps.realtime;
    const result = await this.deps.store.vote(
      site.id,
      commentId,
      { voterId: viewer.userId, direction, voterIsModerator: isModerator(viewer) },
      realtime && { log: realtime.logSettings(), ...voteUpdateAnnouncements() },
    );
    await this.deps.events.emit({
      type: 'comment.voted',
      siteId: site.id,
      pageId: result.pageId,
      audience: audience(result.isPublic, result.authorId),
      commentId,
      upvotes: result.upvotes,
      downvotes: result.downvotes,
      voterId: viewer.userId,
      vote: result.userVote,
      authorId: result.authorId,
      ...(realtime && { logged: true }),
    });
    // Voting again the same way takes the vote back: not counted.
    if (result.userVote !== null) this.deps.usage?.recordVote(site.id);
    return { upvotes: result.upvotes, downvotes: result.downvotes, user_vote: result.userVote };
  }

  async report(
    site: Site,
    viewer: Viewer,
    commentId: string,
    input: { reason: ReportReason; details?: string | undefined },
  ): Promise<void> {
    if (viewer.userId === null) throw unauthorized('Sign in to report comments.');
    const details = (input.details ?? '').trim();
    if (details.length > MAX_REPORT_DETAILS) {
      throw invalid('details', `details must be at most ${MAX_REPORT_DETAILS} characters`);
    }
    await this.deps.store.report(site.id, commentId, {
      reporterId: viewer.userId,
      reporterIsModerator: isModerator(viewer),
      reason: input.reason,
      details,
      now: Date.now(),
    });
    this.deps.usage?.recordReport(site.id);
    // Read after the report is stored: only the owner's webhooks hear of it, and they need its page.
    const reported = await this.deps.store.get(site.id, commentId);
    if (reported)
      await this.deps.events.emit({
        type: 'comment.reported',
        siteId: site.id,
        pageId: reported.pg,
        commentId,
        reason: input.reason,
        details,
        reporterId: viewer.userId,
      });
  }

  async setPinned(site: Site, viewer: Viewer, commentId: string, pinned: boolean): Promise<void> {
    requireRole(viewer, 'moderator');
    const { pageId, isPublic, authorId } = await this.deps.store.setPinned(
      site.id,
      commentId,
      pinned,
      Date.now(),
      MAX_PINS_PER_PAGE,
    );
    await this.deps.events.emit({
      type: 'comment.pinned',
      siteId: site.id,
      pageId,
      // A shadow-banned author's pinned comment stays theirs (and moderators') to see.
      audience: audience(isPublic, authorId),
      commentId,
      pinned,
    });
  }

  /** The page's URL for links (feeds, the server-rendered thread): null unless it is on the site's origins. */
  async pageUrl(site: Site, pageId: string): Promise<string | null> {
    return siteUrlOrNull(await this.deps.store.pageUrl(site.id, pageId), site);
  }

  /**
   * The site's `count` pages changed last among those commented this month or the
   * month before (the usage's top pages by comments): where a site feed looks.
   */
  async recentlyChangedPages(site: Site, count: number): Promise<string[]> {
    const now = this.deps.usageClock?.() ?? Date.now();
    const thisMonth = monthOf(now);
    const lastMonth = monthOf(Date.parse(`${thisMonth}-01T00:00:00Z`) - 1);
    return this.deps.store.recentlyChangedPages(site.id, [thisMonth, lastMonth], count);
  }

  /** Public comment counts for many pages at once (blog index pages). */
  async counts(site: Site, pages: { label: string; page: PageRef }[]): Promise<Record<string, number>> {
    const values = await this.deps.store.counts(
      site.id,
      pages.map((p) => p.page.id),
    );
    return Object.fromEntries(pages.map((p, i) => [p.label, values[i] ?? 0]));
  }
}

function requireCommenter(viewer: Viewer & { user?: User | null }): Commenter {
  if (viewer.userId === null || !viewer.user)
    throw unauthorized('Sign in (or continue as a guest) to comment.');
  return viewer as Commenter;
}

/** A commenter allowed to write here: with `require_verified`, an account needs a verified address. */
function requireVerified(site: Site, viewer: Viewer & { user?: User | null }): Commenter {
  const author = requireCommenter(viewer);
  const { user } = author;
  if (site.settings.require_verified && !user.guest && !user.email_verified && !user.phone_verified) {
    throw forbidden('Verify your e-mail address or phone number before posting.');
  }
  return author;
}

const NO_CLIENT: ClientInfo = { ip: null, userAgent: null, referrer: null };

/** A comment's Markdown as stored: trimmed, and within the site's length limit. */
function trimmedContent(source: string, maxLength: number): string {
  const markdown = source.trim();
  if (markdown.length > maxLength)
    throw invalid('content', `content must be at most ${maxLength} characters`);
  return markdown;
}

/** What a comment with this Markdown would show, without storing anything (the widget's preview); empty for blank text. */
export function previewContent(source: string, maxLength: number): string {
  return renderMarkdown(trimmedContent(source, maxLength));
}

function renderContent(source: string, maxLength: number): { markdown: string; html: string } {
  const markdown = trimmedContent(source, maxLength);
  if (markdown.length === 0) throw invalid('content', 'content must not be empty');
  const html = renderMarkdown(markdown);
  if (html.length === 0) throw invalid('content', 'content must not be empty');
  return { markdown, html };
}

const audience = (isPublic: boolean, authorId: string) =>
  isPublic ? ({ public: true } as const) : ({ public: false, user_id: authorId } as const);
