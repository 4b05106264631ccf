import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { conflict, forbidden, requireRole, type Viewer } from '@threadkit/core';
import type { AppContext } from '../../context.js';
import { bearer, errorResponses, Id } from '../../schemas.js';
import { ownSite } from './roles.js';

const SiteParams = Type.Object({ id: Id('Site id.') });
const Purging = Type.Object({ purging: Type.Literal(true) }, { description: 'The purge is recorded.' });

/** The owner acting through the dashboard: the viewer of an owner token names the dashboard's owner. */
const throughDashboard = (viewer: Viewer): boolean =>
  viewer.role === 'owner' && typeof (viewer as { ownerId?: unknown }).ownerId === 'string';

/** `DELETE /v1/sites/:id`: the dashboard has the deleted site's data removed (`api.md`, Site administration). */
export const sitePurgeRoutes: FastifyPluginAsyncTypebox<{ context: AppContext }> = async (
  app,
  { context },
) => {
  app.delete(
    '/sites/:id',
    {
      schema: {
        tags: ['sites'],
        summary: "Delete the site's data (the dashboard, when the site is deleted)",
        description:
          'SaaS mode only, and only for the owner acting through the dashboard (an owner token): the secret key cannot. ' +
          "Records the purge and answers at once; every key of the site is then removed from Redis in the background, with the site's queued e-mails.",
        security: bearer,
        params: SiteParams,
        response: {
          202: Purging,
          ...errorResponses(400, 401, 403, 404, 409, 503),
        },
      },
    },
    async (request, reply) => {
      ownSite(request);
      requireRole(request.viewer, 'owner');
      if (context.config.mode !== 'saas')
        throw conflict("The standalone site is configured by the server's environment; it is not deleted.");
      // A leaked secret key must not be able to wipe a site.
      if (!throughDashboard(request.viewer))
        throw forbidden("A site's data is deleted by deleting the site on the dashboard.");
      await context.purges.request(request.site.id);
      return reply.status(202).send({ purging: true });
    },
  );
};
