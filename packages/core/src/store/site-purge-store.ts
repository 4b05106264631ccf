import { isId } from '../ids.js';
import { keys, sitePrefix } from '../keys.js';
import { isCluster, type RedisClient, translateRedisError } from './redis.js';
import { runScript } from './scripts.js';

/** A site whose data is to be deleted, and when that was last asked (ms). */
export interface PendingPurge {
  siteId: string;
  requestedAt: number;
}

/**
 * The deletion of sites' data: the purges asked for (`tk:purges`, one global
 * sorted set, so every instance sees them and they outlive a restart), a lock
 * per site so one worker at a time works on it, and the step that removes a
 * batch of a site's keys. Every key of a site carries its id as hash tag, so
 * they all live in one slot: a step runs on the node that holds it.
 */
export class SitePurgeStore {
  constructor(private readonly redis: RedisClient) {}

  /** Records that the site's data is to be deleted; asking again moves the time on. */
  async request(siteId: string, atMs: number): Promise<void> {
    checkSiteId(siteId);
    await this.redis.zadd(keys.purges(), 'GT', atMs, siteId).catch(translateRedisError);
  }

  /** The purges not yet finished, those asked longest ago first, at most `limit`. */
  async pending(limit: number): Promise<PendingPurge[]> {
    const flat = await this.redis
      .zrange(keys.purges(), 0, limit - 1, 'WITHSCORES')
      .catch(translateRedisError);
    const purges: PendingPurge[] = [];
    for (let i = 0; i + 1 < flat.length; i += 2) {
      purges.push({ siteId: flat[i]!, requestedAt: Number(flat[i + 1]) });
    }
    return purges;
  }

  /** Takes the site's lock for `ttlMs` unless another worker holds it. */
  async lock(siteId: string, token: string, ttlMs: number): Promise<boolean> {
    const set = await this.redis
      .set(keys.purgeLock(siteId), token, 'PX', ttlMs, 'NX')
      .catch(translateRedisError);
    return set === 'OK';
  }

  /** Gives the lock another `ttlMs`; false when it is no longer this worker's (it ran out and another took it). */
  async renew(siteId: string, token: string, ttlMs: number): Promise<boolean> {
    const renewed = await runScript(
      this.redis,
      'purgeLock',
      [keys.purgeLock(siteId)],
      ['', token, 'renew', ttlMs],
    ).catch(translateRedisError);
    return renewed === 1;
  }

  /** Lets the lock go, if it is still this worker's. */
  async unlock(siteId: string, token: string): Promise<void> {
    await runScript(this.redis, 'purgeLock', [keys.purgeLock(siteId)], ['', token, 'release']).catch(
      translateRedisError,
    );
  }

  /**
   * One step of a pass over the site's keys: removes (UNLINK) those one SCAN
   * step names, about `batch` looked at. Start a pass with cursor `'0'`; it is
   * complete when the cursor returned is `'0'` again.
   */
  async step(siteId: string, cursor: string, batch: number): Promise<{ cursor: string; removed: number }> {
    checkSiteId(siteId);
    const [next, removed] = await runScript(
      this.redis,
      'purgeStep',
      [keys.site(siteId)],
      [sitePrefix(siteId), cursor, batch, isCluster(this.redis) ? '1' : ''],
    ).catch(translateRedisError);
    return { cursor: String(next), removed };
  }

  /** Ends the purge asked at `requestedAt`; false when it was asked again since (or already ended). */
  async finish(siteId: string, requestedAt: number): Promise<boolean> {
    const ended = await runScript(
      this.redis,
      'finishPurge',
      [keys.purges()],
      ['', siteId, requestedAt],
    ).catch(translateRedisError);
    return ended === 1;
  }
}

/** The pass matches keys by the site's prefix: anything but an id could name other sites' keys. */
function checkSiteId(siteId: string): void {
  if (!isId(siteId)) throw new Error(`Not a site id: ${JSON.stringify(siteId)}`);
}
