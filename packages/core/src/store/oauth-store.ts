import { createHash } from 'node:crypto';
import { keys } from '../keys.js';
import { type RedisClient, translateRedisError } from './redis.js';

/** How long a started OAuth sign-in may take, from the redirect to the provider to its callback. */
const OAUTH_STATE_TTL_SECONDS = 600;
/** How long a guest's link may wait before the popup starts the sign-in with it. */
const OAUTH_LINK_TTL_SECONDS = 600;

/** The guest a provider sign-in upgrades in place (when the identity has no account yet). */
export interface LinkedGuest {
  /** The guest's user id. */
  user: string;
  /** The guest's session, ended when the guest becomes the account (as registering does). */
  session: string | null;
}

/** What the callback needs to finish a sign-in it did not start. */
export interface PendingSignIn {
  provider: string;
  /** The exact origin of the page that started the flow: the only one the token is posted to. */
  origin: string;
  /** The PKCE code verifier; only its S256 challenge went to the provider. */
  verifier: string;
  /** Unix seconds. */
  created: number;
  /** The guest who started the flow with a link, if any. */
  guest?: LinkedGuest;
}

/** A guest's link waiting for the popup: which provider it is for, and who the guest is. */
export interface PendingLink extends LinkedGuest {
  provider: string;
}

/** The link is a bearer secret until used: Redis only ever holds its digest. */
const linkDigest = (link: string) => createHash('sha256').update(link).digest('hex');

/**
 * Started OAuth sign-ins, each usable once: the callback takes (reads and deletes)
 * its record. And guests' links to such a sign-in, each usable once too.
 */
export class OAuthStore {
  constructor(private readonly redis: RedisClient) {}

  async save(siteId: string, state: string, pending: PendingSignIn): Promise<void> {
    await this.redis
      .set(keys.oauthState(siteId, state), JSON.stringify(pending), 'EX', OAUTH_STATE_TTL_SECONDS)
      .catch(translateRedisError);
  }

  /** The pending sign-in, deleted in the same step; null when unknown, expired or already used. */
  async take(siteId: string, state: string): Promise<PendingSignIn | null> {
    const value = await this.takeJson<PendingSignIn>(keys.oauthState(siteId, state));
    if (
      !value ||
      typeof value.provider !== 'string' ||
      typeof value.origin !== 'string' ||
      typeof value.verifier !== 'string'
    ) {
      return null;
    }
    const guest = linkedGuest(value.guest);
    return {
      provider: value.provider,
      origin: value.origin,
      verifier: value.verifier,
      created: value.created ?? 0,
      ...(guest ? { guest } : {}),
    };
  }

  async saveLink(siteId: string, link: string, pending: PendingLink): Promise<void> {
    await this.redis
      .set(keys.oauthLink(siteId, linkDigest(link)), JSON.stringify(pending), 'EX', OAUTH_LINK_TTL_SECONDS)
      .catch(translateRedisError);
  }

  /** The guest's link, deleted in the same step; null when unknown, expired or already used. */
  async takeLink(siteId: string, link: string): Promise<PendingLink | null> {
    const value = await this.takeJson<PendingLink>(keys.oauthLink(siteId, linkDigest(link)));
    const guest = linkedGuest(value);
    return guest && typeof value?.provider === 'string' ? { provider: value.provider, ...guest } : null;
  }

  private async takeJson<T>(key: string): Promise<Partial<T> | null> {
    const raw = await this.redis.getdel(key).catch(translateRedisError);
    if (!raw) return null;
    try {
      const value: unknown = JSON.parse(raw);
      return value && typeof value === 'object' ? (value as Partial<T>) : null;
    } catch {
      return null;
    }
  }
}

function linkedGuest(value: Partial<LinkedGuest> | null | undefined): LinkedGuest | null {
  if (!value || typeof value.user !== 'string') return null;
  return { user: value.user, session: typeof value.session === 'string' ? value.session : null };
}
