import { keys, sitePrefix } from '../keys.js';
import type { LoginKind, User } from '../types.js';
import { type RedisClient, translateRedisError } from './redis.js';
import { runScript } from './scripts.js';

const FIELDS = [
  'name',
  'avatar',
  'karma',
  'role',
  'guest',
  'created',
  'email',
  'phone',
  'email_verified',
  'phone_verified',
  'email_notifications',
] as const;

const flag = (value: boolean) => (value ? 1 : 0);

function toFields(user: User): Record<string, string | number> {
  return {
    name: user.name,
    avatar: user.avatar_url ?? '',
    karma: user.karma,
    role: user.role,
    guest: flag(user.guest),
    created: user.created_at,
    email: user.email ?? '',
    phone: user.phone ?? '',
    email_verified: flag(user.email_verified),
    phone_verified: flag(user.phone_verified),
    email_notifications: flag(user.email_notifications),
  };
}

/** Commenters of a site. Accounts are per site, like their karma and roles. */
export class UserStore {
  constructor(private readonly redis: RedisClient) {}

  async create(siteId: string, user: User): Promise<void> {
    await this.redis.hset(keys.user(siteId, user.id), toFields(user)).catch(translateRedisError);
  }

  /**
   * Creates an account and claims its login (e-mail or phone) in one step;
   * false when another account already has that login.
   */
  async createWithLogin(
    siteId: string,
    user: User,
    login: { kind: LoginKind; value: string },
    passwordHash: string | null,
  ): Promise<boolean> {
    const fields = { ...toFields(user), ...(passwordHash ? { password: passwordHash } : {}) };
    const created = await runScript(
      this.redis,
      'createAccount',
      [keys.login(siteId, login.kind, login.value), keys.user(siteId, user.id)],
      [sitePrefix(siteId), user.id, ...Object.entries(fields).flat()],
    ).catch(translateRedisError);
    return created === 1;
  }

  async get(siteId: string, userId: string): Promise<User | null> {
    const values = await this.redis.hmget(keys.user(siteId, userId), ...FIELDS).catch(translateRedisError);
    const [name, avatar, karma, role, guest, created, email, phone, emailVerified, phoneVerified, notify] =
      values;
    if (name === null || name === undefined) return null;
    return {
      id: userId,
      name,
      avatar_url: avatar || null,
      karma: Number(karma ?? 0),
      role: (role as User['role']) || 'user',
      guest: guest === '1',
      created_at: Number(created ?? 0),
      email: email || null,
      phone: phone || null,
      email_verified: emailVerified === '1',
      phone_verified: phoneVerified === '1',
      email_notifications: notify === '1',
    };
  }

  async update(
    siteId: string,
    userId: string,
    fields: Partial<Record<(typeof FIELDS)[number], string | number>>,
  ) {
    if (Object.keys(fields).length > 0) {
      await this.redis.hset(keys.user(siteId, userId), fields).catch(translateRedisError);
    }
  }

  /** The account that signs in with this e-mail or phone, if any. */
  async findByLogin(siteId: string, kind: LoginKind, value: string): Promise<string | null> {
    return this.redis.get(keys.login(siteId, kind, value)).catch(translateRedisError);
  }

  async unreadCount(siteId: string, userId: string): Promise<number> {
    return Number((await this.redis.get(keys.userUnread(siteId, userId)).catch(translateRedisError)) ?? 0);
  }

  /** Erases the account (see erase_user.lua); returns the pages whose threads changed. */
  async erase(siteId: string, userId: string): Promise<string[]> {
    return runScript(
      this.redis,
      'eraseUser',
      [keys.user(siteId, userId)],
      [sitePrefix(siteId), userId],
    ).catch(translateRedisError);
  }

  /** What the account holds besides its profile: votes, comment ids and reports, for an export. */
  async holdings(siteId: string, userId: string) {
    const [votes, comments, reports] = await Promise.all([
      this.redis.hgetall(keys.userVotes(siteId, userId)),
      this.redis.zrange(keys.userComments(siteId, userId), 0, -1),
      this.redis.zrange(keys.userReports(siteId, userId), 0, -1),
    ]).catch(translateRedisError);
    return { votes, comments, reports };
  }

  async passwordHash(siteId: string, userId: string): Promise<string | null> {
    return this.redis.hget(keys.user(siteId, userId), 'password').catch(translateRedisError);
  }

  async setPasswordHash(siteId: string, userId: string, hash: string): Promise<void> {
    await this.redis.hset(keys.user(siteId, userId), 'password', hash).catch(translateRedisError);
  }
}
