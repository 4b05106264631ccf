import type { DigestComposer, MailQueue } from '../delivery/mail-queue.js';
import { excerpt, notificationDigest, notificationEmail } from '../delivery/notification-email.js';
import type { EventBus } from '../events.js';
import { channels } from '../keys.js';
import { siteUrlOrNull } from '../origins.js';
import {
  type DomainEvent,
  type NotificationView,
  type PresentUser,
  serverMessage,
} from '../protocol/index.js';
import { NOTIFICATION_EXCERPT_LENGTH } from '../protocol/schemas.js';
import type { CommentStore } from '../store/comment-store.js';
import type { MailDigestStore } from '../store/mail-digest-store.js';
import type { DigestRef } from '../store/mail-queue-store.js';
import type { NotificationStore, NotificationType, StoredNotification } from '../store/notification-store.js';
import type { RealtimeStore } from '../store/realtime-store.js';
import type { UserStore } from '../store/user-store.js';
import type { Site, StoredComment, User } from '../types.js';
import type { UnsubscribeTokens } from '../unsubscribe.js';
import { findMentions } from './mentions.js';
import type { SiteDirectory } from './site-service.js';

/** Who caused a notification, as the list shows them. */
export type NotificationActor = PresentUser;

export interface NotificationList {
  notifications: NotificationView[];
  unread_count: number;
}

/** At most one upvote notification per comment in this window. */
const UPVOTE_WINDOW_SECONDS = 3600;
/** Mentions notified per comment, at most (the first ones in the text). */
const MAX_MENTIONS_PER_COMMENT = 10;
/** At most one reply or mention e-mail per recipient in this window; the rest wait for a digest at its end. */
export const NOTIFICATION_EMAIL_WINDOW_MS = 10 * 60_000;

type CreatedEvent = Extract<DomainEvent, { type: 'comment.created' }>;
type VotedEvent = Extract<DomainEvent, { type: 'comment.voted' }>;

/**
 * Commenter notifications, made from the domain events: `reply` (to the author
 * of the comment answered), `mention` (`@name` of someone who commented on the page) and
 * `upvote` (batched: one per comment per hour). Nobody is notified of their own
 * actions, of comments others cannot see (pending, shadow-banned), or after
 * their account is gone. Each notification is stored (with the unread count),
 * published on the user's channel for the real-time gateway, and, for replies
 * and mentions, e-mailed through the mail queue when the user opted in: at
 * most one e-mail per recipient per window (`emailWindowMs`), the first at once
 * and those that follow gathered into one digest sent when the window ends.
 *
 * The listener returns at once and works in the background, so a comment or a
 * vote never waits for it; `settled()` waits for that work (tests, shutdown).
 */
export class NotificationService implements DigestComposer {
  private readonly pending = new Set<Promise<void>>();
  private readonly clock: () => number;
  private readonly emailWindowMs: number;

  constructor(
    private readonly deps: {
      store: NotificationStore;
      /** Each recipient's e-mail window and the digest waiting for its end. */
      digests: MailDigestStore;
      /** Publishes each new notification on the user's channel, for the real-time gateway. */
      realtime: RealtimeStore;
      comments: CommentStore;
      users: UserStore;
      sites: SiteDirectory;
      mail: MailQueue;
      unsubscribe: UnsubscribeTokens;
      /** Base URL of this server as users reach it, for unsubscribe links. */
      publicUrl: string;
      onError: (error: unknown, event: DomainEvent) => void;
      /** The e-mail window's clock (ms; the mail queue's too). Tests move it instead of sleeping. */
      clock?: () => number;
      /** Default `NOTIFICATION_EMAIL_WINDOW_MS`; 0 sends every e-mail at once. */
      emailWindowMs?: number;
    },
  ) {
    this.clock = deps.clock ?? Date.now;
    this.emailWindowMs = deps.emailWindowMs ?? NOTIFICATION_EMAIL_WINDOW_MS;
  }

  /** Subscribes to the bus; returns the unsubscribe function. */
  listen(events: EventBus): () => void {
    return events.subscribe((event) => {
      if (event.type !== 'comment.created' && event.type !== 'comment.voted') return;
      const work = this.handle(event).catch((error) => this.deps.onError(error, event));
      this.pending.add(work);
      void work.finally(() => this.pending.delete(work));
    });
  }

  /** Makes the notifications an event calls for. */
  async handle(event: DomainEvent): Promise<void> {
    // Dated when it is heard of, not when its work is done: a reply and the upvote after it are
    // listed in the order they happened, whichever took longer to look up.
    const at = this.clock();
    if (event.type === 'comment.created') await this.onCreated(event, at);
    else if (event.type === 'comment.voted') await this.onVoted(event, at);
  }

  /** Resolves when every event received so far has been handled. */
  async settled(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }

