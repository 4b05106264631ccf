import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import proxyAddr from '@fastify/proxy-addr';
import type { Static } from '@sinclair/typebox';
import {
  allowedBy,
  type RateBudget,
  type RateLimits,
  type SiteRecord,
  type ThreadQuery,
} from '@threadkit/core';
import { parse as parseQuery } from 'fast-querystring';
import type { AppContext } from './context.js';
import { EXPOSED_HEADERS, requestOrigin } from './plugins/credentials.js';
import type { HttpMetrics } from './plugins/metrics.js';
import { budgetsOf, siteRateLimits } from './plugins/rate-limit.js';
import { visitorOf } from './plugins/usage.js';
import { acceptsGzip, JSON_TYPE, THREAD_HEADERS, threadQuery } from './routes/comments/index.js';
import { ListQuery } from './routes/comments/schemas.js';
import { illFormedTextAt, validatorCompiler } from './validation.js';

const PATH = '/v1/comments';
const ROUTE = '/v1/comments';
const ANONYMOUS = { role: 'anonymous', userId: null, user: null } as const;
/** Query strings worked out and kept (`prepare`): the pages being read right now. */
const MAX_PREPARED = 1000;

/** Client addresses whose budgets are kept (`budgets`): the readers of the last moments. */
const MAX_ADDRESSES = 10_000;

type PageQuery = Omit<ThreadQuery, 'ifNoneMatch'>;

export interface CachedReadsOptions {
  context: AppContext;
  metrics: HttpMetrics;
  /** The security headers every response carries (plugins/security-headers.ts). */
  securityHeaders: readonly (readonly [string, string])[];
  /** Request logging is on (`LOG_LEVEL` info or below): Fastify logs each request, so it answers them all. */
  logsRequests: boolean;
}

/**
 * The hottest request, answered before Fastify routes it: an anonymous
 * `GET /v1/comments` for a page whose state and thread this instance holds
 * (`ThreadReader.readCached`). It does what the /v1 hooks and the route do for
 * such a read, with the same functions: the key and origin checks, the rate
 * limit, the usage counts, the metrics, the same headers and bytes; and Fastify
 * does everything else. Any other request, and any read this cannot answer
 * without waiting or refusing (a token, a query the schema would refuse, a key,
 * page or thread not in cache, a rate limit that must ask Redis or refuses,
 * request logging on, a server closing), goes on to Fastify untouched, which
 * then answers it in full.
 *
 * Why: the route under Fastify spent about twice the CPU of a bare node:http
 * server sending the same bytes, most of it in hooks and promises that a read
 * from memory does not need (docs/architecture.md, "Where a cached read's CPU goes").
 */
export class CachedReads {
  private readonly validate = validatorCompiler({
    schema: ListQuery,
    method: 'GET',
    url: ROUTE,
    httpPart: 'querystring',
  });
  private readonly limits: ReturnType<typeof siteRateLimits>;
  private readonly trusted: ((address: string, hop: number) => boolean) | null;
  private readonly prepared = new Map<string, { site: SiteRecord; query: PageQuery }>();
  private readonly budgetsByLimits = new WeakMap<RateLimits, Map<string, RateBudget[]>>();
  /** Set when the server starts closing: Fastify then answers 503. */
  private closing = false;

  constructor(private readonly options: CachedReadsOptions) {
    const { config } = options.context;
    this.limits = siteRateLimits(config.rateLimits);
    this.trusted = config.trustProxy.length > 0 ? proxyAddr.compile(config.trustProxy) : null;
  }

  close(): void {
    this.closing = true;
  }

  /** Answers the request and returns true, or leaves it untouched and returns false. */
  answer(request: IncomingMessage, response: ServerResponse): boolean {
    const url = request.url;
    if (
      request.method !== 'GET' ||
      url === undefined ||
      url.charCodeAt(PATH.length) !== 63 /* ? */ ||
      !url.startsWith(PATH) ||
      this.closing ||
      this.options.logsRequests
    )
      return false;
    const headers = request.headers;
    const key = headers.projectid;
    if (
      typeof key !== 'string' ||
      headers.authorization !== undefined ||
      headers['content-length'] !== undefined ||
      headers['transfer-encoding'] !== undefined
    )
      return false;
    const started = performance.now();
    try {
      return this.answerRead(request, response, key, url.slice(PATH.length + 1), started);
    } catch {
      // Whatever went wrong, the full path does it again and answers as it should.
      return false;
    }
  }

