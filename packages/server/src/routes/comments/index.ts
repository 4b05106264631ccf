import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Static } from '@sinclair/typebox';
import {
  type ClientInfo,
  DEFAULT_LIMIT,
  DEFAULT_REPLIES,
  invalid,
  previewContent,
  resolvePage,
  type SiteRecord,
  type SortOrder,
  type ThreadQuery,
  type ThreadResult,
} from '@threadkit/core';
import type { FastifyRequest } from 'fastify';
import type { AppContext } from '../../context.js';
import { contentEtag, matchesEtag } from '../../etags.js';
import { bearer, CommentIdParams, errorResponses } from '../../schemas.js';
import { sendPieces } from '../../send-pieces.js';
import {
  CommentResponse,
  CountsQuery,
  CountsResponse,
  CreateBody,
  CreateHeaders,
  EditBody,
  ListQuery,
  ListResponse,
  PinResponse,
  PreviewBody,
  PreviewResponse,
  RepliesQuery,
  RepliesResponse,
  ReportBody,
  VoteBody,
  VoteResponse,
} from './schemas.js';

const tags = ['comments'];

/** The Comments part of `api.md`. Handlers decode, call the service and encode; rules live in the services. */
export const commentRoutes: FastifyPluginAsyncTypebox<{ context: AppContext }> = async (app, { context }) => {
  const { comments, threads } = context;

  app.get(
    '/comments',
    {
      config: { countsPageView: true },
      schema: {
        tags,
        summary: 'A page of a thread',
        description:
          'Root comments, each with the first of its replies, as the caller may see them. Counts a page view. Supports If-None-Match.',
        querystring: ListQuery,
        response: {
          200: ListResponse,
          304: { type: 'null', description: 'Not modified.' },
          ...errorResponses(400, 401, 403, 503),
        },
      },
    },
    async (request, reply) => {
      const query = request.query;
      const ifNoneMatch = request.headers['if-none-match'];
      // A thread read is the widget at work: the installation check (SaaS) hears of it.
      context.directory.noteSeen(request.site.id);
      const thread = threadQuery(request.site, query, ifNoneMatch);
      request.viewedPageId = thread.page.id;
      const result = await threads.read(request.viewer, thread);
      reply.headers(THREAD_HEADERS).header('etag', result.etag);
      if (result.notModified) return reply.status(304).send();
      // Already JSON bytes, serialised once and shared (and compressed once) across readers.
      reply.type(JSON_TYPE);
      const { pieces, gzip } = threadBody(result, request.headers['accept-encoding']);
      if (gzip) reply.header('content-encoding', 'gzip');
      return sendPieces(reply, pieces);
    },
  );

  app.get(
    '/comments/:id/replies',
    {
      schema: {
        tags,
        summary: 'The next replies of a comment',
        description:
          "A page of a comment's replies after `cursor` (its `rx`), oldest first, each with the first of its own, as the caller may see them.",
        params: CommentIdParams,
        querystring: RepliesQuery,
        response: { 200: RepliesResponse, ...errorResponses(400, 401, 403, 404, 503) },
      },
    },
    async (request) => {
      const query = request.query;
      return threads.readReplies(request.viewer, {
        commentId: request.params.id,
        limit: query.limit ?? DEFAULT_LIMIT,
        replies: query.replies ?? DEFAULT_REPLIES,
        cursor: query.cursor ?? null,
      });
    },
  );

  app.get(
    '/comments/counts',
    {
      schema: {
        tags,
        summary: 'Comment counts for many pages',
        description:
          'The public comment count of up to 100 pages, by URL and by key, in one request (what count.js asks). Supports If-None-Match.',
        querystring: CountsQuery,
        response: {
          200: CountsResponse,
          304: { type: 'null', description: 'Not modified.' },
          ...errorResponses(400, 401, 403, 503),
        },
      },
    },
    async (request, reply) => {
      const siteId = request.site.id;
      const pages = [
        ...(request.query.page_url ?? []).map((url) => ({
          label: url,
          page: resolvePage(siteId, { page_url: url }),
        })),
        ...(request.query.page_key ?? []).map((key) => ({
          label: key,
          page: resolvePage(siteId, { page_key: key }),
        })),
      ];
      if (pages.length === 0) throw invalid('page_url', 'give at least one page_url or page_key');
      if (pages.length > 100) throw invalid('page_url', 'at most 100 pages per request');
      const counts = await comments.counts(request.site, pages);
      // Counts are the same for every reader: a list page asked again within the minute is not asked twice.
      const etag = contentEtag(JSON.stringify(counts));
      reply.header('cache-control', COUNTS_CACHE_CONTROL).header('etag', etag);
      if (matchesEtag(request.headers['if-none-match'], etag)) return reply.status(304).send();
      return { counts };
    },
  );

  app.post(
    '/comments',
    {
      schema: {
        tags,
        summary: 'Post a comment or a reply',
        security: bearer,
        headers: CreateHeaders,
        body: CreateBody,
        response: { 201: CommentResponse, ...errorResponses(400, 401, 403, 404, 409, 413, 503) },
      },
    },
    async (request, reply) => {
      const { content, parent_id, website, elapsed_ms, ...page } = request.body;
      const { replayed, ...comment } = await comments.create(request.site, request.viewer, {
        page: resolvePage(request.site.id, page),
        content,
        parentId: parent_id,
        client: clientOf(request),
        form: { honeypot: website, elapsedMs: elapsed_ms },
        idempotencyKey: request.headers['idempotency-key'],
      });
      if (replayed) reply.header('idempotent-replayed', 'true');
      return reply.status(201).send({ comment });
    },
  );

  app.post(
    '/comments/preview',
    {
      // Nothing is written: it spends the caller's read budget, not the write budget meant for posting.
      config: { rateLimit: 'reads' },
      schema: {
        tags,
        summary: 'Render Markdown as a comment would show it (nothing is stored)',
        description:
          "The same rendering, sanitising and length limit (the site's max_comment_length, after trimming) as posting. " +
          'No token needed. Counted as a read. An addition to the contract, for the widget’s preview.',
        body: PreviewBody,
        response: { 200: PreviewResponse, ...errorResponses(400, 401, 403, 413, 503) },
      },
    },
    async (request) => {
      return { html: previewContent(request.body.content, request.site.settings.max_comment_length) };
    },
  );

  app.put(
    '/comments/:id',
    {
      schema: {
        tags,
        summary: 'Edit your comment',
        security: bearer,
        params: CommentIdParams,
        body: EditBody,
        response: { 200: CommentResponse, ...errorResponses(400, 401, 403, 404, 413, 503) },
      },
    },
    async (request) => ({
      comment: await comments.edit(
        request.site,
        request.viewer,
        request.params.id,
        request.body.content,
        clientOf(request),
      ),
    }),
  );

  app.delete(
    '/comments/:id',
    {
      schema: {
        tags,
        summary: 'Delete a comment (author, moderator or above)',
        description: 'Soft delete: a comment with replies stays as a "[deleted]" placeholder.',
        security: bearer,
        params: CommentIdParams,
        response: {
          204: { type: 'null', description: 'Deleted.' },
          ...errorResponses(400, 401, 403, 404, 503),
        },
      },
    },
    async (request, reply) => {
      await comments.delete(request.site, request.viewer, request.params.id);
      return reply.status(204).send();
    },
  );

  app.post(
    '/comments/:id/vote',
    {
      schema: {
        tags,
        summary: 'Vote up or down',
        description: 'The same direction again takes the vote back; the other direction switches it.',
        security: bearer,
        params: CommentIdParams,
        body: VoteBody,
        response: { 200: VoteResponse, ...errorResponses(400, 401, 403, 404, 503) },
      },
    },
    async (request) => comments.vote(request.site, request.viewer, request.params.id, request.body.direction),
  );

  app.post(
    '/comments/:id/report',
    {
      schema: {
        tags,
        summary: 'Report a comment to the moderators',
        description: 'One report per user per comment.',
        security: bearer,
        params: CommentIdParams,
        body: ReportBody,
        response: {
          204: { type: 'null', description: 'Reported.' },
          ...errorResponses(400, 401, 403, 404, 409, 503),
        },
      },
    },
    async (request, reply) => {
      await comments.report(request.site, request.viewer, request.params.id, request.body);
      return reply.status(204).send();
    },
  );

  for (const action of ['pin', 'unpin'] as const) {
    app.post(
      `/comments/:id/${action}`,
      {
        schema: {
          tags,
          summary:
            action === 'pin'
              ? 'Pin a root comment (moderator or above)'
              : 'Unpin a comment (moderator or above)',
          security: bearer,
          params: CommentIdParams,
          response: { 200: PinResponse, ...errorResponses(400, 401, 403, 404, 409, 503) },
        },
      },
      async (request) => {
        const pinned = action === 'pin';
        await comments.setPinned(request.site, request.viewer, request.params.id, pinned);
        return { comment_id: request.params.id, pinned };
      },
    );
  }
};

