import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { notFound } from '@threadkit/core';
import type { FastifyRequest } from 'fastify';
import type { AppContext } from '../../context.js';
import { errorResponses, Id, staff } from '../../schemas.js';

const tags = ['sites'];
const SiteParams = Type.Object({ id: Id() });
const MemberParams = Type.Object({
  id: Id(),
  user_id: Id(),
});
const AddBody = Type.Object({ user_id: Id() }, { additionalProperties: false });
const Members = Type.Object({
  members: Type.Array(
    Type.Object({
      id: Type.String(),
      name: Type.String(),
      avatar_url: Type.Union([Type.String(), Type.Null()]),
      role: Type.String(),
    }),
  ),
});

/** A site's routes only answer for the site of the key in use. */
export function ownSite(request: FastifyRequest): void {
  if ((request.params as { id?: string }).id !== request.site.id) throw notFound('No such site.');
}

/** Admins (managed by the owner) and moderators (managed by admins and the owner): `api.md`, Site administration. */
export const siteRoleRoutes: FastifyPluginAsyncTypebox<{ context: AppContext }> = async (
  app,
  { context },
) => {
  const { moderation } = context;

  for (const role of ['admin', 'moderator'] as const) {
    const plural = `${role}s`;
    const who = role === 'admin' ? 'the owner (secret key)' : 'admins and the owner';

    app.get(
      `/sites/:id/${plural}`,
      {
        schema: {
          tags,
          summary: `The site's ${plural}`,
          description: `For ${who}.`,
          security: staff,
          params: SiteParams,
          response: { 200: Members, ...errorResponses(400, 401, 403, 404, 503) },
        },
      },
      async (request) => {
        ownSite(request);
        return { members: await moderation.members(request.site, request.viewer, role) };
      },
    );

    app.post(
      `/sites/:id/${plural}`,
      {
        schema: {
          tags,
          summary: `Make a commenter ${role === 'admin' ? 'an admin' : 'a moderator'}`,
          description: `For ${who}, and only for a commenter below the caller's rank. Guests cannot be given a role.`,
          security: staff,
          params: SiteParams,
          body: AddBody,
          response: {
            204: { type: 'null', description: 'Done.' },
            ...errorResponses(400, 401, 403, 404, 409, 503),
          },
        },
      },
      async (request, reply) => {
        ownSite(request);
        await moderation.setRole(request.site, request.viewer, request.body.user_id, role, true);
        return reply.status(204).send();
      },
    );

    app.delete(
      `/sites/:id/${plural}/:user_id`,
      {
        schema: {
          tags,
          summary: `Take the ${role} role away`,
          description: `For ${who}, and only from a commenter below the caller's rank.`,
          security: staff,
          params: MemberParams,
          response: {
            204: { type: 'null', description: 'Done.' },
            ...errorResponses(400, 401, 403, 404, 503),
          },
        },
      },
      async (request, reply) => {
        ownSite(request);
        await moderation.setRole(request.site, request.viewer, request.params.user_id, role, false);
        return reply.status(204).send();
      },
    );
  }
};
