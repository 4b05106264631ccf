import { invalid } from './errors.js';
import type { RateLimits } from './types.js';

/**
 * The rate-limit budgets (`docs/api.md`, Rate limits): requests per minute in a
 * sliding window, per client address or user for `reads`, `writes` and `auth`,
 * and per API key for `key`. 0 means no limit.
 */

export const RATE_BUCKETS = ['reads', 'writes', 'auth', 'key'] as const;
export type RateBucket = (typeof RATE_BUCKETS)[number];

/** The defaults of every site, unless `RATE_LIMITS` or the site's `rate_limits` setting says otherwise. */
export const DEFAULT_RATE_LIMITS: RateLimits = { reads: 120, writes: 20, auth: 10, key: 3000 };

/** Every budget is per this window: one minute. */
export const RATE_LIMIT_WINDOW_MS = 60_000;

export const MAX_RATE_LIMIT = 10_000_000;

const isBucket = (name: string): name is RateBucket => (RATE_BUCKETS as readonly string[]).includes(name);

/**
 * Reads the text form, `reads=120,writes=20,auth=10,key=3000`: requests per
 * minute, or `off` for no limit. Only the budgets named are in the result; an
 * empty text names none. `off` alone turns every budget off.
 */
export function parseRateLimits(raw: string, field = 'rate_limits'): Partial<RateLimits> {
  const text = raw.trim();
  if (text.toLowerCase() === 'off') return { reads: 0, writes: 0, auth: 0, key: 0 };
  const limits: Partial<RateLimits> = {};
  for (const entry of text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const match = /^([a-z]+)\s*=\s*(\S+)$/.exec(entry);
    const name = match?.[1] ?? '';
    if (!match || !isBucket(name)) {
      throw invalid(
        field,
        `${field}: "${entry}" is not <budget>=<requests per minute> with a budget among ${RATE_BUCKETS.join(', ')}`,
      );
    }
    const off = match[2]!.toLowerCase() === 'off';
    const value = off ? 0 : /^\d+$/.test(match[2]!) ? Number(match[2]) : Number.NaN;
    if (!Number.isInteger(value) || value > MAX_RATE_LIMIT || (value === 0 && !off)) {
      throw invalid(field, `${field}: ${name} must be an integer from 1 to ${MAX_RATE_LIMIT}, or off`);
    }
    limits[name] = value;
  }
  return limits;
}

/** The text form of some budgets (the inverse of `parseRateLimits`). */
export const formatRateLimits = (limits: Partial<RateLimits>): string =>
  RATE_BUCKETS.filter((name) => limits[name] !== undefined)
    .map((name) => `${name}=${limits[name] === 0 ? 'off' : limits[name]}`)
    .join(',');
