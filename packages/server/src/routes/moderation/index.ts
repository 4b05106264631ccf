import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { resolvePage } from '@threadkit/core';
import type { AppContext } from '../../context.js';
import { errorResponses, staff } from '../../schemas.js';
import {
  AuditResponse,
  BanBody,
  BulkBody,
  CommentIdParam,
  LockBody,
  Paging,
  QueueResponse,
  ReportsResponse,
  UserIdParam,
  UserListQuery,
  UserListResponse,
} from './schemas.js';

const tags = ['moderation'];
const noContent = { type: 'null', description: 'Done.' } as const;
const paging = (query: { offset?: number; limit?: number }) => ({
  offset: query.offset ?? 0,
  limit: query.limit ?? 20,
});

/**
 * Moderators' routes (`api.md`, Moderation). Owners use the secret key, or in SaaS mode the dashboard
 * sends an owner token for them; moderators and admins use their token.
 * Nobody acts on a user of their own rank or above, nor on such a user's comments (`moderation.md`, Roles).
 */
export const moderationRoutes: FastifyPluginAsyncTypebox<{ context: AppContext }> = async (
  app,
  { context },
) => {
  const { moderation } = context;

  app.get(
    '/moderation/queue',
    {
      schema: {
        tags,
        summary: 'Comments waiting for a moderator, newest first',
        security: staff,
        querystring: Paging,
        response: { 200: QueueResponse, ...errorResponses(400, 401, 403, 503) },
      },
    },
    async (request) => moderation.queue(request.site, request.viewer, paging(request.query)),
  );

  app.get(
    '/moderation/reports',
    {
      schema: {
        tags,
        summary: 'Reported comments with their reports, latest report first',
        security: staff,
        querystring: Paging,
        response: { 200: ReportsResponse, ...errorResponses(400, 401, 403, 503) },
      },
    },
    async (request) => moderation.reports(request.site, request.viewer, paging(request.query)),
  );

  for (const action of ['approve', 'reject'] as const) {
    app.post(
      `/moderation/${action}/:comment_id`,
      {
        schema: {
          tags,
          summary: action === 'approve' ? 'Publish a comment and settle its reports' : 'Take a comment down',
          security: staff,
          params: CommentIdParam,
          response: { 204: noContent, ...errorResponses(400, 401, 403, 404, 503) },
        },
      },
      async (request, reply) => {
        await moderation.decide(request.site, request.viewer, [request.params.comment_id], action);
        return reply.status(204).send();
      },
    );
  }

  app.post(
    '/moderation/bulk',
    {
      schema: {
        tags,
        summary: 'Approve or reject many comments',
        security: staff,
        body: BulkBody,
        response: { 204: noContent, ...errorResponses(400, 401, 403, 404, 503) },
      },
    },
    async (request, reply) => {
      await moderation.decide(request.site, request.viewer, request.body.comment_ids, request.body.action);
      return reply.status(204).send();
    },
  );

  app.post(
    '/moderation/ban/:user_id',
    {
      schema: {
        tags,
        summary: 'Ban a user: no posting, voting or reporting; every session ends',
        security: staff,
        params: UserIdParam,
        body: BanBody,
        response: { 204: noContent, ...errorResponses(400, 401, 403, 404, 503) },
      },
    },
    async (request, reply) => {
      await moderation.ban(request.site, request.viewer, request.params.user_id, {
        deleteComments: request.body?.delete_comments ?? false,
        reason: request.body?.reason,
      });
      return reply.status(204).send();
    },
  );

  app.post(
    '/moderation/unban/:user_id',
    {
      schema: {
        tags,
        summary: 'Lift a ban',
        security: staff,
        params: UserIdParam,
        response: { 204: noContent, ...errorResponses(400, 401, 403, 404, 503) },
      },
    },
    async (request, reply) => {
      await moderation.unban(request.site, request.viewer, request.params.user_id);
      return reply.status(204).send();
    },
  );

  for (const on of [true, false]) {
    app.post(
      `/moderation/${on ? 'shadowban' : 'unshadowban'}/:user_id`,
      {
        schema: {
          tags,
          summary: on
            ? 'Shadow-ban a user: their comments show only to them and to moderators'
            : 'Lift a shadow-ban',
          security: staff,
          params: UserIdParam,
          response: { 204: noContent, ...errorResponses(400, 401, 403, 404, 503) },
        },
      },
      async (request, reply) => {
        await moderation.shadowban(request.site, request.viewer, request.params.user_id, on);
        return reply.status(204).send();
      },
    );
  }

  for (const list of ['banned', 'shadowbanned'] as const) {
    app.get(
      `/moderation/${list}`,
      {
        schema: {
          tags,
          summary:
            list === 'banned' ? 'Banned users, a page at a time' : 'Shadow-banned users, a page at a time',
          description:
            'In no particular order; pass `next_cursor` as `cursor` until it is null. A page may hold fewer than `limit` users before the last. `email` is shown to admins and the owner only.',
          security: staff,
          querystring: UserListQuery,
          response: { 200: UserListResponse, ...errorResponses(400, 401, 403, 503) },
        },
      },
      async (request) =>
        moderation.userList(request.site, request.viewer, list, {
          cursor: request.query.cursor ?? null,
          limit: request.query.limit ?? 20,
        }),
    );
  }

  for (const locked of [true, false]) {
    app.post(
      `/moderation/${locked ? 'lock' : 'unlock'}`,
      {
        schema: {
          tags,
          summary: locked
            ? 'Make a page (or, without one, the whole site) read-only'
            : 'Open a page (or the whole site) again',
          description: 'Locking a page needs a moderator; locking the whole site an admin.',
          security: staff,
          body: LockBody,
          response: { 204: noContent, ...errorResponses(400, 401, 403, 503) },
        },
      },
      async (request, reply) => {
        const body = request.body ?? {};
        const page = body.page_url || body.page_key ? resolvePage(request.site.id, body) : null;
        await moderation.lock(request.site, request.viewer, page, locked);
        return reply.status(204).send();
      },
    );
  }

  app.get(
    '/moderation/audit',
    {
      schema: {
        tags,
        summary: 'The audit log of moderation actions (admins)',
        security: staff,
        querystring: Paging,
        response: { 200: AuditResponse, ...errorResponses(400, 401, 403, 503) },
      },
    },
    async (request) => moderation.auditLog(request.site, request.viewer, paging(request.query)),
  );
};
