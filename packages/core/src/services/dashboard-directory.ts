import { LRUCache } from 'lru-cache';
import { type ApiKeyKind, apiKeyKind } from '../api-keys.js';
import { notFound, ThreadKitError } from '../errors.js';
import { malformedKey, unknownKey } from '../key-refusals.js';
import type { SitePlan } from '../plans.js';
import { withDefaults } from '../settings.js';
import type { SiteRecord } from '../store/site-store.js';
import type { SiteSettings } from '../types.js';
import type { ResolvedKey, SiteDirectory } from './site-service.js';

/** What the dashboard's internal API answers for a site (`GET <INTERNAL_API_URL>/sites/<id>`). */
interface SiteInfo {
  siteId: string;
  name: string;
  domain: string;
  allowedOrigins: string[];
  settings: Partial<SiteSettings>;
  /** What the owner's plan allows the site; enforced here without asking again. */
  plan: SitePlan;
}

/** … and for a key (`GET <INTERNAL_API_URL>/keys/<key>`). */
interface KeyVerdict extends SiteInfo {
  kind: ApiKeyKind;
}

export interface DashboardDirectoryOptions {
  /** `INTERNAL_API_URL`, e.g. `http://dashboard:3000/api/internal`. */
  url: string;
  /** `INTERNAL_API_SECRET`. */
  secret: string;
  /** An answer older than this is refreshed in the background while it is still used. */
  refreshAfterMs?: number;
  /** An answer older than this is not used without asking again: a rotated key or a changed setting takes effect within it. */
  expireAfterMs?: number;
  /** While the dashboard cannot be reached, a key it vouched for keeps working this long. */
  keepWhileUnreachableMs?: number;
  timeoutMs?: number;
  /** How often a site's widget sighting is reported, at most (the installation check). */
  seenEveryMs?: number;
  onError?: (error: unknown) => void;
}

interface Entry<T> {
  value: T | null;
  checkedAt: number;
  refreshing: Promise<Entry<T>> | null;
}

/**
 * SaaS mode's sites: the dashboard holds them (its Postgres), and this asks its
 * internal API about each key and site it has not seen lately, keeping the
 * answers in process. Answers are refreshed in the background after 3 s and not used past
 * 5 s, so a rotated key, a deleted site or a changed setting takes effect on
 * every instance within 5 s. While the dashboard is unreachable, keys it
 * vouched for keep working for an hour, and a key it never judged is answered
 * `503 unavailable`, never `401`: a key is not unknown because nobody could
 * look it up.
 */
export class DashboardDirectory implements SiteDirectory {
  readonly mode = 'saas';
  private readonly keys = new LRUCache<string, Entry<ResolvedKey>>({ max: 50_000 });
  private readonly sites = new LRUCache<string, Entry<SiteRecord>>({ max: 50_000 });
  private readonly seen = new LRUCache<string, number>({ max: 100_000 });
  private readonly options: Required<Omit<DashboardDirectoryOptions, 'onError'>> &
    Pick<DashboardDirectoryOptions, 'onError'>;

  constructor(options: DashboardDirectoryOptions) {
    this.options = {
      refreshAfterMs: 3000,
      expireAfterMs: 5000,
      keepWhileUnreachableMs: 3600_000,
      timeoutMs: 2000,
      seenEveryMs: 60_000,
      ...options,
      url: options.url.replace(/\/+$/, ''),
    };
  }

  async resolveApiKey(apiKey: string): Promise<ResolvedKey> {
    if (apiKeyKind(apiKey) === null) throw malformedKey();
    const resolved = await this.lookup(this.keys, apiKey, () => this.askKey(apiKey));
    if (!resolved) throw unknownKey(apiKey, this.mode);
    return resolved;
  }

  /**
   * The answer while it may be used (up to 5 s old), without waiting: one due for a
   * refresh starts it in the background, as `resolveApiKey` would, so the hot read
   * path never drops to the slow one while the dashboard is asked again.
   */
  cachedApiKey(apiKey: string): ResolvedKey | undefined {
    const entry = this.keys.get(apiKey);
    if (!entry?.value) return undefined;
    const age = Date.now() - entry.checkedAt;
    if (age >= this.options.expireAfterMs) return undefined;
    if (age >= this.options.refreshAfterMs)
      this.refreshLater(this.keys, apiKey, entry, () => this.askKey(apiKey));
    return entry.value;
  }

  /** A site this server serves (for what it sends about it: e-mails, notifications). */
  async get(siteId: string): Promise<SiteRecord> {
    const site = await this.lookup(this.sites, siteId, () => this.askSite(siteId));
    if (!site) throw notFound('Site not found.');
    return site;
  }

