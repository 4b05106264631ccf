import { keys, sitePrefix } from '../keys.js';
import { type RedisClient, translateRedisError } from './redis.js';
import { runScript } from './scripts.js';

/** A reply or mention waiting for its recipient's digest e-mail. */
export interface DigestItem {
  type: 'reply' | 'mention';
  /** Who wrote the comment. */
  from: string;
  /** The comment's Markdown source, shortened for the e-mail. */
  excerpt: string;
  /** The page, when it has a URL of the site. */
  pageUrl: string | null;
}

/** What a digest would send now, or when it may be sent. */
export type DigestPeek = { later: number } | { items: DigestItem[]; more: number };

/** Most notifications one digest lists; later ones are only counted. */
const MAX_DIGEST_ITEMS = 50;

/** How long a recipient's window and digest outlive the window (ms): a day, for a queue that stalled. */
const KEEP_MS = 24 * 3600 * 1000;

/**
 * The per-recipient throttle of notification e-mails (`hold_mail.lua`): each
 * user's window (when the last e-mail's window ends) and the notifications
 * waiting for the digest, in the site's slot beside the user.
 */
export class MailDigestStore {
  constructor(private readonly redis: RedisClient) {}

  /** Sends now (0) and opens a window, or adds the item to the digest and answers when it is due (ms). */
  async hold(
    siteId: string,
    userId: string,
    item: DigestItem,
    nowMs: number,
    windowMs: number,
  ): Promise<number> {
    return runScript(
      this.redis,
      'holdMail',
      [keys.userMailWindow(siteId, userId)],
      [sitePrefix(siteId), userId, nowMs, windowMs, JSON.stringify(item), MAX_DIGEST_ITEMS, KEEP_MS],
    ).catch(translateRedisError);
  }

  /** The digest as it stands, without taking it; or, while a window is open, when it ends. */
  async peek(siteId: string, userId: string, nowMs: number): Promise<DigestPeek> {
    const [ends, more, ...items] = await runScript(
      this.redis,
      'peekDigest',
      [keys.userMailWindow(siteId, userId)],
      [sitePrefix(siteId), userId, nowMs],
    ).catch(translateRedisError);
    if (ends !== 0) return { later: ends };
    return { items: items.map((raw) => JSON.parse(String(raw)) as DigestItem), more: Number(more ?? 0) };
  }

  /**
   * Takes what a digest e-mail carried (the first `sent` items and `more` left out) and opens a new
   * window; returns how many items still wait.
   */
  async commit(
    siteId: string,
    userId: string,
    taken: { sent: number; more: number },
    nowMs: number,
    windowMs: number,
  ): Promise<number> {
    return runScript(
      this.redis,
      'commitDigest',
      [keys.userMailWindow(siteId, userId)],
      [sitePrefix(siteId), userId, taken.sent, taken.more, nowMs, windowMs, KEEP_MS],
    ).catch(translateRedisError);
  }
}
