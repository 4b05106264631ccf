import { setTimeout } from 'node:timers/promises';
import { LRUCache } from 'lru-cache';
import { type ApiKeyKind, apiKeyKind, generateApiKey, hashApiKey, safeEqual } from '../api-keys.js';
import type { StandaloneSiteConfig } from '../config.js';
import { DEFAULT_SITE_NAME } from '../environment.js';
import { notFound } from '../errors.js';
import { newId } from '../ids.js';
import { type KeyMode, malformedKey, unknownKey } from '../key-refusals.js';
import { originsForDomain } from '../origins.js';
import { DEFAULT_SETTINGS, parseSetting, withDefaults } from '../settings.js';
import type { SiteRecord, SiteStore } from '../store/site-store.js';
import type { SiteSettings } from '../types.js';

/** How long an instance waits for the standalone site another one claimed to be written, and how often it looks. */
const STANDALONE_CREATION_WAIT_MS = 10_000;
const STANDALONE_CREATION_POLL_MS = 50;

export interface ResolvedKey {
  site: SiteRecord;
  kind: ApiKeyKind;
}

/**
 * Where a comment server finds the sites it serves and their keys: Redis in
 * standalone mode (`SiteService`), the dashboard in SaaS mode
 * (`DashboardDirectory`).
 */
export interface SiteDirectory {
  /** Where owners manage their sites, which the refusals of a key name (`key-refusals.ts`). */
  readonly mode: KeyMode;
  resolveApiKey(apiKey: string): Promise<ResolvedKey>;
  /**
   * The key as this instance resolved it lately, if that answer may still be
   * used as it is; else undefined (then `resolveApiKey`). The hot read path
   * answers from it without waiting for anything.
   */
  cachedApiKey(apiKey: string): ResolvedKey | undefined;
  get(siteId: string): Promise<SiteRecord>;
  /** The site's widget was seen: SaaS mode reports it to the dashboard (its installation check). */
  noteSeen(siteId: string): void;
  /**
   * Repeated failures disabled one of the site's webhook endpoints. SaaS mode
   * reports it to the dashboard, which e-mails the site's owners (the comment
   * server knows no address of theirs); standalone, the owner runs the server
   * and its admins are e-mailed already.
   */
  webhookDisabled(siteId: string, endpoint: { id: string; url: string }, reason: string): Promise<void>;
}

export interface StandaloneBootstrap {
  site: SiteRecord;
  created: boolean;
  /** Keys generated on this start (print them: the secret is never shown again). */
  generated: { publicKey?: string; secretKey?: string };
}

/**
 * Sites and their keys. Key lookups are cached briefly in-process: they happen on
 * every request, and a changed setting or rotated key takes effect within `cacheTtlMs`.
 */
export class SiteService implements SiteDirectory {
  readonly mode = 'standalone';
  private readonly cache: LRUCache<string, ResolvedKey | 'unknown'>;

  constructor(
    private readonly store: SiteStore,
    cacheTtlMs = 5000,
    /** How long to wait for a standalone site another instance claimed (tests shorten it). */
    private readonly creationWaitMs = STANDALONE_CREATION_WAIT_MS,
  ) {
    this.cache = new LRUCache({ max: 10_000, ttl: cacheTtlMs });
  }

  async resolveApiKey(apiKey: string): Promise<ResolvedKey> {
    if (apiKeyKind(apiKey) === null) throw malformedKey();
    let resolved = this.cache.get(apiKey);
    if (resolved === undefined) {
      const found = await this.store.findByApiKey(apiKey);
      const site = found ? await this.store.get(found.siteId) : null;
      // The index is only a pointer: the key must still be the site's current one (a rotation
      // that failed to drop the old index entry must not leave the old key working).
      const current = found && site && safeEqual(hashApiKey(apiKey), site.keyHashes[found.kind]);
      resolved = current
        ? { site: { ...site, settings: withDefaults(site.settings) }, kind: found.kind }
        : 'unknown';
      this.cache.set(apiKey, resolved);
    }
    if (resolved === 'unknown') throw unknownKey(apiKey, this.mode);
    return resolved;
  }

  cachedApiKey(apiKey: string): ResolvedKey | undefined {
    const resolved = this.cache.get(apiKey);
    return resolved === 'unknown' ? undefined : resolved;
  }

  async get(siteId: string): Promise<SiteRecord> {
    const site = await this.store.get(siteId);
    if (!site) throw notFound('Site not found.');
    return { ...site, settings: withDefaults(site.settings) };
  }

