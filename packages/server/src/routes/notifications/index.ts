import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { escapeHtml, unauthorized } from '@threadkit/core';
import type { FastifyRequest } from 'fastify';
import type { AppContext } from '../../context.js';
import { bearer, errorResponses } from '../../schemas.js';
import { ListQuery, ListResponse, ReadBody, UnsubscribeQuery } from './schemas.js';

const tags = ['notifications'];

const commenterId = (request: FastifyRequest): string => {
  if (request.viewer.userId === null || !request.viewer.user) throw unauthorized('Sign in first.');
  return request.viewer.userId;
};

/** A commenter's notifications (`api.md`, Users and notifications). Registered inside `/v1`. */
export const notificationRoutes: FastifyPluginAsyncTypebox<{ context: AppContext }> = async (
  app,
  { context },
) => {
  const { notifications } = context;

  app.get(
    '/notifications',
    {
      schema: {
        tags,
        summary: 'Your notifications, newest first',
        description:
          'Replies to your comments, mentions of your name, and upvotes (at most one per comment per hour). The newest 200 are kept.',
        security: bearer,
        querystring: ListQuery,
        response: { 200: ListResponse, ...errorResponses(400, 401, 403, 503) },
      },
    },
    async (request) =>
      notifications.list(request.site, commenterId(request), {
        offset: request.query.offset ?? 0,
        limit: request.query.limit ?? 20,
      }),
  );

  app.post(
    '/notifications/read',
    {
      schema: {
        tags,
        summary: 'Mark notifications read',
        description:
          'The given ids, or every notification when `ids` is absent. Marking twice changes nothing.',
        security: bearer,
        body: ReadBody,
        response: { 204: { type: 'null', description: 'Done.' }, ...errorResponses(400, 401, 403, 503) },
      },
      // No body at all means "all", like `{}`.
      preValidation: async (request) => {
        (request as { body: unknown }).body ??= {};
      },
    },
    async (request, reply) => {
      await notifications.markRead(request.site.id, commenterId(request), request.body.ids);
      return reply.status(204).send();
    },
  );
};

const page = (title: string, body: string) => `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${title}</title>
<style>body { font: 16px/1.5 system-ui, sans-serif; max-width: 36rem; margin: 3rem auto; padding: 0 1rem; color: #1f2328; }</style>
</head>
<body>
${body}
</body>
</html>`;

/**
 * `GET /v1/unsubscribe?token=…`: the one-click link of notification e-mails. It
 * needs no site key and no sign-in (the token is signed), so it is registered
 * outside the `/v1` context whose credentials hook demands them. `POST` does the
 * same for mail clients' one-click button (RFC 8058).
 */
export const unsubscribeRoutes: FastifyPluginAsyncTypebox<{ context: AppContext }> = async (
  app,
  { context },
) => {
  // RFC 8058 clients POST `List-Unsubscribe=One-Click` as a form; only the token in the URL matters.
  app.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string' },
    (_request, _body, done) => done(null, undefined),
  );

  const schema = (summary: string) => ({
    tags,
    summary,
    description:
      'Turns reply and mention e-mails off for the account the signed token names, and answers a small HTML page naming the site. No site key or sign-in needed.',
    security: [],
    querystring: UnsubscribeQuery,
    response: {
      200: { type: 'string', description: 'An HTML page confirming it.' },
      ...errorResponses(400, 401, 404, 503),
    },
  });

  const handler = async (token: string) => {
    const { siteName } = await context.notifications.unsubscribe(token);
    const site = escapeHtml(siteName);
    return page(
      `Unsubscribed from ${site}`,
      `<h1>You are unsubscribed</h1>
<p>You will no longer get e-mails about replies and mentions on <strong>${site}</strong>.</p>
<p>Changed your mind? Turn e-mail notifications back on in your account settings on ${site}.</p>`,
    );
  };

  app.get(
    '/v1/unsubscribe',
    { schema: schema('Unsubscribe from notification e-mails') },
    async (request, reply) =>
      reply
        .type('text/html; charset=utf-8')
        .header('cache-control', 'no-store')
        .send(await handler(request.query.token)),
  );
  app.post(
    '/v1/unsubscribe',
    { schema: schema('Unsubscribe from notification e-mails (one-click, RFC 8058)') },
    async (request, reply) =>
      reply
        .type('text/html; charset=utf-8')
        .header('cache-control', 'no-store')
        .send(await handler(request.query.token)),
  );
};
