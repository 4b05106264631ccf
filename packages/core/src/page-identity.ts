import { LRUCache } from 'lru-cache';
import { invalid } from './errors.js';
import { nameId } from './ids.js';

const TRACKING_PARAMS = new Set([
  'fbclid',
  'gclid',
  'dclid',
  'msclkid',
  'yclid',
  'mc_cid',
  'mc_eid',
  '_hsenc',
  '_hsmi',
]);
export const MAX_URL_LENGTH = 2048;
export const MAX_PAGE_KEY_LENGTH = 256;

/**
 * The canonical form of a page URL, so that one article gets one thread however
 * it is linked: scheme and host lower-cased, default port, fragment and
 * tracking parameters dropped, remaining parameters sorted, trailing slash removed.
 */
export function normalizePageUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw invalid('page_url', 'page_url must be an absolute http(s) URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw invalid('page_url', 'page_url must be an absolute http(s) URL');
  }
  url.hash = '';
  url.username = '';
  url.password = '';
  const params = [...url.searchParams].filter(
    ([name]) => !name.toLowerCase().startsWith('utm_') && !TRACKING_PARAMS.has(name.toLowerCase()),
  );
  params.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  url.search = new URLSearchParams(params).toString();
  if (url.pathname.length > 1 && url.pathname.endsWith('/')) url.pathname = url.pathname.replace(/\/+$/, '');
  const normalized = url.toString();
  // URL keeps a lone "/" path after the host; drop it so "https://a.com" and "https://a.com/" agree.
  return url.pathname === '/' && !url.search ? normalized.replace(/\/$/, '') : normalized;
}

export interface PageRef {
  /** Deterministic page id: the same site and identity always give the same id. */
  readonly id: string;
  /** Normalised URL, when one was given. */
  readonly url: string | null;
  /** The site's own page key, when one was given. */
  readonly key: string | null;
}

// Every read names its page: the same few pages, again and again. Normalising the URL and
// hashing the identity are a tenth of a cached read's work, so the answers are remembered.
const resolved = new LRUCache<string, PageRef>({ max: 10_000 });

/** Identifies a page by the site's page key when given, else by its normalised URL. */
export function resolvePage(
  siteId: string,
  input: { page_url?: string | undefined; page_key?: string | undefined },
): PageRef {
  const cacheKey = `${siteId}\n${input.page_url ?? ''}\n${input.page_key ?? ''}`;
  const known = resolved.get(cacheKey);
  if (known) return known;
  const page = identifyPage(siteId, input);
  resolved.set(cacheKey, page);
  return page;
}

function identifyPage(
  siteId: string,
  input: { page_url?: string | undefined; page_key?: string | undefined },
): PageRef {
  const key = input.page_key?.trim() || null;
  if (key !== null && key.length > MAX_PAGE_KEY_LENGTH) {
    throw invalid('page_key', `page_key must be at most ${MAX_PAGE_KEY_LENGTH} characters`);
  }
  const rawUrl = input.page_url?.trim() || null;
  if (rawUrl !== null && rawUrl.length > MAX_URL_LENGTH) {
    throw invalid('page_url', `page_url must be at most ${MAX_URL_LENGTH} characters`);
  }
  const url = rawUrl === null ? null : normalizePageUrl(rawUrl);
  if (key === null && url === null) throw invalid('page_url', 'page_url or page_key is required');
  const identity = key !== null ? `key:${key}` : `url:${url}`;
  return { id: nameId(identity, siteId), url, key };
}