  async list(site: Site, userId: string, page: { offset: number; limit: number }): Promise<NotificationList> {
    const { notifications, unread } = await this.deps.store.list(site.id, userId, page.offset, page.limit);
    const fromIds = [...new Set(notifications.map((n) => n.from).filter(Boolean))];
    const [profiles, comments] = await Promise.all([
      fromIds.length > 0 ? this.deps.users.profiles(site.id, fromIds) : new Map(),
      this.deps.comments.getMany(site.id, [...new Set(notifications.map((n) => n.comment_id))]),
    ]);
    const excerpts = new Map(comments.map((comment) => [comment.i, commentExcerpt(comment)]));
    return {
      notifications: notifications.map((n) => {
        const profile = n.from ? profiles.get(n.from) : undefined;
        return toView(
          n,
          profile ? { id: n.from, ...profile } : null,
          excerpts.get(n.comment_id) ?? null,
          site,
        );
      }),
      unread_count: unread,
    };
  }

  /** Marks the given notifications read, or all of them without ids. Unknown ids are ignored. */
  async markRead(siteId: string, userId: string, ids?: string[]): Promise<void> {
    if (ids?.length === 0) return;
    await this.deps.store.markRead(siteId, userId, ids ?? null);
  }

  /** The link in e-mails that turns reply and mention e-mails off, without signing in. */
  async unsubscribeUrl(siteId: string, userId: string): Promise<string> {
    const token = await this.deps.unsubscribe.sign({ siteId, userId });
    return `${this.deps.publicUrl}/v1/unsubscribe?token=${encodeURIComponent(token)}`;
  }

  /** Follows an unsubscribe link: turns the user's e-mail notifications off. Returns the site's name. */
  async unsubscribe(token: string): Promise<{ siteName: string }> {
    const { siteId, userId } = await this.deps.unsubscribe.verify(token);
    const site = await this.deps.sites.get(siteId);
    // An erased account has nothing left to switch off (and writing would bring back a stub of it).
    if (await this.deps.users.get(siteId, userId)) {
      await this.deps.users.update(siteId, userId, { email_notifications: 0 });
    }
    return { siteName: site.name };
  }

  /**
   * Each step's Redis calls go out together, so a reply's notification takes
   * three round trips: the commenter set and the parent; the notification with
   * the recipient's account and the site (`notify`); the live message.
   */
  private async onCreated(event: CreatedEvent, at: number): Promise<void> {
    const { siteId, pageId, comment } = event;
    const authorId = comment.a;
    if (!authorId) return;
    const noted = this.deps.store.addCommenter(siteId, pageId, authorId);
    // A pending or shadow-banned comment is not news to anyone else.
    if (!event.audience.public) return noted;

    const answered = event.replyTo ?? comment.pid;
    const [, parent] = await Promise.all([noted, answered ? this.deps.comments.get(siteId, answered) : null]);
    const recipients = new Map<string, 'reply' | 'mention'>();
    if (parent && parent.s !== 'deleted' && parent.a && parent.a !== authorId)
      recipients.set(parent.a, 'reply');
    if (comment.t.includes('@')) {
      const ids = (await this.deps.store.commenters(siteId, pageId)).filter(
        (id) => id !== authorId && !recipients.has(id),
      );
      if (ids.length > 0) {
        const profiles = await this.deps.users.profiles(siteId, ids);
        const candidates = [...profiles].map(([id, profile]) => ({ id, name: profile.name }));
        for (const id of findMentions(comment.t, candidates).slice(0, MAX_MENTIONS_PER_COMMENT)) {
          recipients.set(id, 'mention');
        }
      }
    }
    const from = { id: authorId, name: comment.n, avatar_url: comment.p };
    await Promise.all(
      [...recipients].map(([userId, type]) =>
        this.notify(siteId, userId, at, { type, commentId: comment.i, pageId, from, text: comment.t }),
      ),
    );
  }

  private async onVoted(event: VotedEvent, at: number): Promise<void> {
    if (event.vote !== 'up' || event.authorId === event.voterId || !event.authorId) return;
    await this.notify(event.siteId, event.authorId, at, {
      type: 'upvote',
      commentId: event.commentId,
      pageId: event.pageId,
      from: null,
      text: '',
    });
  }

