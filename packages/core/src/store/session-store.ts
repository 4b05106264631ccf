import { createHash, randomBytes } from 'node:crypto';
import { newRandomId, normalizeId } from '../ids.js';
import { keys, sitePrefix } from '../keys.js';
import { type RedisClient, translateRedisError } from './redis.js';
import { runScript } from './scripts.js';

const hash = (token: string) => createHash('sha256').update(token).digest('base64url');

/**
 * Sign-in sessions. An access token is valid only while its session exists, so
 * deleting the session revokes it at once. The refresh token is stored hashed
 * and rotates on every use.
 */
export class SessionStore {
  constructor(
    private readonly redis: RedisClient,
    private readonly ttlSeconds: number,
  ) {}

  /**
   * Creates a session; returns its id and the first refresh token (`<session id>.<secret>`).
   * With `passwordHash` (a password sign-in), only while that is still the account's
   * password: null when it was removed or changed meanwhile (see start_session.lua).
   */
  async create(
    siteId: string,
    userId: string,
    passwordHash?: string,
  ): Promise<{ sessionId: string; refreshToken: string } | null> {
    const sessionId = newRandomId();
    const refreshToken = `${sessionId}.${randomBytes(32).toString('base64url')}`;
    const started = await runScript(
      this.redis,
      'startSession',
      [keys.session(siteId, sessionId), keys.userSessions(siteId, userId), keys.user(siteId, userId)],
      [
        sitePrefix(siteId),
        sessionId,
        userId,
        hash(refreshToken),
        Math.floor(Date.now() / 1000),
        this.ttlSeconds,
        passwordHash ?? '',
      ],
    ).catch(translateRedisError);
    return started === 1 ? { sessionId, refreshToken } : null;
  }

  /** Exchanges a refresh token for a new one; reuse of an old token revokes the session. */
  async rotate(
    siteId: string,
    refreshToken: string,
  ): Promise<{ sessionId: string; userId: string; refreshToken: string }> {
    // A token from before layout 2 names its session by UUID.
    const sessionId = normalizeId(refreshToken.split('.', 1)[0] ?? '');
    const next = `${sessionId}.${randomBytes(32).toString('base64url')}`;
    const userId = await runScript(
      this.redis,
      'rotateRefresh',
      [keys.session(siteId, sessionId), keys.sessionUsedRefresh(siteId, sessionId)],
      [sitePrefix(siteId), hash(refreshToken), hash(next), this.ttlSeconds],
    ).catch(translateRedisError);
    return { sessionId, userId, refreshToken: next };
  }

  /** The user's live sessions, newest first (expired ones are dropped from the index on the way). */
  async list(siteId: string, userId: string): Promise<{ id: string; created_at: number }[]> {
    const ids = await this.redis.zrange(keys.userSessions(siteId, userId), 0, -1).catch(translateRedisError);
    const created = await Promise.all(
      ids.map((id) => this.redis.hget(keys.session(siteId, id), 'created')),
    ).catch(translateRedisError);
    const expired = ids.filter((_, i) => created[i] === null);
    if (expired.length > 0) {
      await this.redis.zrem(keys.userSessions(siteId, userId), ...expired).catch(translateRedisError);
    }
    return ids
      .map((id, i) => ({ id, created_at: Number(created[i]) }))
      .filter((_, i) => created[i] !== null)
      .sort((a, b) => b.created_at - a.created_at);
  }

  async revoke(siteId: string, sessionId: string, userId: string): Promise<void> {
    await this.redis
      .multi()
      .del(keys.session(siteId, sessionId), keys.sessionUsedRefresh(siteId, sessionId))
      .zrem(keys.userSessions(siteId, userId), sessionId)
      .exec()
      .catch(translateRedisError);
  }

  async revokeAll(siteId: string, userId: string): Promise<void> {
    const ids = await this.redis.zrange(keys.userSessions(siteId, userId), 0, -1).catch(translateRedisError);
    const multi = this.redis.multi();
    for (const id of ids) multi.del(keys.session(siteId, id), keys.sessionUsedRefresh(siteId, id));
    await multi.del(keys.userSessions(siteId, userId)).exec().catch(translateRedisError);
  }
}
