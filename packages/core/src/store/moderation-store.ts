import { keys, sitePrefix } from '../keys.js';
import type { StoredComment } from '../types.js';
import { decodeComment } from './comment-record.js';
import { readComments } from './comment-store.js';
import { type RedisClient, translateRedisError } from './redis.js';
import { runScript, runScriptBuffers } from './scripts.js';

export interface AuditEntry {
  at: number;
  actor: string;
  action: string;
  target: string;
  details?: Record<string, unknown>;
}

export interface ReportRecord {
  user_id: string;
  reason: string;
  details: string;
  created_at: number;
}

/** How many audit entries a site keeps. */
const AUDIT_KEPT = 1000;

/** The sets of users moderators act on, listed a page at a time. */
export type UserList = 'banned' | 'shadowbanned';

/**
 * Where a listing of a set stands: the SSCAN cursor of the next call and, when
 * the previous page ended inside what that call returns, the last id it took
 * and the cursor that call returned then.
 */
export interface ScanPosition {
  cursor: string;
  after: string | null;
  end: string | null;
}

/** SSCAN calls one page makes at most: a page of a sparse set may hold fewer than it asks for. */
const MAX_SCANS_PER_PAGE = 8;

/** Moderation state: the review queue, reports, bans, shadow-bans, roles, locks and the audit log. */
export class ModerationStore {
  constructor(private readonly redis: RedisClient) {}

  /**
   * Approves or rejects a comment; returns its page, its status before, the comment
   * after, and who could see it before and after. `actor`: who decides (no id for the
   * owner) and their rank, which must be above its author's, unless it is their own.
   */
  async decide(
    siteId: string,
    commentId: string,
    action: 'approve' | 'reject',
    now: number,
    actor: { id: string | null; rank: number },
  ) {
    const [pageId, before, record, wasPublic, isPublic] = await runScriptBuffers(
      this.redis,
      'moderateComment',
      [keys.comment(siteId, commentId)],
      [sitePrefix(siteId), action, now, actor.id ?? '', actor.rank],
    ).catch(translateRedisError);
    return {
      pageId: String(pageId),
      before: String(before) as StoredComment['s'],
      comment: decodeComment(commentId, record),
      wasPublic: wasPublic === 1,
      isPublic: isPublic === 1,
    };
  }

  /** One page of a sorted queue (review queue or reports), newest first, with the total. */
  async page(siteId: string, queue: 'modqueue' | 'reports', offset: number, limit: number) {
    const key = queue === 'modqueue' ? keys.modqueue(siteId) : keys.reports(siteId);
    const [ids, total] = await Promise.all([
      this.redis.zrevrange(key, offset, offset + limit - 1),
      this.redis.zcard(key),
    ]).catch(translateRedisError);
    return { ids, total };
  }

  comments(siteId: string, ids: string[]): Promise<StoredComment[]> {
    return readComments(this.redis, siteId, ids);
  }

  async reportsOf(siteId: string, commentId: string): Promise<ReportRecord[]> {
    const rows = await this.redis.hgetall(keys.commentReports(siteId, commentId)).catch(translateRedisError);
    return Object.entries(rows)
      .map(([userId, raw]) => ({ user_id: userId, ...(JSON.parse(raw) as Omit<ReportRecord, 'user_id'>) }))
      .sort((a, b) => b.created_at - a.created_at);
  }

  async pageUrl(siteId: string, pageId: string): Promise<string | null> {
    return this.redis.hget(keys.page(siteId, pageId), 'url').catch(translateRedisError);
  }

  /**
   * Bans a user (sessions end at once), when they are below `actorRank`; returns the
   * comments taken down: id, page id, and whether everyone could see it.
   */
  async ban(
    siteId: string,
    userId: string,
    takeDown: boolean,
    now: number,
    actorRank: number,
  ): Promise<[commentId: string, pageId: string, wasPublic: boolean][]> {
    const flat = await runScript(
      this.redis,
      'banUser',
      [keys.user(siteId, userId)],
      [sitePrefix(siteId), userId, takeDown ? 1 : 0, now, actorRank],
    ).catch(translateRedisError);
    const removed: [string, string, boolean][] = [];
    for (let i = 0; i < flat.length; i += 3)
      removed.push([String(flat[i]), String(flat[i + 1]), flat[i + 2] === 1]);
    return removed;
  }

  /** Lifts a ban, when the user is below `actorRank`. */
  async unban(siteId: string, userId: string, actorRank: number): Promise<void> {
    await runScript(
      this.redis,
      'unbanUser',
      [keys.user(siteId, userId)],
      [sitePrefix(siteId), userId, actorRank],
    ).catch(translateRedisError);
  }

  /** Shadow-bans or restores a user, when they are below `actorRank`; true when something changed. */
  async setShadowban(siteId: string, userId: string, on: boolean, actorRank: number): Promise<boolean> {
    const changed = await runScript(
      this.redis,
      'setShadowban',
      [keys.user(siteId, userId)],
      [sitePrefix(siteId), userId, on ? 1 : 0, actorRank],
    ).catch(translateRedisError);
    return changed === 1;
  }

