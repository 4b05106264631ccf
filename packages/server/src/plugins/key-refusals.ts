import { type SiteRecord, shownKey, ThreadKitError } from '@threadkit/core';
import type { FastifyReply, FastifyRequest } from 'fastify';

/** How long one origin and key stay out of the log once logged. */
export const REFUSAL_QUIET_MS = 10 * 60_000;
/** At most this many refusal lines a minute, whatever the pairs: made-up origins or keys cannot flood the log. */
export const REFUSAL_LINES_PER_MINUTE = 30;
/** Pairs remembered as logged; the oldest is forgotten first. */
const MAX_PAIRS = 1000;

/** The refusals of a key that its owner fixes: unknown or malformed key, origin not allowed, secret key in a page. */
const OWNER_FIXES = new Set(['unauthorized', 'origin_not_allowed', 'forbidden']);

/**
 * A site key refused for a reason its owner must fix, told to the owner twice:
 *
 * - the page: the answer carries `Access-Control-Allow-Origin` for the page's
 *   origin, so the widget can read why and print it in the console. Nothing
 *   else is readable (no exposed headers, no credentials), and the body only
 *   says that this origin may not use this key (or that the key is unknown),
 *   which anyone can learn by sending the same request without a browser;
 * - the server's log: one warning naming the origin, the key (a public key is
 *   in every page; a secret one is masked) and its site, as `RefusalThrottle` lets through.
 */
export class KeyRefusals {
  constructor(private readonly throttle = new RefusalThrottle()) {}

  /**
   * Readies `reply` for the refusal `error` of `key` (from the page's `origin`,
   * the site when known) and logs it; returns `error`, for the caller to throw.
   * Any other error (storage or the dashboard out of reach) is returned untouched.
   */
  refuse(
    request: FastifyRequest,
    reply: FastifyReply,
    error: unknown,
    key: string,
    origin: string | null,
    site: Pick<SiteRecord, 'id' | 'name'> | null,
  ): unknown {
    if (!(error instanceof ThreadKitError) || !OWNER_FIXES.has(error.code)) return error;
    const header = request.headers.origin;
    // An opaque origin ("null") is any sandboxed page's: it gets no CORS header.
    if (typeof header === 'string' && header !== 'null') {
      reply.header('access-control-allow-origin', header).header('vary', 'Origin');
    }
    const shown = shownKey(key);
    if (this.throttle.admits(`${origin ?? ''} ${shown}`)) {
      request.log.warn(
        { origin, key: shown, site: site?.id ?? null, site_name: site?.name ?? null, code: error.code },
        `site key refused: ${error.message}`,
      );
    }
    return error;
  }
}

/**
 * Which refusals are logged: each origin and key once in `REFUSAL_QUIET_MS`,
 * and at most `REFUSAL_LINES_PER_MINUTE` lines a minute in all.
 */
export class RefusalThrottle {
  /** When each origin and key were last logged, oldest first. */
  private readonly logged = new Map<string, number>();
  private minute = -1;
  private linesThisMinute = 0;

  constructor(private readonly clock: () => number = Date.now) {}

  /** Whether to log the refusal of `pair` (origin and key) now; counted when it is. */
  admits(pair: string): boolean {
    const now = this.clock();
    const at = this.logged.get(pair);
    if (at !== undefined && now - at < REFUSAL_QUIET_MS) return false;
    const minute = Math.floor(now / 60_000);
    if (minute !== this.minute) {
      this.minute = minute;
      this.linesThisMinute = 0;
    }
    if (this.linesThisMinute >= REFUSAL_LINES_PER_MINUTE) return false;
    this.linesThisMinute += 1;
    this.logged.delete(pair);
    this.logged.set(pair, now);
    if (this.logged.size > MAX_PAIRS) this.logged.delete(this.logged.keys().next().value!);
    return true;
  }
}