  private async notify(
    siteId: string,
    userId: string,
    at: number,
    what: {
      type: NotificationType;
      commentId: string;
      pageId: string;
      from: NotificationActor | null;
      text: string;
    },
  ): Promise<void> {
    const upvote = what.type === 'upvote';
    // The store skips a recipient whose account is gone or who is banned (a banned user hears
    // nothing from the site). Upvotes: at most one per comment and window; only moderators can
    // vote on a shadow-banned author's comment, which is still not public, so its author is not
    // told; votes carry no text, so the comment is read with the notification, for its excerpt.
    // Replies and mentions may be e-mailed, which needs the account and the site: read alongside.
    const [stored, user, known] = await Promise.all([
      this.deps.store.add(
        siteId,
        userId,
        {
          type: what.type,
          comment_id: what.commentId,
          page_id: what.pageId,
          from: what.from?.id ?? '',
          createdMs: at,
        },
        upvote ? { throttleSeconds: UPVOTE_WINDOW_SECONDS, skipShadowbanned: true, withComment: true } : {},
      ),
      upvote ? null : this.deps.users.get(siteId, userId),
      upvote ? null : this.deps.sites.get(siteId),
    ]);
    if (!stored) return;
    // Most upvotes fall in a window already taken: theirs is read only once one is kept.
    const site = known ?? (await this.deps.sites.get(siteId));
    const quoted = upvote
      ? stored.comment && commentExcerpt(stored.comment)
      : excerpt(what.text, NOTIFICATION_EXCERPT_LENGTH);
    const view = toView(
      {
        id: stored.id,
        created_at: stored.created_at,
        type: what.type,
        comment_id: what.commentId,
        page_id: what.pageId,
        page_url: stored.page_url ?? '',
        from: what.from?.id ?? '',
        read: false,
      },
      what.from,
      quoted,
      site,
    );
    await this.deps.realtime.publish(
      channels.user(siteId, userId),
      { audience: { public: false, user_id: userId } },
      serverMessage('notification', view),
    );
    if (what.type !== 'upvote' && what.from && user && wantsEmail(user)) {
      const item = {
        type: what.type,
        from: what.from.name,
        excerpt: excerpt(what.text),
        pageUrl: view.page_url,
      };
      const now = this.clock();
      const digestDue = await this.deps.digests.hold(siteId, userId, item, now, this.emailWindowMs);
      if (digestDue > 0) {
        // An e-mail went out within the window: this one waits for the digest at its end.
        await this.deps.mail.enqueueDigest({ site: siteId, user: userId }, digestDue);
        return;
      }
      await this.deps.mail.enqueue(
        siteId,
        notificationEmail({
          to: user.email,
          site: site.name,
          type: what.type,
          from: what.from.name,
          comment: what.text,
          pageUrl: view.page_url,
          unsubscribeUrl: await this.unsubscribeUrl(siteId, userId),
        }),
      );
    }
  }

  /** The mail queue's digest of a recipient, once their window has ended (`DigestComposer`). */
  async compose(ref: DigestRef, nowMs: number): ReturnType<DigestComposer['compose']> {
    const { digests } = this.deps;
    const peeked = await digests.peek(ref.site, ref.user, nowMs);
    if ('later' in peeked) return peeked;
    const { items, more } = peeked;
    if (items.length === 0 && more === 0) return null;
    const taken = { sent: items.length, more };
    const [site, user, banned] = await Promise.all([
      this.deps.sites.get(ref.site).catch(() => null),
      this.deps.users.get(ref.site, ref.user),
      this.deps.users.isBanned(ref.site, ref.user),
    ]);
    // Nobody to send it to any more (unsubscribed, unverified, banned, erased): it goes unsent.
    if (!site || !user || banned || !wantsEmail(user)) {
      await digests.commit(ref.site, ref.user, taken, nowMs, this.emailWindowMs);
      return null;
    }
    const email = notificationDigest({
      to: user.email,
      site: site.name,
      // The site's origins may have changed since: links only to its pages still.
      entries: items.map((item) => ({ ...item, pageUrl: siteUrlOrNull(item.pageUrl, site) })),
      more,
      windowMs: this.emailWindowMs,
      unsubscribeUrl: await this.unsubscribeUrl(ref.site, ref.user),
    });
    return {
      email,
      commit: async () => {
        const waiting = await digests.commit(ref.site, ref.user, taken, nowMs, this.emailWindowMs);
        // Those that came while this one was made wait for the end of the window it opened.
        if (waiting > 0) await this.deps.mail.enqueueDigest(ref, nowMs + this.emailWindowMs);
      },
    };
  }
}

/** What a notification quotes of its comment: nothing once the comment is no longer public. */
const commentExcerpt = (comment: StoredComment): string | null =>
  comment.s === 'approved' ? excerpt(comment.t, NOTIFICATION_EXCERPT_LENGTH) : null;

/** E-mail only to a verified address whose owner asked for it. */
const wantsEmail = (user: User): user is User & { email: string } =>
  user.email_notifications && user.email !== null && user.email_verified;

/** The list's item; a page URL that is not the site's (stored before pages were checked) links nowhere. */
function toView(
  stored: StoredNotification,
  from: NotificationActor | null,
  excerpt: string | null,
  site: Site,
): NotificationView {
  return {
    id: stored.id,
    type: stored.type,
    comment_id: stored.comment_id,
    page_url: siteUrlOrNull(stored.page_url, site),
    from_user: from,
    excerpt,
    read: stored.read,
    created_at: stored.created_at,
  };
}
