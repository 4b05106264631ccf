import { keys } from '../keys.js';
import type { User } from '../types.js';
import { type RedisClient, translateRedisError } from './redis.js';

const FIELDS = ['name', 'avatar', 'karma', 'role', 'guest', 'created'] as const;

/** Commenters of a site. Accounts are per site, like their karma and roles. */
export class UserStore {
  constructor(private readonly redis: RedisClient) {}

  async create(siteId: string, user: User): Promise<void> {
    await this.redis
      .hset(keys.user(siteId, user.id), {
        name: user.name,
        avatar: user.avatar_url ?? '',
        karma: user.karma,
        role: user.role,
        guest: user.guest ? 1 : 0,
        created: user.created_at,
      })
      .catch(translateRedisError);
  }

  async get(siteId: string, userId: string): Promise<User | null> {
    const [name, avatar, karma, role, guest, created] = await this.redis
      .hmget(keys.user(siteId, userId), ...FIELDS)
      .catch(translateRedisError);
    if (name === null || name === undefined) return null;
    return {
      id: userId,
      name,
      avatar_url: avatar || null,
      karma: Number(karma ?? 0),
      role: (role as User['role']) || 'user',
      guest: guest === '1',
      created_at: Number(created ?? 0),
    };
  }

  /** The user's role on the site, or null when the user does not exist. */
  async roleOf(siteId: string, userId: string): Promise<User['role'] | null> {
    const role = await this.redis.hget(keys.user(siteId, userId), 'role').catch(translateRedisError);
    return (role as User['role'] | null) ?? null;
  }
}
