import {
  type RateBudget,
  type RateLimits,
  type RateRefusal,
  type SiteSettings,
  ThreadKitError,
  type User,
  type Viewer,
} from '@threadkit/core';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { AppContext } from '../context.js';
import { documentErrors } from '../schemas.js';

/**
 * The rate limits of `docs/api.md`: every /v1 request with a site key counts in
 * one budget by its kind (reads: GET, and routes marked `rateLimit: 'reads'`;
 * auth: POSTs under /v1/auth/; writes: the rest), per client address, or per
 * user when it carries a token (auth is always per address; a guest counts in
 * both, as anyone can make guests), and in its key's overall budget. Secret-key requests
 * come from the site's own servers: only the key budget applies to them.
 * Registered after the credentials plugin, which sets `request.site` and
 * `request.viewer`; a route opts out with `config: { rateLimit: false }`.
 */
export const rateLimitPlugin = fp(async (app: FastifyInstance, { context }: { context: AppContext }) => {
  const { rateLimiter, config } = context;
  const budgets = new RequestBudgets(config.rateLimits);

  // Every limited route can answer 429: say so in its OpenAPI entry.
  app.addHook('onRoute', (route) => {
    if (route.config?.rateLimit !== false) documentErrors(route, 429);
  });

  app.addHook('onRequest', (request, _reply, done) => {
    const site = request.site;
    if (!site || request.routeOptions.config?.rateLimit === false) return done();
    const counted = budgets.of(site.settings, request.viewer, bucketOf(request), request.ip);
    const local = rateLimiter.tryLocal(site.id, counted);
    if (local === null) return done();
    if (local !== undefined) return done(refused(local));
    rateLimiter.check(site.id, counted).then(
      (refusal) => done(refusal ? refused(refusal) : undefined),
      (error: Error) => done(error),
    );
  });
});

function bucketOf(request: FastifyRequest): RequestBucket {
  const method = request.method;
  if (method === 'GET' || method === 'HEAD' || request.routeOptions.config?.rateLimit === 'reads')
    return 'reads';
  return request.routeOptions.url?.startsWith('/v1/auth/') ? 'auth' : 'writes';
}

export type RequestBucket = Exclude<RateBudget['bucket'], 'key'>;
export type BudgetViewer = Pick<Viewer, 'role' | 'userId'> & { user: Pick<User, 'guest'> | null };

/** Readers whose budgets are kept per site's limits: those of the last moments. */
const MAX_KEPT = 10_000;

/**
 * The budgets a request counts in: by its kind and who sends it (see the
 * plugin), under the site's limits (the server's, with the site's own over
 * them). They are kept per limits and sender, so a sender's requests pass the
 * same budget objects and the limiter finds their counters at once. Site
 * records are cached and shared, and so are their settings: limits are worked
 * out once per settings object.
 */
export class RequestBudgets {
  private readonly limitsOf = new WeakMap<SiteSettings, RateLimits>();
  private readonly kept = new WeakMap<RateLimits, Map<string, RateBudget[]>>();

  constructor(private readonly defaults: RateLimits) {}

  of(settings: SiteSettings, viewer: BudgetViewer, bucket: RequestBucket, ip: string): RateBudget[] {
    let limits = this.limitsOf.get(settings);
    if (!limits) {
      limits = { ...this.defaults, ...settings.rate_limits };
      this.limitsOf.set(settings, limits);
    }
    let bySender = this.kept.get(limits);
    if (!bySender) {
      bySender = new Map();
      this.kept.set(limits, bySender);
    }
    // What the budgets depend on: the owner's key; else the bucket, the user, and the address
    // when it counts (no user, a guest, or sign-in attempts).
    const user = bucket === 'auth' ? null : viewer.userId;
    const sender =
      viewer.role === 'owner'
        ? 'owner'
        : `${bucket}\n${user ?? ''}\n${user && !viewer.user?.guest ? '' : ip}`;
    let budgets = bySender.get(sender);
    if (!budgets) {
      budgets = budgetsOf(viewer, bucket, ip, limits);
      if (bySender.size >= MAX_KEPT) bySender.clear();
      bySender.set(sender, budgets);
    }
    return budgets;
  }
}

function budgetsOf(
  viewer: BudgetViewer,
  bucket: RequestBucket,
  ip: string,
  limits: RateLimits,
): RateBudget[] {
  if (viewer.role === 'owner') return [{ bucket: 'key', subject: 'secret', limit: limits.key }];
  const address: RateBudget = { bucket, subject: `ip:${ip}`, limit: limits[bucket] };
  const key: RateBudget = { bucket: 'key', subject: 'public', limit: limits.key };
  if (bucket === 'auth' || !viewer.userId) return [address, key];
  const own: RateBudget = { bucket, subject: `user:${viewer.userId}`, limit: limits[bucket] };
  // Guest tokens cost nothing to mint: a guest's requests count in its address's budget too.
  return viewer.user?.guest ? [own, address, key] : [own, key];
}

const WHAT: Record<RateRefusal['bucket'], string> = {
  reads: 'reads',
  writes: 'writes',
  auth: 'sign-in attempts',
  key: 'requests with this site key',
};

export function refused({ bucket, limit, retryAfterMs }: RateRefusal): ThreadKitError {
  const retryAfter = Math.max(1, Math.ceil(retryAfterMs / 1000));
  return new ThreadKitError(
    'rate_limited',
    `Too many ${WHAT[bucket]}: at most ${limit} a minute. Try again in ${retryAfter} s.`,
    { retryAfter },
  );
}
