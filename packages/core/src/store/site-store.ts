import { type ApiKeyKind, hashApiKey, maskApiKey } from '../api-keys.js';
import { keys } from '../keys.js';
import type { Site, SiteSettings } from '../types.js';
import { type RedisClient, translateRedisError } from './redis.js';

export interface SiteRecord extends Site {
  publicKey: string;
  /** A masked form of the secret key; the key itself is only stored hashed. */
  secretKeyHint: string;
  /** SHA-256 of the current keys, to check an index hit against the site's own record. */
  keyHashes: { public: string; secret: string };
}

/** Sites and their API keys. Keys are indexed by their SHA-256, never stored in clear (the public one aside). */
export class SiteStore {
  constructor(private readonly redis: RedisClient) {}

  async create(site: Site, apiKeys: { publicKey: string; secretKey: string }): Promise<void> {
    await this.redis
      .hset(keys.site(site.id), {
        id: site.id,
        name: site.name,
        domain: site.domain ?? '',
        settings: JSON.stringify(site.settings),
        created: site.created_at,
      })
      .catch(translateRedisError);
    await this.setKeys(site.id, apiKeys);
  }

  async get(siteId: string): Promise<SiteRecord | null> {
    const row = await this.redis.hgetall(keys.site(siteId)).catch(translateRedisError);
    if (!row.id) return null;
    return {
      id: row.id,
      name: row.name ?? '',
      domain: row.domain || null,
      settings: JSON.parse(row.settings ?? '{}') as SiteSettings,
      created_at: Number(row.created ?? 0),
      publicKey: row.pub ?? '',
      secretKeyHint: row.sec_hint ?? '',
      keyHashes: { public: row.pub_hash ?? '', secret: row.sec_hash ?? '' },
    };
  }

  async findByApiKey(apiKey: string): Promise<{ siteId: string; kind: ApiKeyKind } | null> {
    const value = await this.redis.get(keys.apiKey(hashApiKey(apiKey))).catch(translateRedisError);
    if (!value) return null;
    const [siteId, kind] = value.split(' ');
    return siteId && (kind === 'public' || kind === 'secret') ? { siteId, kind } : null;
  }

  /** Replaces the site's public and/or secret key; the old ones stop working at once. */
  async setKeys(siteId: string, apiKeys: { publicKey?: string; secretKey?: string }): Promise<void> {
    const [oldPublicHash, oldSecretHash] = await this.redis
      .hmget(keys.site(siteId), 'pub_hash', 'sec_hash')
      .catch(translateRedisError);
    const site = keys.site(siteId);
    // The key index is global (outside the site's slot), so these are separate commands:
    // the new key is indexed before the old one is dropped, keeping the site reachable throughout.
    const steps: Promise<unknown>[] = [];
    if (apiKeys.publicKey) {
      const digest = hashApiKey(apiKeys.publicKey);
      await this.redis.set(keys.apiKey(digest), `${siteId} public`).catch(translateRedisError);
      steps.push(this.redis.hset(site, 'pub', apiKeys.publicKey, 'pub_hash', digest));
      if (oldPublicHash && oldPublicHash !== digest) steps.push(this.redis.del(keys.apiKey(oldPublicHash)));
    }
    if (apiKeys.secretKey) {
      const digest = hashApiKey(apiKeys.secretKey);
      await this.redis.set(keys.apiKey(digest), `${siteId} secret`).catch(translateRedisError);
      steps.push(this.redis.hset(site, 'sec_hash', digest, 'sec_hint', maskApiKey(apiKeys.secretKey)));
      if (oldSecretHash && oldSecretHash !== digest) steps.push(this.redis.del(keys.apiKey(oldSecretHash)));
    }
    await Promise.all(steps).catch(translateRedisError);
  }

  async update(
    siteId: string,
    fields: { name?: string; domain?: string | null; settings?: SiteSettings },
  ): Promise<void> {
    const values: Record<string, string> = {};
    if (fields.name !== undefined) values.name = fields.name;
    if (fields.domain !== undefined) values.domain = fields.domain ?? '';
    if (fields.settings !== undefined) values.settings = JSON.stringify(fields.settings);
    if (Object.keys(values).length > 0)
      await this.redis.hset(keys.site(siteId), values).catch(translateRedisError);
  }

  async standaloneSiteId(): Promise<string | null> {
    return this.redis.get(keys.standaloneSite()).catch(translateRedisError);
  }

  /**
   * Makes `siteId` the standalone site's id unless one is recorded already:
   * the id recorded now (`siteId` when this call claimed it).
   */
  async claimStandaloneSiteId(siteId: string): Promise<string> {
    const earlier = await this.redis
      .set(keys.standaloneSite(), siteId, 'NX', 'GET')
      .catch(translateRedisError);
    return earlier ?? siteId;
  }

  /** The shared JWT secret: the first instance to start generates it, every other reads it. */
  async jwtSecret(generate: () => string): Promise<string> {
    await this.redis.set(keys.jwtSecret(), generate(), 'NX').catch(translateRedisError);
    const secret = await this.redis.get(keys.jwtSecret()).catch(translateRedisError);
    if (!secret) throw new Error('Could not read the JWT secret from Redis');
    return secret;
  }
}