  private answerRead(
    request: IncomingMessage,
    response: ServerResponse,
    key: string,
    queryText: string,
    started: number,
  ): boolean {
    const { context, metrics } = this.options;
    const resolved = context.directory.cachedApiKey(key);
    if (resolved?.kind !== 'public') return false;
    const { site } = resolved;
    const origin = requestOrigin(request.headers);
    if (!origin || !allowedBy(site.settings, origin)) return false;

    const query = this.prepare(site, queryText);
    if (!query) return false;

    const ip = this.clientAddress(request);
    const budgets = this.budgets(this.limits(site.settings), ip);
    const ifNoneMatch = request.headers['if-none-match'];
    const result = context.threads.readCached(
      site.id,
      query,
      typeof ifNoneMatch === 'string' ? ifNoneMatch : null,
      // Counted in its budgets only when answered here; refused or to be decided in Redis: Fastify.
      () => context.rateLimiter.tryLocal(site.id, budgets) === null,
    );
    if (!result) return false;
    // From here on the read is answered: count it where the hooks would.
    context.directory.noteSeen(site.id);
    context.usage.recordApiRequest(site.id);
    context.usage.recordPageView(site.id, visitorOf(null, ip, request.headers['user-agent']));

    const out: OutgoingHttpHeaders = {};
    for (const [name, value] of this.options.securityHeaders) out[name] = value;
    out['access-control-allow-origin'] = origin;
    out['access-control-expose-headers'] = EXPOSED_HEADERS;
    Object.assign(out, THREAD_HEADERS);
    out.etag = result.etag;
    let status = 200;
    let body: readonly Buffer[] = [];
    if (result.notModified) {
      status = 304;
    } else {
      out['content-type'] = JSON_TYPE;
      if (result.gzipped && acceptsGzip(request.headers['accept-encoding'])) {
        out['content-encoding'] = 'gzip';
        body = [result.gzipped];
      } else {
        body = result.body;
      }
      let length = 0;
      for (const piece of body) length += piece.length;
      out['content-length'] = length;
    }
    response.writeHead(status, out);
    if (body.length > 1) {
      response.cork();
      for (let i = 0; i < body.length - 1; i++) response.write(body[i]);
    }
    response.end(body.at(-1));
    metrics.record('GET', ROUTE, status, (performance.now() - started) / 1000);
    metrics.recordCachedRead();
    return true;
  }

  /**
   * The read a query string asks for, validated as the route's schema does it,
   * or null when the route must answer (and refuse) it. Pages are read through
   * the same few URLs again and again: each is worked out once per site record
   * (a changed setting or key makes a new record, and the query is worked out again).
   */
  private prepare(site: SiteRecord, queryText: string): PageQuery | null {
    const known = this.prepared.get(queryText);
    if (known?.site === site) return known.query;
    const parsed = parseQuery(queryText) as Static<typeof ListQuery>;
    if (!this.validate(parsed) || illFormedTextAt(parsed) !== null) return null;
    let query: PageQuery;
    try {
      query = threadQuery(site.id, parsed, null);
    } catch {
      return null;
    }
    if (this.prepared.size >= MAX_PREPARED) this.prepared.clear();
    this.prepared.set(queryText, { site, query });
    return query;
  }

  /** An anonymous read's budgets, kept per client address (the limiter then finds their counters at once). */
  private budgets(limits: RateLimits, ip: string): RateBudget[] {
    let byAddress = this.budgetsByLimits.get(limits);
    if (!byAddress) {
      byAddress = new Map();
      this.budgetsByLimits.set(limits, byAddress);
    }
    let budgets = byAddress.get(ip);
    if (!budgets) {
      budgets = budgetsOf(ANONYMOUS, 'reads', ip, limits);
      if (byAddress.size >= MAX_ADDRESSES) byAddress.clear();
      byAddress.set(ip, budgets);
    }
    return budgets;
  }

  /** `request.ip` as Fastify works it out: from X-Forwarded-For only through trusted proxies. */
  private clientAddress(request: IncomingMessage): string {
    if (!this.trusted) return request.socket.remoteAddress ?? '';
    const addresses = proxyAddr.all(request, this.trusted);
    return addresses[addresses.length - 1] ?? '';
  }
}
