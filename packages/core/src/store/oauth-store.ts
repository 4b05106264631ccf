import { keys } from '../keys.js';
import { type RedisClient, translateRedisError } from './redis.js';

/** How long a started OAuth sign-in may take, from the redirect to the provider to its callback. */
export const OAUTH_STATE_TTL_SECONDS = 600;

/** What the callback needs to finish a sign-in it did not start. */
export interface PendingSignIn {
  provider: string;
  /** The exact origin of the page that started the flow: the only one the token is posted to. */
  origin: string;
  /** The PKCE code verifier; only its S256 challenge went to the provider. */
  verifier: string;
  /** Unix seconds. */
  created: number;
}

/** Started OAuth sign-ins, each usable once: the callback takes (reads and deletes) its record. */
export class OAuthStore {
  constructor(private readonly redis: RedisClient) {}

  async save(siteId: string, state: string, pending: PendingSignIn): Promise<void> {
    await this.redis
      .set(keys.oauthState(siteId, state), JSON.stringify(pending), 'EX', OAUTH_STATE_TTL_SECONDS)
      .catch(translateRedisError);
  }

  /** The pending sign-in, deleted in the same step; null when unknown, expired or already used. */
  async take(siteId: string, state: string): Promise<PendingSignIn | null> {
    const raw = await this.redis.getdel(keys.oauthState(siteId, state)).catch(translateRedisError);
    if (!raw) return null;
    try {
      const value = JSON.parse(raw) as Partial<PendingSignIn>;
      return typeof value.provider === 'string' &&
        typeof value.origin === 'string' &&
        typeof value.verifier === 'string'
        ? {
            provider: value.provider,
            origin: value.origin,
            verifier: value.verifier,
            created: value.created ?? 0,
          }
        : null;
    } catch {
      return null;
    }
  }
}
