import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { requireRole } from '@threadkit/core';
import type { AppContext } from '../../context.js';
import { errorResponses, staff } from '../../schemas.js';
import {
  CreateWebhookBody,
  DeliveryLog,
  DeliveryLogQuery,
  PingQueued,
  UpdateWebhookBody,
  WebhookList,
  WebhookParams,
  WebhookSchema,
  WebhookWithSecret,
} from './schemas.js';

const tags = ['webhooks'];
const noContent = { type: 'null', description: 'Done.' } as const;

/**
 * The owner's webhook endpoints (`api.md`, Webhooks; `webhooks.md`): the
 * secret key, or in SaaS mode the dashboard's owner token. Admins cannot: an
 * endpoint receives every comment and report of the site.
 */
export const webhookRoutes: FastifyPluginAsyncTypebox<{ context: AppContext }> = async (app, { context }) => {
  const { webhooks } = context;
  app.addHook('preHandler', async (request) => requireRole(request.viewer, 'owner'));

  app.get(
    '/webhooks',
    {
      schema: {
        tags,
        summary: "The site's webhook endpoints (owner)",
        security: staff,
        response: { 200: WebhookList, ...errorResponses(401, 403, 503) },
      },
    },
    async (request) => ({ webhooks: await webhooks.list(request.site.id) }),
  );

  app.post(
    '/webhooks',
    {
      schema: {
        tags,
        summary: 'Register an endpoint (owner); its signing secret is shown only in this answer',
        security: staff,
        body: CreateWebhookBody,
        response: { 201: WebhookWithSecret, ...errorResponses(400, 401, 403, 409, 503) },
      },
    },
    async (request, reply) => reply.status(201).send(await webhooks.create(request.site.id, request.body)),
  );

  app.get(
    '/webhooks/:id',
    {
      schema: {
        tags,
        summary: 'One endpoint (owner)',
        security: staff,
        params: WebhookParams,
        response: { 200: WebhookSchema, ...errorResponses(400, 401, 403, 404, 503) },
      },
    },
    async (request) => webhooks.get(request.site.id, request.params.id),
  );

  app.patch(
    '/webhooks/:id',
    {
      schema: {
        tags,
        summary: "Change an endpoint's URL or events, disable or enable it (owner)",
        security: staff,
        params: WebhookParams,
        body: UpdateWebhookBody,
        response: { 200: WebhookSchema, ...errorResponses(400, 401, 403, 404, 503) },
      },
    },
    async (request) => webhooks.update(request.site.id, request.params.id, request.body),
  );

  app.post(
    '/webhooks/:id/rotate-secret',
    {
      schema: {
        tags,
        summary: "Replace an endpoint's signing secret (owner); the new one is shown only in this answer",
        description:
          'Deliveries sent from now on, retries of earlier ones too, are signed with the new secret.',
        security: staff,
        params: WebhookParams,
        response: { 200: WebhookWithSecret, ...errorResponses(400, 401, 403, 404, 503) },
      },
    },
    async (request) => webhooks.rotateSecret(request.site.id, request.params.id),
  );

  app.delete(
    '/webhooks/:id',
    {
      schema: {
        tags,
        summary: 'Remove an endpoint and its delivery log (owner); deliveries still queued are dropped',
        security: staff,
        params: WebhookParams,
        response: { 204: noContent, ...errorResponses(400, 401, 403, 404, 503) },
      },
    },
    async (request, reply) => {
      await webhooks.remove(request.site.id, request.params.id);
      return reply.status(204).send();
    },
  );

  app.get(
    '/webhooks/:id/deliveries',
    {
      schema: {
        tags,
        summary: "An endpoint's delivery log: its last attempts, newest first (owner)",
        security: staff,
        params: WebhookParams,
        querystring: DeliveryLogQuery,
        response: { 200: DeliveryLog, ...errorResponses(400, 401, 403, 404, 503) },
      },
    },
    async (request) => ({
      deliveries: await webhooks.log(request.site.id, request.params.id, request.query.limit ?? 20),
    }),
  );

  app.post(
    '/webhooks/:id/test',
    {
      schema: {
        tags,
        summary: 'Queue a `ping` delivery to the endpoint (owner)',
        security: staff,
        params: WebhookParams,
        response: { 202: PingQueued, ...errorResponses(400, 401, 403, 404, 409, 503) },
      },
    },
    async (request, reply) => reply.status(202).send(await webhooks.ping(request.site.id, request.params.id)),
  );
};