  /** A standalone server runs its own site: there is no installation to check. */
  noteSeen(): void {}

  async webhookDisabled(): Promise<void> {}

  /**
   * The standalone site: created on first start, then kept in step with the
   * THREADKIT_* variables. Instances started together on an empty Redis agree
   * on one site: the first to claim its id creates it, the others wait for it.
   */
  async ensureStandaloneSite(config: StandaloneSiteConfig): Promise<StandaloneBootstrap> {
    const generated: StandaloneBootstrap['generated'] = {};
    const candidate = newId();
    const id = await this.store.claimStandaloneSiteId(candidate);
    // The claimer may have died before writing it: after a while, whoever starts next writes it.
    const existing = id === candidate ? null : await this.awaitSite(id);

    if (!existing) {
      const publicKey = config.publicKey ?? generateApiKey('public');
      const secretKey = config.secretKey ?? generateApiKey('secret');
      if (!config.publicKey) generated.publicKey = publicKey;
      if (!config.secretKey) generated.secretKey = secretKey;
      const settings: SiteSettings = {
        ...DEFAULT_SETTINGS,
        allowed_origins: config.allowedOrigins ?? (config.domain ? originsForDomain(config.domain) : []),
      };
      await this.store.create(
        {
          id,
          name: config.name ?? DEFAULT_SITE_NAME,
          domain: config.domain,
          settings,
          created_at: Math.floor(Date.now() / 1000),
        },
        { publicKey, secretKey },
      );
      return { site: await this.get(id), created: true, generated };
    }

    // Environment variables win for what they set; everything else keeps its stored value.
    const settings = withDefaults(existing.settings);
    if (config.allowedOrigins) settings.allowed_origins = config.allowedOrigins;
    else if (config.domain && settings.allowed_origins.length === 0)
      settings.allowed_origins = originsForDomain(config.domain);
    await this.store.update(existing.id, {
      ...(config.name !== null ? { name: config.name } : {}),
      ...(config.domain !== null ? { domain: config.domain } : {}),
      settings,
    });
    const keysToSet: { publicKey?: string; secretKey?: string } = {};
    if (config.publicKey && !safeEqual(config.publicKey, existing.publicKey))
      keysToSet.publicKey = config.publicKey;
    if (config.secretKey && !safeEqual(hashApiKey(config.secretKey), existing.keyHashes.secret)) {
      keysToSet.secretKey = config.secretKey;
    }
    if (keysToSet.publicKey || keysToSet.secretKey) await this.store.setKeys(existing.id, keysToSet);
    return { site: await this.get(existing.id), created: false, generated };
  }

  /** The site another instance is creating (with its keys), or null if it does not appear in time. */
  private async awaitSite(siteId: string): Promise<SiteRecord | null> {
    const deadline = Date.now() + this.creationWaitMs;
    for (;;) {
      const site = await this.store.get(siteId);
      if (site?.keyHashes.secret || Date.now() >= deadline) return site;
      await setTimeout(STANDALONE_CREATION_POLL_MS);
    }
  }

  /** New public and secret keys; the old ones stop working (after the lookup cache expires elsewhere). */
  async rotateKeys(siteId: string): Promise<{ publicKey: string; secretKey: string }> {
    await this.get(siteId);
    const rotated = { publicKey: generateApiKey('public'), secretKey: generateApiKey('secret') };
    await this.store.setKeys(siteId, rotated);
    this.cache.clear();
    return rotated;
  }

  async setSetting<K extends keyof SiteSettings>(
    siteId: string,
    name: K,
    raw: string,
  ): Promise<SiteSettings> {
    return this.setSettings(siteId, [[name, raw]]);
  }

  /** Changes several settings from their text form; all are parsed before any is stored. */
  async setSettings(siteId: string, changes: [keyof SiteSettings, string][]): Promise<SiteSettings> {
    const site = await this.get(siteId);
    const settings: SiteSettings = { ...site.settings };
    for (const [name, raw] of changes) Object.assign(settings, { [name]: parseSetting(name, raw) });
    await this.store.update(siteId, { settings });
    this.cache.clear();
    return settings;
  }

  /** Settings were changed in the store by another way (a restore): this instance's lookups read them again. */
  forgetCached(): void {
    this.cache.clear();
  }

  async standaloneSiteId(): Promise<string | null> {
    return this.store.standaloneSiteId();
  }
}
