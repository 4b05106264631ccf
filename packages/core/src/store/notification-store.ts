import { keys, sitePrefix } from '../keys.js';
import { type RedisClient, translateRedisError } from './redis.js';
import { runScript } from './scripts.js';

export type NotificationType = 'reply' | 'mention' | 'upvote';
export const NOTIFICATION_TYPES: readonly NotificationType[] = ['reply', 'mention', 'upvote'];

/** A notification as stored: one JSON value in the user's records hash. */
export interface StoredNotification {
  id: string;
  type: NotificationType;
  comment_id: string;
  page_id: string;
  /** The page's URL when the notification was made; '' for a page known only by its key. */
  page_url: string;
  /** The user who caused it; '' for upvotes (votes are anonymous). */
  from: string;
  /** Unix seconds. */
  created_at: number;
  read: boolean;
}

/** How many notifications a user keeps: older ones are dropped (and stop counting as unread). */
export const NOTIFICATIONS_KEPT = 200;

/**
 * Notifications per user on a site: a sorted set of ids by time and a hash of
 * records, with the unread counter of the seed (`user:{id}:unread`) kept equal
 * to the number of unread records by the scripts that change them. Also the
 * per-page set of commenters that `@mentions` are matched against.
 */
export class NotificationStore {
  constructor(
    private readonly redis: RedisClient,
    private readonly kept = NOTIFICATIONS_KEPT,
  ) {}

  /**
   * Adds an unread notification; null when it was not added: the recipient's
   * account no longer exists, or `throttle` names a comment whose author was
   * already told of an upvote within `throttle.seconds`.
   */
  async add(
    siteId: string,
    userId: string,
    notification: Omit<StoredNotification, 'page_url' | 'read' | 'created_at'> & { createdMs: number },
    throttle?: { seconds: number },
  ): Promise<StoredNotification | null> {
    const { createdMs, ...fields } = notification;
    const record = { ...fields, created_at: Math.floor(createdMs / 1000) };
    const keyList = [
      keys.userNotifications(siteId, userId),
      keys.userNotificationRecords(siteId, userId),
      keys.userUnread(siteId, userId),
      ...(throttle ? [keys.upvoteNotified(siteId, notification.comment_id)] : []),
    ];
    const stored = await runScript(this.redis, 'addNotification', keyList, [
      sitePrefix(siteId),
      userId,
      notification.id,
      createdMs,
      JSON.stringify(record),
      this.kept,
      throttle?.seconds ?? 0,
    ]).catch(translateRedisError);
    return stored ? (JSON.parse(stored) as StoredNotification) : null;
  }

  /** A page of the user's notifications, newest first, and the unread count. */
  async list(
    siteId: string,
    userId: string,
    offset: number,
    limit: number,
  ): Promise<{ notifications: StoredNotification[]; unread: number }> {
    const [ids, unread] = await Promise.all([
      this.redis.zrevrange(keys.userNotifications(siteId, userId), offset, offset + limit - 1),
      this.redis.get(keys.userUnread(siteId, userId)),
    ]).catch(translateRedisError);
    const raw =
      ids.length > 0
        ? await this.redis
            .hmget(keys.userNotificationRecords(siteId, userId), ...ids)
            .catch(translateRedisError)
        : [];
    // A record trimmed between the two reads is simply left out.
    const notifications = raw.flatMap((json) => (json ? [JSON.parse(json) as StoredNotification] : []));
    return { notifications, unread: Math.max(0, Number(unread ?? 0)) };
  }

  /** Marks the given notifications (all when null) read; returns how many were unread. */
  async markRead(siteId: string, userId: string, ids: string[] | null): Promise<number> {
    return runScript(
      this.redis,
      'readNotifications',
      [keys.userNotificationRecords(siteId, userId), keys.userUnread(siteId, userId)],
      [sitePrefix(siteId), ...(ids ?? [])],
    ).catch(translateRedisError);
  }

  /** Remembers that the user commented on the page, for matching `@mentions` there. */
  async addCommenter(siteId: string, pageId: string, userId: string): Promise<void> {
    await this.redis.sadd(keys.pageCommenters(siteId, pageId), userId).catch(translateRedisError);
  }

  /** Everyone who has commented on the page. */
  async commenters(siteId: string, pageId: string): Promise<string[]> {
    return this.redis.smembers(keys.pageCommenters(siteId, pageId)).catch(translateRedisError);
  }
}