/** Where a write came from, for the spam checks (never stored). */
function clientOf(request: FastifyRequest): ClientInfo {
  const header = (name: string) => {
    const value = request.headers[name];
    return typeof value === 'string' ? value : null;
  };
  return { ip: request.ip, userAgent: header('user-agent'), referrer: header('referer') };
}

/** True unless the client does not list gzip, or refuses it with q=0. */
/** What every answer to a thread read carries besides its ETag (`CachedReads` sends the same). */
export const THREAD_HEADERS = {
  'cache-control': 'private, no-cache',
  vary: 'Origin, Accept-Encoding',
} as const;
export const JSON_TYPE = 'application/json; charset=utf-8';
/** Comment counts may be a minute old on a list page; caches keep one copy per origin (`Vary: Origin`). */
const COUNTS_CACHE_CONTROL = 'public, max-age=60';

/** A thread read as the reader asks for it (`GET /v1/comments`'s query, validated). */
export function threadQuery(
  site: SiteRecord,
  query: Static<typeof ListQuery>,
  ifNoneMatch: unknown,
): ThreadQuery {
  return {
    page: resolvePage(site.id, query),
    sort: (query.sort ?? 'new') as SortOrder,
    limit: query.limit ?? DEFAULT_LIMIT,
    replies: query.replies ?? DEFAULT_REPLIES,
    cursor: query.cursor ?? null,
    ifNoneMatch: typeof ifNoneMatch === 'string' ? ifNoneMatch : null,
    poweredBy: (site.plan?.poweredBy && site.plan.link) || null,
  };
}

/** What a thread read sends: its shared gzip form when the reader takes gzip and there is one, else its pieces. */
export function threadBody(
  result: Extract<ThreadResult, { notModified: false }>,
  acceptEncoding: string | undefined,
): { pieces: readonly Buffer[]; gzip: boolean } {
  return result.gzipped && acceptsGzip(acceptEncoding)
    ? { pieces: [result.gzipped], gzip: true }
    : { pieces: result.body, gzip: false };
}

function acceptsGzip(header: string | undefined): boolean {
  if (!header) return false;
  let verdict = gzipVerdicts.get(header);
  if (verdict === undefined) {
    verdict = header.split(',').some((part) => {
      const [coding, ...params] = part.trim().toLowerCase().split(';');
      if (coding !== 'gzip' && coding !== '*') return false;
      return !params.some((p) => /^\s*q=0(\.0*)?\s*$/.test(p));
    });
    if (gzipVerdicts.size >= 100) gzipVerdicts.clear();
    gzipVerdicts.set(header, verdict);
  }
  return verdict;
}

// Browsers send a handful of Accept-Encoding values, the same on every read.
const gzipVerdicts = new Map<string, boolean>();
