import { createHash, randomInt } from 'node:crypto';
import { keys, sitePrefix } from '../keys.js';
import { type RedisClient, translateRedisError } from './redis.js';
import { runScript } from './scripts.js';

const CODE_TTL_SECONDS = 600;
const CODE_MAX_ATTEMPTS = 5;

const digest = (target: string, code: string) =>
  createHash('sha256').update(`${target}\n${code}`).digest('hex');

/**
 * One-time codes: 6 digits, valid 10 minutes, void after 5 wrong tries. Stored
 * hashed per purpose and target; a new code replaces the previous one.
 */
export class CodeStore {
  constructor(private readonly redis: RedisClient) {}

  /** Creates a code for the target and returns it; `payload` comes back when it is used. */
  async issue(siteId: string, purpose: string, target: string, payload = ''): Promise<string> {
    const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
    const key = keys.code(siteId, purpose, target);
    await this.redis
      .multi()
      .del(key)
      .hset(key, 'hash', digest(target, code), 'attempts', 0, 'payload', payload)
      .expire(key, CODE_TTL_SECONDS)
      .exec()
      .catch(translateRedisError);
    return code;
  }

  /** Uses a code: returns its payload, or throws `invalid_request` (wrong, expired or voided). */
  async use(siteId: string, purpose: string, target: string, code: string): Promise<string> {
    return runScript(
      this.redis,
      'checkCode',
      [keys.code(siteId, purpose, target)],
      [sitePrefix(siteId), digest(target, code), CODE_MAX_ATTEMPTS],
    ).catch(translateRedisError);
  }
}

/** Fixed-window counters for brute-force and abuse limits (codes sent, failed sign-ins). */
export class LimitStore {
  constructor(private readonly redis: RedisClient) {}

  /** Counts one event; returns the count in the current window and the seconds left in it. */
  async hit(
    siteId: string,
    name: string,
    subject: string,
    windowSeconds: number,
  ): Promise<{ count: number; ttl: number }> {
    const key = keys.limit(siteId, name, subject);
    const replies = await this.redis
      .multi()
      .incr(key)
      .expire(key, windowSeconds, 'NX')
      .ttl(key)
      .exec()
      .catch(translateRedisError);
    return { count: Number(replies?.[0]?.[1] ?? 0), ttl: Number(replies?.[2]?.[1] ?? windowSeconds) };
  }

  async count(siteId: string, name: string, subject: string): Promise<{ count: number; ttl: number }> {
    const key = keys.limit(siteId, name, subject);
    const [count, ttl] = await Promise.all([this.redis.get(key), this.redis.ttl(key)]).catch(
      translateRedisError,
    );
    return { count: Number(count ?? 0), ttl: Math.max(ttl, 0) };
  }

  async clear(siteId: string, name: string, subject: string): Promise<void> {
    await this.redis.del(keys.limit(siteId, name, subject)).catch(translateRedisError);
  }
}
