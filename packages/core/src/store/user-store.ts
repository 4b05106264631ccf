import { keys, sitePrefix } from '../keys.js';
import type { LoginKind, User } from '../types.js';
import { type RedisClient, translateRedisError } from './redis.js';
import { runScript } from './scripts.js';

/** The fields of a user's hash that make a `User`, in the order `userFromFields` reads them. */
export const USER_FIELDS = [
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

/** What a signed-in request checks: whose the session is (null once it has ended), a ban, the user (null when gone). */
export interface SessionRecord {
  owner: string | null;
  banned: boolean;
  user: User | null;
}

/** A session check as `session_state` (prelude.lua) answers it, for `userId`. */
export function sessionRecordOf(
  userId: string,
  [owner, banned, ...values]: readonly [string, number, ...(string | null)[]],
): SessionRecord {
  return { owner: owner || null, banned: banned === 1, user: userFromFields(userId, values) };
}

/** A user from their hash's USER_FIELDS, in order; null when the account is gone. */
function userFromFields(userId: string, values: readonly (string | null | undefined)[]): User | null {
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

/** A sign-in provider's account: the provider's name and its stable id for the person (`sub`). */
export interface ProviderIdentityRef {
  provider: string;
  subject: string;
}

/** Commenters of a site. Accounts are per site, like their karma and roles. */
export class UserStore {
  constructor(
    private readonly redis: RedisClient,
    /**
     * Told when a change moved the site's visibility epoch (a name, an avatar,
     * a guest becoming an account, an erasure), so this instance rebuilds its
     * cached threads at once rather than at its next revalidation.
     */
    private readonly onSiteChanged: (siteId: string) => void = () => {},
  ) {}

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
    // The account may be a guest's upgrade, which renames their comments.
    if (created === 1) this.onSiteChanged(siteId);
    return created === 1;
  }

  async get(siteId: string, userId: string): Promise<User | null> {
    const values = await this.redis
      .hmget(keys.user(siteId, userId), ...USER_FIELDS)
      .catch(translateRedisError);
    return userFromFields(userId, values);
  }

  /** The users that exist among `ids`, in that order, with whether each is banned or shadow-banned: one pipeline. */
  async getMany(
    siteId: string,
    ids: string[],
  ): Promise<{ user: User; banned: boolean; shadowBanned: boolean }[]> {
    if (ids.length === 0) return [];
    const pipeline = this.redis.pipeline();
    for (const id of ids) pipeline.hmget(keys.user(siteId, id), ...USER_FIELDS);
    pipeline.smismember(keys.banned(siteId), ...ids);
    pipeline.smismember(keys.shadowbanned(siteId), ...ids);
    const answers = (await pipeline.exec().catch(translateRedisError)) ?? [];
    for (const [error] of answers) if (error) translateRedisError(error);
    const banned = answers[ids.length]![1] as number[];
    const shadowBanned = answers[ids.length + 1]![1] as number[];
    return ids.flatMap((id, i) => {
      const user = userFromFields(id, answers[i]![1] as (string | null)[]);
      return user ? [{ user, banned: banned[i] === 1, shadowBanned: shadowBanned[i] === 1 }] : [];
    });
  }

  /**
   * What a signed-in request checks, in one script call (`session_state.lua`):
   * whose the session is (null once it has ended), whether the user is banned,
   * and the user (null when the account is gone).
   */
  async sessionState(siteId: string, sessionId: string, userId: string): Promise<SessionRecord> {
    const answer = await runScript(
      this.redis,
      'sessionState',
      [keys.session(siteId, sessionId), keys.user(siteId, userId), keys.banned(siteId)],
      [userId, ...USER_FIELDS],
    ).catch(translateRedisError);
    return sessionRecordOf(userId, answer);
  }

  async update(
    siteId: string,
    userId: string,
    fields: Partial<Record<(typeof USER_FIELDS)[number], string | number>>,
  ) {
    if (Object.keys(fields).length === 0) return;
    const multi = this.redis.multi().hset(keys.user(siteId, userId), fields);
    // Names and avatars are shown in every thread the user wrote in: a new site epoch
    // makes every instance rebuild its cached threads.
    const epoch = 'name' in fields || 'avatar' in fields;
    if (epoch) multi.incr(keys.siteEpoch(siteId));
    await multi.exec().catch(translateRedisError);
    if (epoch) this.onSiteChanged(siteId);
  }

  /** The account that signs in with this e-mail or phone, if any. */
  async findByLogin(siteId: string, kind: LoginKind, value: string): Promise<string | null> {
    return this.redis.get(keys.login(siteId, kind, value)).catch(translateRedisError);
  }

  async isBanned(siteId: string, userId: string): Promise<boolean> {
    return (await this.redis.sismember(keys.banned(siteId), userId).catch(translateRedisError)) === 1;
  }

  async isShadowbanned(siteId: string, userId: string): Promise<boolean> {
    return (await this.redis.sismember(keys.shadowbanned(siteId), userId).catch(translateRedisError)) === 1;
  }

  async unreadCount(siteId: string, userId: string): Promise<number> {
    return Number((await this.redis.get(keys.userUnread(siteId, userId)).catch(translateRedisError)) ?? 0);
  }

  /** Names and avatars of many users at once; accounts that no longer exist are left out. */
  async profiles(
    siteId: string,
    userIds: string[],
  ): Promise<Map<string, { name: string; avatar_url: string | null }>> {
    const rows = await Promise.all(
      userIds.map((id) => this.redis.hmget(keys.user(siteId, id), 'name', 'avatar')),
    ).catch(translateRedisError);
    const found = new Map<string, { name: string; avatar_url: string | null }>();
    rows.forEach(([name, avatar], i) => {
      if (name) found.set(userIds[i]!, { name, avatar_url: avatar || null });
    });
    return found;
  }

  /** The names of the site's admins and moderators, by user id. */
  async staffNames(siteId: string): Promise<Map<string, string>> {
    const [admins, moderators] = await Promise.all([
      this.redis.smembers(keys.roleMembers(siteId, 'admin')),
      this.redis.smembers(keys.roleMembers(siteId, 'moderator')),
    ]).catch(translateRedisError);
    const profiles = await this.profiles(siteId, [...admins, ...moderators]);
    return new Map([...profiles].map(([id, profile]) => [id, profile.name]));
  }

  /** Erases the account (see erase_user.lua); returns the pages whose threads changed. */
  async erase(siteId: string, userId: string): Promise<string[]> {
    const pages = await runScript(
      this.redis,
      'eraseUser',
      [keys.user(siteId, userId)],
      [sitePrefix(siteId), userId],
    ).catch(translateRedisError);
    this.onSiteChanged(siteId);
    return pages;
  }

  /** What the account holds besides its profile: votes, comment ids and reports, for an export. */
  async holdings(siteId: string, userId: string) {
    const [votes, comments, reports, identities] = await Promise.all([
      this.redis.hgetall(keys.userVotes(siteId, userId)),
      this.redis.lrange(keys.userComments(siteId, userId), 0, -1),
      this.redis.zrange(keys.userReports(siteId, userId), 0, -1),
      this.redis.smembers(keys.userIdentities(siteId, userId)),
    ]).catch(translateRedisError);
    // Votes are stored as one letter.
    const directions = Object.fromEntries(
      Object.entries(votes).map(([id, vote]) => [id, vote === 'u' ? 'up' : 'down'] as const),
    );
    return { votes: directions, comments, reports, identities };
  }

  async passwordHash(siteId: string, userId: string): Promise<string | null> {
    return this.redis.hget(keys.user(siteId, userId), 'password').catch(translateRedisError);
  }

  async setPasswordHash(siteId: string, userId: string, hash: string): Promise<void> {
    await this.redis.hset(keys.user(siteId, userId), 'password', hash).catch(translateRedisError);
  }

  /**
   * An address was just proven on the account: it counts as verified. When it
   * was not before, the password goes and every session ends in the same step
   * (see prove_address.lua); true then.
   */
  async proveAddress(siteId: string, userId: string, kind: LoginKind): Promise<boolean> {
    const taken = await runScript(
      this.redis,
      'proveAddress',
      [keys.user(siteId, userId)],
      [sitePrefix(siteId), userId, kind],
    ).catch(translateRedisError);
    return taken === 1;
  }

  /** The account a sign-in provider's identity signs in to, if any. */
  async findByIdentity(siteId: string, identity: ProviderIdentityRef): Promise<string | null> {
    return this.redis
      .get(keys.identity(siteId, identity.provider, identity.subject))
      .catch(translateRedisError);
  }

  /**
   * Links a provider identity to an existing account. Answers which account the
   * identity now signs in to (another one when it was linked meanwhile), or
   * null when the account is gone. With `proven`, the provider proved the
   * account's address of that kind: linking proves it too (see `proveAddress`),
   * in the same step.
   */
  async linkIdentity(
    siteId: string,
    identity: ProviderIdentityRef,
    userId: string,
    proven: LoginKind | null = null,
  ): Promise<string | null> {
    const [status, linked] = await this.runLink(siteId, identity, userId, 'link', null, [proven ?? '']);
    return status === 'no_user' ? null : linked;
  }

  /**
   * Creates an account signed in to by a provider identity, claiming `email` as
   * its login when given, in one step. Answers the account the identity signs in
   * to (another one when it was linked meanwhile), or null when another account
   * has the e-mail.
   */
  async createWithIdentity(
    siteId: string,
    user: User,
    identity: ProviderIdentityRef,
    email: string | null,
  ): Promise<string | null> {
    const [status, linked] = await this.runLink(
      siteId,
      identity,
      user.id,
      'create',
      email,
      Object.entries(toFields(user)).flat(),
    );
    return status === 'login_taken' ? null : linked;
  }

  private async runLink(
    siteId: string,
    identity: ProviderIdentityRef,
    userId: string,
    mode: 'link' | 'create',
    email: string | null,
    fields: (string | number)[],
  ) {
    const result = await runScript(
      this.redis,
      'linkIdentity',
      [
        keys.identity(siteId, identity.provider, identity.subject),
        keys.user(siteId, userId),
        ...(email ? [keys.login(siteId, 'email', email)] : []),
      ],
      [sitePrefix(siteId), userId, `${identity.provider}:${identity.subject}`, mode, ...fields],
    ).catch(translateRedisError);
    // Creating may upgrade a guest in place, which renames their comments.
    if (mode === 'create') this.onSiteChanged(siteId);
    return result;
  }
}
