import { ThreadKitError } from './errors.js';
import { type KeyMode, originNotAllowed } from './key-refusals.js';

/**
 * Which browser origins may use a site's public key. Entries are exact origins
 * (`https://example.com`), bare hosts (`example.com`, any scheme and port-less),
 * or wildcard subdomains (`*.example.com`, which does not include the apex).
 */

const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

export function parseOrigin(value: string): URL | null {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url : null;
  } catch {
    return null;
  }
}

/** Validates one allowed-origin entry; returns an error message or null. */
export function checkOriginPattern(entry: string): string | null {
  if (entry.startsWith('*.')) {
    return /^\*\.[a-z0-9-]+(\.[a-z0-9-]+)+$/i.test(entry)
      ? null
      : `"${entry}" is not a valid wildcard domain`;
  }
  if (entry.includes('://')) {
    if (entry.includes('*')) return `"${entry}": write wildcards without a scheme, as *.example.com`;
    const url = parseOrigin(entry);
    return url && url.origin === entry.replace(/\/$/, '').toLowerCase()
      ? null
      : `"${entry}" is not an origin (scheme://host[:port])`;
  }
  return /^[a-z0-9-]+(\.[a-z0-9-]+)*(:\d+)?$/i.test(entry) ? null : `"${entry}" is not a valid domain`;
}

/**
 * Refuses the public key `apiKey` used from a page that is not on one of the
 * site's origins (saying how the owner allows it), or from no page at all, for
 * HTTP requests and WebSocket handshakes alike.
 */
export function requireAllowedOrigin(
  origin: string | null | undefined,
  settings: OriginSettings,
  apiKey: string,
  mode: KeyMode,
): asserts origin is string {
  if (origin && allowedBy(settings, origin)) return;
  if (origin) throw originNotAllowed(origin, apiKey, mode);
  throw new ThreadKitError(
    'origin_not_allowed',
    'A public key only works from a web page on an allowed origin; servers use the secret key.',
  );
}

interface OriginSettings {
  allowed_origins: readonly string[];
  allow_localhost: boolean;
}

/**
 * Verdicts by origin, kept on each settings object: a site's settings are read
 * once and shared by its requests (a change makes a new object), and the same
 * few origins ask again and again. Bounded per site against a flood of made-up origins.
 */
const verdicts = new WeakMap<OriginSettings, Map<string, boolean>>();
const MAX_VERDICTS_PER_SITE = 256;

/** Whether a page on `origin` may use the site's public key (`requireAllowedOrigin`, as a verdict). */
export function allowedBy(settings: OriginSettings, origin: string): boolean {
  let known = verdicts.get(settings);
  if (!known) {
    known = new Map();
    verdicts.set(settings, known);
  }
  let verdict = known.get(origin);
  if (verdict === undefined) {
    verdict = isOriginAllowed(origin, settings.allowed_origins, settings.allow_localhost);
    if (known.size >= MAX_VERDICTS_PER_SITE) known.clear();
    known.set(origin, verdict);
  }
  return verdict;
}

export function isOriginAllowed(
  origin: string,
  allowed: readonly string[],
  allowLocalhost: boolean,
): boolean {
  const url = parseOrigin(origin);
  if (!url) return false;
  const host = url.hostname.toLowerCase();
  if (allowLocalhost && LOCAL_HOSTS.has(host)) return true;
  for (const entry of allowed) {
    const pattern = entry.toLowerCase();
    if (pattern.startsWith('*.')) {
      if (host.endsWith(pattern.slice(1))) return true;
    } else if (pattern.includes('://')) {
      if (url.origin === pattern.replace(/\/$/, '')) return true;
    } else if (url.host === pattern || host === pattern) {
      return true;
    }
  }
  return false;
}

/** The allowed origins a domain implies when none are configured: the apex and `www.`. */
export function originsForDomain(domain: string): string[] {
  const host = domain
    .replace(/^https?:\/\//i, '')
    .replace(/\/.*$/, '')
    .toLowerCase();
  return host.startsWith('www.') ? [host, host.slice(4)] : [host, `www.${host}`];
}

/**
 * Whether a page URL is one of the site's own: on one of its allowed origins, on
 * its domain (or `www.`), or on localhost while `allow_localhost` is on. A page's
 * URL becomes the link of what the site sends (notification e-mails, the
 * notification list, exports), so no other URL is stored or shown as a page's.
 */
export function isSiteUrl(url: string, site: { domain: string | null; settings: OriginSettings }): boolean {
  const origin = parseOrigin(url)?.origin;
  if (!origin) return false;
  if (allowedBy(site.settings, origin)) return true;
  return site.domain !== null && isOriginAllowed(origin, originsForDomain(site.domain), false);
}

/** The URL when it is one of the site's pages (`isSiteUrl`), else null: for links. */
export const siteUrlOrNull = (
  url: string | null | undefined,
  site: { domain: string | null; settings: OriginSettings },
): string | null => (url && isSiteUrl(url, site) ? url : null);