  /**
   * Sets a user's role, when both the user and the role are below `actorRank`.
   * Taking `revoked` away changes nothing unless the user has it: false then.
   */
  async setRole(
    siteId: string,
    userId: string,
    role: 'admin' | 'moderator' | 'user',
    actorRank: number,
    options: {
      /** Taking this role away: nothing changes unless the user has it. */
      revoked?: 'admin' | 'moderator' | null;
      /** How many moderators and admins the site's plan allows; null: no limit. */
      staffLimit?: number | null;
    } = {},
  ): Promise<boolean> {
    const changed = await runScript(
      this.redis,
      'setRole',
      [keys.user(siteId, userId)],
      [sitePrefix(siteId), userId, role, actorRank, options.revoked ?? '', options.staffLimit ?? 0],
    ).catch(translateRedisError);
    return changed === 1;
  }

  /**
   * One page of at most `limit` ids of the banned or shadow-banned set, read
   * with SSCAN (never the whole set), and where the next page starts (null
   * after the last), with the set's size. SSCAN's own promise holds: an id in
   * the set from the first page to the last is listed, maybe twice; ids added
   * or removed meanwhile may or may not be.
   *
   * A call may return more ids than the page has room for (a small set comes
   * whole): they are taken in id order, and the next page makes the same call
   * again and skips the ids up to the last one taken, when the call ends where
   * it ended before (the same stretch of the set); otherwise it lists them all again.
   */
  async userPage(
    siteId: string,
    list: UserList,
    from: ScanPosition | null,
    limit: number,
  ): Promise<{ ids: string[]; next: ScanPosition | null; total: number }> {
    const key = list === 'banned' ? keys.banned(siteId) : keys.shadowbanned(siteId);
    const ids: string[] = [];
    let at = from ?? { cursor: '0', after: null, end: null };
    let next: ScanPosition | null = at;
    for (let scans = 0; scans < MAX_SCANS_PER_PAGE && ids.length < limit; scans++) {
      const [cursor, batch] = await this.redis
        .sscan(key, at.cursor, 'COUNT', limit)
        .catch(translateRedisError);
      let members = [...new Set(batch)].sort();
      const after = at.after;
      if (after !== null && cursor === at.end) members = members.filter((id) => id > after);
      const room = limit - ids.length;
      if (members.length > room) {
        ids.push(...members.slice(0, room));
        next = { cursor: at.cursor, after: ids.at(-1)!, end: cursor };
        break;
      }
      ids.push(...members);
      next = cursor === '0' ? null : { cursor, after: null, end: null };
      if (!next) break;
      at = next;
    }
    const total = await this.redis.scard(key).catch(translateRedisError);
    return { ids, next, total };
  }

  async members(siteId: string, role: 'admin' | 'moderator'): Promise<string[]> {
    return this.redis.smembers(keys.roleMembers(siteId, role)).catch(translateRedisError);
  }

  /**
   * Locks or unlocks a page, or the whole site when `pageId` is null. Returns
   * whether it is read-only now: a page also is while the whole site is locked.
   */
  async setLocked(siteId: string, pageId: string | null, locked: boolean): Promise<boolean> {
    const site = keys.site(siteId);
    const key = pageId === null ? site : keys.page(siteId, pageId);
    const change = this.redis.multi();
    if (locked) change.hset(key, 'locked', '1');
    else change.hdel(key, 'locked');
    // Threads show whether they are locked: the page's version (or, for the site, its epoch) moves.
    if (pageId === null) change.incr(keys.siteEpoch(siteId));
    else change.hincrby(key, 'ver', 1);
    // Read in the same transaction, so the answer matches the lock just written.
    change.hget(site, 'locked');
    const replies = await change.exec().catch(translateRedisError);
    const failed = replies?.find(([error]) => error)?.[0];
    if (failed) translateRedisError(failed);
    return locked || replies?.at(-1)?.[1] === '1';
  }

  async audit(siteId: string, entry: AuditEntry): Promise<void> {
    await this.redis
      .multi()
      .lpush(keys.audit(siteId), JSON.stringify(entry))
      .ltrim(keys.audit(siteId), 0, AUDIT_KEPT - 1)
      .exec()
      .catch(translateRedisError);
  }

  async auditLog(
    siteId: string,
    offset: number,
    limit: number,
  ): Promise<{ entries: AuditEntry[]; total: number }> {
    const [raw, total] = await Promise.all([
      this.redis.lrange(keys.audit(siteId), offset, offset + limit - 1),
      this.redis.llen(keys.audit(siteId)),
    ]).catch(translateRedisError);
    return { entries: raw.map((r) => JSON.parse(r) as AuditEntry), total };
  }
}
