import { keys, sitePrefix } from '../keys.js';
import type { StoredComment } from '../types.js';
import { decodeComment } from './comment-record.js';
import { type RedisClient, translateRedisError } from './redis.js';
import { runScript, runScriptBuffers } from './scripts.js';

export type NotificationType = 'reply' | 'mention' | 'upvote';

/** A notification as the store returns it. */
export interface StoredNotification {
  /** The type's letter and the comment id: one notification per type and comment. */
  id: string;
  type: NotificationType;
  comment_id: string;
  /** '' when the comment is gone. */
  page_id: string;
  /** The page's URL; '' for a page known only by its key, or when the comment is gone. */
  page_url: string;
  /** The user who caused it; '' for upvotes (votes are anonymous). */
  from: string;
  /** Unix seconds. */
  created_at: number;
  read: boolean;
}

/** A notification just added, with what telling its recipient needs. */
export interface AddedNotification {
  id: string;
  /** Unix seconds. */
  created_at: number;
  /** The comment's page URL; null for a page known only by its key, or when no page was given. */
  page_url: string | null;
  /** The comment, when asked for (`withComment`) and it still exists. */
  comment: StoredComment | null;
}

/** How many notifications a user keeps: older ones are dropped (and stop counting as unread). */
export const NOTIFICATIONS_KEPT = 100;
/** How long a notification is kept (ms): 90 days. */
export const NOTIFICATIONS_MAX_AGE_MS = 90 * 24 * 3600 * 1000;

/** The letter of each type in a notification's id and member. */
export const NOTIFICATION_LETTERS: Record<NotificationType, string> = {
  reply: 'r',
  mention: 'm',
  upvote: 'v',
};
const TYPES: Record<string, NotificationType> = { r: 'reply', m: 'mention', v: 'upvote' };

/** The id of a notification: its type's letter and its comment's id. */
export const notificationId = (type: NotificationType, commentId: string) =>
  `${NOTIFICATION_LETTERS[type]}${commentId}`;

/** JSON-schema pattern of a notification id. */
export const NOTIFICATION_ID_PATTERN = '^[rmv][0-3][-0-9A-Za-z_]{21}$';

/**
 * Notifications per user on a site: one sorted set by time whose members are
 * the notifications themselves (read state, type, comment, actor: at most 46
 * bytes, so a user's set stays in Redis's compact encoding), and the unread
 * counter of the seed (`user:{id}:unread`), kept equal to the unread members by
 * the scripts that change them. Both are bounded by count and age, and expire
 * with the user's newest notification. Also the per-page set of commenters that
 * `@mentions` are matched against.
 */
export class NotificationStore {
  constructor(
    private readonly redis: RedisClient,
    private readonly limits: { kept: number; maxAgeMs: number; now: () => number } = {
      kept: NOTIFICATIONS_KEPT,
      maxAgeMs: NOTIFICATIONS_MAX_AGE_MS,
      now: Date.now,
    },
  ) {}

  /**
   * Adds an unread notification (replacing the same one, read or not), and reads
   * in the same step what telling the user of it needs; null when it was not
   * added: the recipient's account no longer exists, they are banned (or, with
   * `skipShadowbanned`, shadow-banned), or `throttleSeconds` names a window in
   * which the comment's author was already told of an upvote.
   */
  async add(
    siteId: string,
    userId: string,
    notification: {
      type: NotificationType;
      comment_id: string;
      /** The comment's page, whose URL comes back; '' when not needed. */
      page_id?: string;
      from: string;
      createdMs: number;
    },
    options: { throttleSeconds?: number; skipShadowbanned?: boolean; withComment?: boolean } = {},
  ): Promise<AddedNotification | null> {
    const id = notificationId(notification.type, notification.comment_id);
    const keyList = [
      keys.userNotifications(siteId, userId),
      keys.userUnread(siteId, userId),
      ...(options.throttleSeconds ? [keys.upvoteNotified(siteId, notification.comment_id)] : []),
    ];
    const added = await runScriptBuffers(this.redis, 'addNotification', keyList, [
      sitePrefix(siteId),
      userId,
      `${id}${notification.from}`,
      notification.createdMs,
      this.limits.kept,
      options.throttleSeconds ?? 0,
      this.limits.maxAgeMs,
      notification.page_id ?? '',
      `${options.skipShadowbanned ? 's' : ''}${options.withComment ? 'c' : ''}`,
    ]).catch(translateRedisError);
    if (!added) return null;
    const [, pageUrl, record] = added;
    return {
      id,
      created_at: Math.floor(notification.createdMs / 1000),
      page_url: pageUrl ? pageUrl.toString() : null,
      comment: record ? decodeComment(notification.comment_id, record) : null,
    };
  }

  /** A page of the user's notifications, newest first, and the unread count. */
  async list(
    siteId: string,
    userId: string,
    offset: number,
    limit: number,
  ): Promise<{ notifications: StoredNotification[]; unread: number }> {
    const [unread, ...rows] = await runScript(
      this.redis,
      'listNotifications',
      [keys.userNotifications(siteId, userId), keys.userUnread(siteId, userId)],
      [sitePrefix(siteId), offset, limit, this.limits.maxAgeMs, this.limits.now()],
    ).catch(translateRedisError);
    const notifications: StoredNotification[] = [];
    for (let i = 0; i < rows.length; i += 4) {
      const member = String(rows[i]);
      notifications.push({
        id: member.slice(1, 24),
        type: TYPES[member[1]!]!,
        comment_id: member.slice(2, 24),
        from: member.slice(24),
        read: member[0] === 'r',
        created_at: Math.floor(Number(rows[i + 1]) / 1000),
        page_id: String(rows[i + 2]),
        page_url: String(rows[i + 3]),
      });
    }
    return { notifications, unread: Number(unread) };
  }

  /** Marks the given notifications (all when null) read; returns how many were unread. */
  async markRead(siteId: string, userId: string, ids: string[] | null): Promise<number> {
    return runScript(
      this.redis,
      'readNotifications',
      [keys.userNotifications(siteId, userId), keys.userUnread(siteId, userId)],
      [sitePrefix(siteId), ...(ids ?? [])],
    ).catch(translateRedisError);
  }

  /** Remembers that the user commented on the page, for matching `@mentions` there. */
  async addCommenter(siteId: string, pageId: string, userId: string): Promise<void> {
    await runScript(
      this.redis,
      'addCommenter',
      [keys.pageCommenters(siteId, pageId)],
      [sitePrefix(siteId), userId],
    ).catch(translateRedisError);
  }

  /** Everyone who has commented on the page. */
  async commenters(siteId: string, pageId: string): Promise<string[]> {
    return this.redis.lrange(keys.pageCommenters(siteId, pageId), 0, -1).catch(translateRedisError);
  }
}
