import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { unauthorized } from '@threadkit/core';
import type { FastifyRequest } from 'fastify';
import type { AppContext } from '../../context.js';
import { bearer, errorResponses, UserRef } from '../../schemas.js';
import {
  Export,
  PublicProfile,
  SessionIdParams,
  SessionList,
  UpdateMeBody,
  UserIdParams,
} from './schemas.js';

const tags = ['users'];
const noContent = { type: 'null', description: 'Done.' } as const;

const signedInUser = (request: FastifyRequest) => {
  if (!request.viewer.user) throw unauthorized('Sign in first.');
  return request.viewer.user;
};

/** Commenters' own accounts and public profiles (`api.md`, Users). */
export const userRoutes: FastifyPluginAsyncTypebox<{ context: AppContext }> = async (app, { context }) => {
  const { profiles, accounts } = context;

  app.get(
    '/users/me',
    {
      schema: {
        tags,
        summary: 'Your account',
        security: bearer,
        response: { 200: UserRef, ...errorResponses(401, 403, 503) },
      },
    },
    async (request) => accounts.me(request.site.id, signedInUser(request)),
  );

  app.put(
    '/users/me',
    {
      schema: {
        tags,
        summary: 'Change your name, avatar or e-mail notifications',
        description:
          "A name is cleaned of invisible characters and may not pass for a moderator's (api.md, Display names).",
        security: bearer,
        body: UpdateMeBody,
        response: { 200: UserRef, ...errorResponses(400, 401, 403, 503) },
      },
    },
    async (request) => profiles.update(request.site, request.viewer, request.body),
  );

  app.get(
    '/users/me/export',
    {
      schema: {
        tags,
        summary: 'Everything stored about you, as JSON',
        security: bearer,
        response: { 200: Export, ...errorResponses(401, 403, 503) },
      },
    },
    async (request, reply) => {
      reply.header('content-disposition', 'attachment; filename="threadkit-export.json"');
      return profiles.export(request.site, request.viewer);
    },
  );

  app.delete(
    '/users/me',
    {
      schema: {
        tags,
        summary: 'Erase your account',
        description:
          'Personal data, sign-ins, sessions and votes are erased; comments stay, shown with a "[deleted]" author.',
        security: bearer,
        response: { 204: noContent, ...errorResponses(401, 403, 503) },
      },
    },
    async (request, reply) => {
      await profiles.erase(request.site, request.viewer);
      return reply.status(204).send();
    },
  );

  app.get(
    '/users/me/sessions',
    {
      schema: {
        tags,
        summary: 'Your signed-in sessions',
        security: bearer,
        response: { 200: SessionList, ...errorResponses(401, 403, 503) },
      },
    },
    async (request) => ({ sessions: await profiles.sessions(request.viewer) }),
  );

  app.delete(
    '/users/me/sessions/:id',
    {
      schema: {
        tags,
        summary: 'End one of your sessions',
        security: bearer,
        params: SessionIdParams,
        response: { 204: noContent, ...errorResponses(400, 401, 403, 404, 503) },
      },
    },
    async (request, reply) => {
      await profiles.revokeSession(request.viewer, request.params.id);
      return reply.status(204).send();
    },
  );

  app.get(
    '/users/:id',
    {
      schema: {
        tags,
        summary: "A commenter's public profile",
        params: UserIdParams,
        response: { 200: PublicProfile, ...errorResponses(400, 401, 403, 404, 503) },
      },
    },
    async (request) => profiles.publicProfile(request.site, request.params.id),
  );
};
