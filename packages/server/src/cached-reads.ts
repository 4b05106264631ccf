import type { IncomingMessage, ServerResponse } from 'node:http';
import proxyAddr from '@fastify/proxy-addr';
import type { Static } from '@sinclair/typebox';
import { allowedBy, type SiteRecord, type ThreadQuery, type ThreadResult } from '@threadkit/core';
import { parse as parseQuery } from 'fast-querystring';
import type { AppContext } from './context.js';
import { BEARER, EXPOSED_HEADERS, requestOrigin } from './plugins/credentials.js';
import type { HttpMetrics, RouteSeries } from './plugins/metrics.js';
import { type BudgetViewer, RequestBudgets } from './plugins/rate-limit.js';
import { visitorOf } from './plugins/usage.js';
import { JSON_TYPE, THREAD_HEADERS, threadBody, threadQuery } from './routes/comments/index.js';
import { ListQuery } from './routes/comments/schemas.js';
import { writePieces } from './send-pieces.js';
import { illFormedTextAt, validatorCompiler } from './validation.js';

const PATH = '/v1/comments';
const ROUTE = '/v1/comments';
const ANONYMOUS: BudgetViewer = { role: 'anonymous', userId: null, user: null };
/** Query strings worked out and kept (`prepare`): the pages being read right now. */
const MAX_PREPARED = 1000;
/** Origins whose answer headers are kept (each one a site allows, so few). */
const MAX_ORIGINS = 1000;

type PageQuery = Omit<ThreadQuery, 'ifNoneMatch'>;

/** A read past the checks every answer needs. */
interface Read {
  request: IncomingMessage;
  site: SiteRecord;
  origin: string;
  query: PageQuery;
  ifNoneMatch: string | null;
  ip: string;
  started: number;
}

interface CachedReadsOptions {
  context: AppContext;
  metrics: HttpMetrics;
  /** The security headers every response carries (plugins/security-headers.ts). */
  securityHeaders: readonly (readonly [string, string])[];
  /** Request logging is on (`LOG_LEVEL` info or below): Fastify logs each request, so it answers them all. */
  logsRequests: boolean;
}

