import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { unauthorized } from '@threadkit/core';
import type { AppContext } from '../../context.js';
import { bearer, errorResponses, UserRef } from '../../schemas.js';

const tags = ['auth'];
const TokenPair = { token: Type.String(), refresh_token: Type.String() };

/** The site's methods that this server can serve: these, and the OAuth providers it is configured for. */
const SERVED_METHODS = new Set(['password', 'email_code']);

/** Commenter sessions: guests, refresh, logout, and which methods the site offers. */
export const authRoutes: FastifyPluginAsyncTypebox<{ context: AppContext }> = async (app, { context }) => {
  const { auth, oauth } = context;
  const providerLabels = new Map(oauth.providers().map((p) => [p.name, p.label]));

  app.get(
    '/auth/methods',
    {
      schema: {
        tags,
        summary: 'Sign-in methods this site enables',
        description:
          'OAuth providers (`google`, `github`, OIDC names) are listed when the server is configured for them and the site enables them; `labels` then gives their button text. Start one with `GET /v1/auth/{provider}` in a popup.',
        response: {
          200: Type.Object({
            methods: Type.Array(Type.String()),
            labels: Type.Optional(Type.Record(Type.String(), Type.String())),
          }),
          ...errorResponses(401, 403, 503),
        },
      },
    },
    async (request) => {
      const enabled = request.site.settings.auth_methods;
      const providers = enabled.filter((method) => providerLabels.has(method));
      return {
        methods: [
          ...(request.site.settings.allow_guests ? ['guest'] : []),
          ...enabled.filter((method) => SERVED_METHODS.has(method) || providerLabels.has(method)),
        ],
        ...(providers.length > 0
          ? { labels: Object.fromEntries(providers.map((name) => [name, providerLabels.get(name)!])) }
          : {}),
      };
    },
  );

  app.post(
    '/auth/guest',
    {
      schema: {
        tags,
        summary: 'Comment as a guest',
        description:
          "Creates a guest commenter with only a name, where the site allows guests. The name is cleaned of invisible characters and may not pass for a moderator's (api.md, Display names).",
        body: Type.Object({ name: Type.String({ maxLength: 200 }) }, { additionalProperties: false }),
        response: {
          201: Type.Object({ ...TokenPair, user: UserRef }),
          ...errorResponses(400, 401, 403, 503),
        },
      },
    },
    async (request, reply) => {
      const guest = await auth.createGuest(request.site, request.body.name);
      return reply
        .status(201)
        .send({ ...guest, user: await context.accounts.me(request.site.id, guest.user) });
    },
  );

  app.post(
    '/auth/refresh',
    {
      schema: {
        tags,
        summary: 'Exchange a refresh token for a new token pair',
        description:
          'The refresh token rotates: the old one stops working, and using it again ends the session.',
        body: Type.Object(
          { refresh_token: Type.String({ maxLength: 200 }) },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object(TokenPair), ...errorResponses(400, 401, 403, 503) },
      },
    },
    async (request) => auth.refresh(request.site.id, request.body.refresh_token),
  );

  app.post(
    '/auth/logout',
    {
      schema: {
        tags,
        summary: 'End this session',
        security: bearer,
        response: { 204: { type: 'null', description: 'Signed out.' }, ...errorResponses(401, 403, 503) },
      },
    },
    async (request, reply) => {
      if (!request.viewer.sessionId) throw unauthorized('Sign in first.');
      await auth.logout(request.viewer);
      return reply.status(204).send();
    },
  );
};
