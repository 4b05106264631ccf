import { LRUCache } from 'lru-cache';
import { type ApiKeyKind, apiKeyKind } from '../api-keys.js';
import { ThreadKitError, unauthorized } from '../errors.js';
import { withDefaults } from '../settings.js';
import type { SiteRecord } from '../store/site-store.js';
import type { SiteSettings } from '../types.js';
import type { ResolvedKey } from './site-service.js';

/** What the dashboard's internal API answers for a key (`GET <INTERNAL_API_URL>/keys/<key>`). */
interface KeyVerdict {
  siteId: string;
  kind: ApiKeyKind;
  name: string;
  domain: string;
  allowedOrigins: string[];
  settings: Partial<SiteSettings>;
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

interface Entry {
  site: ResolvedKey | null;
  checkedAt: number;
  refreshing: Promise<Entry> | null;
}

/**
 * SaaS mode's sites: the dashboard holds them (its Postgres), and this asks its
 * internal API about each key it has not seen lately, keeping the answers in
 * process. Answers are refreshed in the background after 3 s and not used past
 * 5 s, so a rotated key, a deleted site or a changed setting takes effect on
 * every instance within 5 s. While the dashboard is unreachable, keys it
 * vouched for keep working for an hour, and a key it never judged is answered
 * `503 unavailable`, never `401`: a key is not unknown because nobody could
 * look it up.
 */
export class DashboardDirectory {
  private readonly entries = new LRUCache<string, Entry>({ max: 50_000 });
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
    if (apiKeyKind(apiKey) === null)
      throw unauthorized('The projectid header must hold a tk_pub_ or tk_sec_ key.');
    const now = Date.now();
    let entry = this.entries.get(apiKey);
    const age = entry ? now - entry.checkedAt : Number.POSITIVE_INFINITY;
    if (!entry || age >= this.options.expireAfterMs) {
      try {
        entry = await this.refresh(apiKey, entry);
      } catch (error) {
        this.options.onError?.(error);
        if (!entry?.site || age > this.options.keepWhileUnreachableMs)
          throw new ThreadKitError('unavailable', 'Keys cannot be checked right now; try again shortly.');
      }
    } else if (age >= this.options.refreshAfterMs) {
      void this.refresh(apiKey, entry).catch((error: unknown) => this.options.onError?.(error));
    }
    if (!entry.site) throw unauthorized('Unknown API key.');
    return entry.site;
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

  /** Asks the dashboard about a key; concurrent askers share one call. */
  private refresh(apiKey: string, previous: Entry | undefined): Promise<Entry> {
    if (previous?.refreshing) return previous.refreshing;
    const refreshing = this.ask(apiKey).then((site) => {
      const entry: Entry = { site, checkedAt: Date.now(), refreshing: null };
      this.entries.set(apiKey, entry);
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

  private async ask(apiKey: string): Promise<ResolvedKey | null> {
    const response = await this.call(`/keys/${encodeURIComponent(apiKey)}`, { method: 'GET' });
    if (response.status === 404) return null;
    if (!response.ok) throw new Error(`the dashboard answered ${response.status} about a key`);
    return toResolvedKey(apiKey, (await response.json()) as KeyVerdict);
  }

  private call(path: string, init: { method: string }): Promise<Response> {
    return fetch(`${this.options.url}${path}`, {
      ...init,
      headers: { authorization: `Bearer ${this.options.secret}` },
      signal: AbortSignal.timeout(this.options.timeoutMs),
    });
  }
}

function toResolvedKey(apiKey: string, verdict: KeyVerdict): ResolvedKey {
  const site: SiteRecord = {
    id: verdict.siteId,
    name: verdict.name,
    domain: verdict.domain || null,
    settings: withDefaults({ ...verdict.settings, allowed_origins: verdict.allowedOrigins }),
    created_at: 0,
    // The dashboard keeps the keys; this instance only knows the one it was asked about.
    publicKey: verdict.kind === 'public' ? apiKey : '',
    secretKeyHint: '',
    keyHashes: { public: '', secret: '' },
  };
  return { site, kind: verdict.kind };
}