/**
 * The hottest request, answered before Fastify routes it: `GET /v1/comments`
 * with a public key. It does what the /v1 hooks and the route do for such a
 * read, with the same functions: the key, origin and query checks, the token,
 * the rate limit, the usage counts, the metrics, the same headers and bytes;
 * and Fastify does everything else. An anonymous read is answered from memory
 * alone (`ThreadReader.readCached`): when its page or thread is not in cache,
 * or its rate limit must ask Redis, it goes to Fastify. A signed-in read checks
 * the session and reads the reader's overlay in one Redis call
 * (`ThreadReader.readSignedIn`). Any other request, and any read that
 * something refuses (a token, an origin, a query the schema would refuse, a
 * rate limit), or while request logging is on or the server closing, goes on
 * to Fastify untouched, which then answers it in full.
 *
 * Why: through Fastify the read spent about twice the CPU of a bare node:http
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
  private readonly budgets: RequestBudgets;
  private readonly trusted: ((address: string, hop: number) => boolean) | null;
  private readonly prepared = new Map<string, { site: SiteRecord; query: PageQuery }>();
  private readonly heads = new Map<string, readonly string[]>();
  private readonly series: RouteSeries;
  /** Set when the server starts closing: Fastify then answers 503. */
  private closing = false;

  constructor(private readonly options: CachedReadsOptions) {
    const { config } = options.context;
    this.budgets = new RequestBudgets(config.rateLimits);
    this.series = options.metrics.seriesOf('GET', ROUTE);
    this.trusted = config.trustProxy.length > 0 ? proxyAddr.compile(config.trustProxy) : null;
  }

  close(): void {
    this.closing = true;
  }

  /**
   * Answers the request, or hands it to `route` (Fastify) untouched: at once
   * when it is not a read this answers, or, for a signed-in read, when a step
   * that had to wait fails (then Fastify does every step again and answers).
   */
  answer(request: IncomingMessage, response: ServerResponse, route: () => void): void {
    const url = request.url;
    const headers = request.headers;
    const key = headers.projectid;
    if (
      request.method !== 'GET' ||
      url === undefined ||
      url.charCodeAt(PATH.length) !== 63 /* ? */ ||
      !url.startsWith(PATH) ||
      this.closing ||
      this.options.logsRequests ||
      typeof key !== 'string' ||
      headers['content-length'] !== undefined ||
      headers['transfer-encoding'] !== undefined
    ) {
      route();
      return;
    }
    const started = performance.now();
    let read: Read | null;
    try {
      read = this.admit(request, key, url.slice(PATH.length + 1), started);
    } catch {
      read = null;
    }
    if (!read) {
      route();
      return;
    }
    const authorization = headers.authorization;
    if (authorization === undefined) {
      if (!this.answerAnonymous(response, read)) route();
      return;
    }
    const token = BEARER.exec(authorization)?.[1];
    if (!token) {
      route();
      return;
    }
    this.answerSignedIn(response, read, token).then(
      (answered) => {
        if (!answered) route();
      },
      // Not answered, and nothing was written: the full path does it again and answers as it should.
      () => route(),
    );
  }

  /** What every read this answers is checked for first: its key, origin and query. */
  private admit(request: IncomingMessage, key: string, queryText: string, started: number): Read | null {
    const resolved = this.options.context.directory.cachedApiKey(key);
    if (resolved?.kind !== 'public') return null;
    const { site } = resolved;
    const origin = requestOrigin(request.headers);
    if (!origin || !allowedBy(site.settings, origin)) return null;
    const query = this.prepare(site, queryText);
    if (!query) return null;
    const ifNoneMatch = request.headers['if-none-match'];
    return {
      request,
      site,
      origin,
      query,
      ifNoneMatch: typeof ifNoneMatch === 'string' ? ifNoneMatch : null,
      ip: this.clientAddress(request),
      started,
    };
  }

  /** From memory alone, or not at all (false): nothing was counted then. */
  private answerAnonymous(response: ServerResponse, read: Read): boolean {
    const { context } = this.options;
    const { site } = read;
    const budgets = this.budgets.of(site.settings, ANONYMOUS, 'reads', read.ip);
    const result = context.threads.readCached(
      site.id,
      read.query,
      read.ifNoneMatch,
      // Counted in its budgets only when answered here; refused or to be decided in Redis: Fastify.
      () => context.rateLimiter.tryLocal(site.id, budgets) === null,
    );
    if (!result) return false;
    this.send(response, read, result, null);
    return true;
  }

  /**
   * A signed-in read: the token checked here; the session and the reader's
   * view of the thread in one Redis call, then the rate limit
   * (`ThreadReader.readSignedIn`). Not answered (false) when the token, the
   * session or the limit refuses it: Fastify then answers, and says why. An
   * owner token is no commenter's token: it fails the check before anything is
   * counted, and Fastify, which takes it, answers (such a read rarely gets
   * here: it carries no origin). A failure after the request was counted in
   * its budgets sends it to Fastify too, where it counts again: rare, and on
   * the safe side.
   */
  private async answerSignedIn(response: ServerResponse, read: Read, token: string): Promise<boolean> {
    const { context } = this.options;
    const { site } = read;
    let session: { sessionId: string; userId: string };
    try {
      session = await context.auth.sessionOf(site.id, token);
    } catch {
      return false;
    }
    const answered = await context.threads.readSignedIn(
      site.id,
      session,
      { ...read.query, ifNoneMatch: read.ifNoneMatch },
      // A refusal is remembered: the route refuses it again from memory.
      async (viewer) =>
        (await context.rateLimiter.check(
          site.id,
          this.budgets.of(site.settings, viewer, 'reads', read.ip),
        )) === null && !this.closing,
    );
    if (!answered) return false;
    this.send(response, read, answered.result, answered.viewer.userId);
    return true;
  }

  /** Sends the answer, and counts it where the hooks and the route would. */
  private send(response: ServerResponse, read: Read, result: ThreadResult, userId: string | null): void {
    const { context, metrics } = this.options;
    const { site, request } = read;
    context.directory.noteSeen(site.id);
    context.usage.recordPageRequest(
      site.id,
      read.query.page.id,
      visitorOf(userId, read.ip, request.headers['user-agent']),
    );

    const out = this.headersFor(read.origin).slice();
    out.push('etag', result.etag);
    let status = 304;
    let pieces: readonly Buffer[] = [];
    if (!result.notModified) {
      status = 200;
      out.push('content-type', JSON_TYPE);
      const body = threadBody(result, request.headers['accept-encoding']);
      if (body.gzip) out.push('content-encoding', 'gzip');
      pieces = body.pieces;
    }
    writePieces(response, status, out, pieces);
    this.series.record(status, (performance.now() - read.started) / 1000);
    metrics.recordCachedRead();
  }

  /**
   * The headers every answer to a read from `origin` starts with, as a flat
   * list of names and values: worked out once per origin, copied per answer.
   */
  private headersFor(origin: string): readonly string[] {
    let head = this.heads.get(origin);
    if (!head) {
      const list: string[] = [];
      for (const [name, value] of this.options.securityHeaders) list.push(name, value);
      list.push('access-control-allow-origin', origin, 'access-control-expose-headers', EXPOSED_HEADERS);
      for (const [name, value] of Object.entries(THREAD_HEADERS)) list.push(name, value);
      head = list;
      if (this.heads.size >= MAX_ORIGINS) this.heads.clear();
      this.heads.set(origin, head);
    }
    return head;
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
      query = threadQuery(site, parsed, null);
    } catch {
      return null;
    }
    if (this.prepared.size >= MAX_PREPARED) this.prepared.clear();
    this.prepared.set(queryText, { site, query });
    return query;
  }

  /** `request.ip` as Fastify works it out: from X-Forwarded-For only through trusted proxies. */
  private clientAddress(request: IncomingMessage): string {
    if (!this.trusted) return request.socket.remoteAddress ?? '';
    const addresses = proxyAddr.all(request, this.trusted);
    return addresses[addresses.length - 1] ?? '';
  }
}
