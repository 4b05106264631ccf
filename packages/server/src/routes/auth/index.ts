import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { unauthorized } from '@threadkit/core';
import type { AppContext } from '../../context.js';
import { bearer, errorResponses, UserRef } from '../../schemas.js';

const tags = ['auth'];
const TokenPair = { token: Type.String(), refresh_token: Type.String() };

/** The site's methods that this server can serve (OAuth providers arrive with their configuration). */
const SERVED_METHODS = new Set(['password', 'email_code']);
const offeredMethods = (enabled: string[]) => enabled.filter((method) => SERVED_METHODS.has(method));

/** Commenter sessions: guests, refresh, logout, and which methods the site offers. */
export const authRoutes: FastifyPluginAsyncTypebox<{ context: AppContext }> = async (app, { context }) => {
  const { auth } = context;

  app.get(
    '/auth/methods',
    {
      schema: {
        tags,
        summary: 'Sign-in methods this site enables',
        response: {
          200: Type.Object({ methods: Type.Array(Type.String()) }),
          ...errorResponses(401, 403, 503),
        },
      },
    },
    async (request) => ({
      methods: [
        ...(request.site.settings.allow_guests ? ['guest'] : []),
        ...offeredMethods(request.site.settings.auth_methods),
      ],
    }),
  );

  app.post(
    '/auth/guest',
    {
      schema: {
        tags,
        summary: 'Comment as a guest',
        description: 'Creates a guest commenter with only a name, where the site allows guests.',
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
