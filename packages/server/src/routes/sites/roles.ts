import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { invalid, notFound, requireRole, type Viewer } from '@threadkit/core';
import type { FastifyRequest } from 'fastify';
import type { AppContext } from '../../context.js';
import { errorResponses, Id, staff } from '../../schemas.js';

const tags = ['sites'];
const SiteParams = Type.Object({ id: Id() });
const MemberParams = Type.Object({
  id: Id(),
  user_id: Id(),
});
const AddBody = Type.Object(
  {
    user_id: Type.Optional(Id()),
    email: Type.Optional(
      Type.String({
        minLength: 3,
        maxLength: 254,
        pattern: '@',
        description: "The account's e-mail address.",
      }),
    ),
  },
  { additionalProperties: false, description: 'The commenter: `user_id` or `email`, one of them.' },
);
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

/**
 * The commenter a promotion names: by id, or by the e-mail of their account,
 * looked up as `threadkit admin promote` does. Who may not promote learns
 * nothing of which addresses have accounts: the role is checked first.
 */
async function commenterOf(
  context: AppContext,
  siteId: string,
  viewer: Viewer,
  role: 'admin' | 'moderator',
  body: { user_id?: string; email?: string },
): Promise<string> {
  if ((body.user_id === undefined) === (body.email === undefined))
    throw invalid('user_id', 'give user_id or email, one of them');
  if (body.user_id !== undefined) return body.user_id;
  requireRole(viewer, role === 'admin' ? 'owner' : 'admin');
  const userId = await context.accounts.findAccount(siteId, body.email!);
  if (!userId) throw notFound('No account has this e-mail address.');
  return userId;
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
          description: `For ${who}, and only for a commenter below the caller's rank, named by \`user_id\` or by the \`email\` of their account (404 when no account has it). Guests cannot be given a role.`,
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
        const userId = await commenterOf(context, request.site.id, request.viewer, role, request.body);
        await moderation.setRole(request.site, request.viewer, userId, role, true);
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