  /** Tells the dashboard that the site's widget was seen, at most once a minute per site. */
  noteSeen(siteId: string): void {
    const now = Date.now();
    const last = this.seen.get(siteId);
    if (last !== undefined && now - last < this.options.seenEveryMs) return;
    this.seen.set(siteId, now);
    void this.call(`/sites/${encodeURIComponent(siteId)}/seen`, { method: 'POST' })
      .then((response) => {
        if (!response.ok) throw new Error(`the dashboard answered ${response.status} to a sighting`);
      })
      .catch((error: unknown) => this.options.onError?.(error));
  }

  /** Reports a disabled webhook endpoint; the dashboard e-mails the site's owners. Fails unless it took the report. */
  async webhookDisabled(
    siteId: string,
    endpoint: { id: string; url: string },
    reason: string,
  ): Promise<void> {
    const response = await this.call(`/sites/${encodeURIComponent(siteId)}/webhook-disabled`, {
      method: 'POST',
      body: JSON.stringify({ endpoint_id: endpoint.id, url: endpoint.url, reason }),
    });
    if (!response.ok) throw new Error(`the dashboard answered ${response.status} to a disabled webhook`);
  }

  /** The cached answer, refreshed in the background when old, asked again when expired. */
  private async lookup<T>(
    cache: LRUCache<string, Entry<T>>,
    id: string,
    ask: () => Promise<T | null>,
  ): Promise<T | null> {
    const entry = cache.get(id);
    const age = entry ? Date.now() - entry.checkedAt : Number.POSITIVE_INFINITY;
    if (entry && age < this.options.refreshAfterMs) return entry.value;
    if (entry && age < this.options.expireAfterMs) {
      this.refreshLater(cache, id, entry, ask);
      return entry.value;
    }
    try {
      return (await this.refresh(cache, id, entry, ask)).value;
    } catch (error) {
      this.options.onError?.(error);
      if (!entry?.value || age > this.options.keepWhileUnreachableMs)
        throw new ThreadKitError('unavailable', 'Sites cannot be looked up right now; try again shortly.');
      return entry.value;
    }
  }

  /** Asks again in the background; the answer in hand is used meanwhile. */
  private refreshLater<T>(
    cache: LRUCache<string, Entry<T>>,
    id: string,
    entry: Entry<T>,
    ask: () => Promise<T | null>,
  ): void {
    void this.refresh(cache, id, entry, ask).catch((error: unknown) => this.options.onError?.(error));
  }

  /** Asks the dashboard again; concurrent askers share one call. */
  private refresh<T>(
    cache: LRUCache<string, Entry<T>>,
    id: string,
    previous: Entry<T> | undefined,
    ask: () => Promise<T | null>,
  ): Promise<Entry<T>> {
    if (previous?.refreshing) return previous.refreshing;
    const refreshing = ask().then((value) => {
      const entry: Entry<T> = { value, checkedAt: Date.now(), refreshing: null };
      cache.set(id, entry);
      return entry;
    });
    if (previous) {
      previous.refreshing = refreshing;
      void refreshing
        .catch(() => {})
        .finally(() => {
          previous.refreshing = null;
        });
    }
    return refreshing;
  }

  private async askKey(apiKey: string): Promise<ResolvedKey | null> {
    const verdict = await this.askJson<KeyVerdict>(`/keys/${encodeURIComponent(apiKey)}`);
    return (
      verdict && { site: toSiteRecord(verdict, verdict.kind === 'public' ? apiKey : ''), kind: verdict.kind }
    );
  }

  private async askSite(siteId: string): Promise<SiteRecord | null> {
    const site = await this.askJson<SiteInfo>(`/sites/${encodeURIComponent(siteId)}`);
    return site && toSiteRecord(site, '');
  }

  /** A GET of the internal API: its JSON, or null for a 404; anything else is a failure to reach it. */
  private async askJson<T>(path: string): Promise<T | null> {
    const response = await this.call(path, { method: 'GET' });
    if (response.status === 404) return null;
    if (!response.ok)
      throw new Error(`the dashboard answered ${response.status} to GET ${path.split('/')[1]}`);
    return (await response.json()) as T;
  }

  private call(path: string, init: { method: string; body?: string }): Promise<Response> {
    return fetch(`${this.options.url}${path}`, {
      ...init,
      headers: {
        authorization: `Bearer ${this.options.secret}`,
        ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      signal: AbortSignal.timeout(this.options.timeoutMs),
    });
  }
}

function toSiteRecord(info: SiteInfo, publicKey: string): SiteRecord {
  return {
    id: info.siteId,
    name: info.name,
    domain: info.domain || null,
    settings: withDefaults({ ...info.settings, allowed_origins: info.allowedOrigins }),
    created_at: 0,
    plan: info.plan,
    // The dashboard keeps the keys; this instance only knows the one it was asked about.
    publicKey,
    secretKeyHint: '',
    keyHashes: { public: '', secret: '' },
  };
}
