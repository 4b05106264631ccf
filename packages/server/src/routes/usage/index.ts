import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { forbidden, notFound } from '@threadkit/core';
import type { AppContext } from '../../context.js';
import { errorResponses } from '../../schemas.js';
import { UsageParams, UsageQuery, UsageResponse } from './schemas.js';

/** The owner's view of the site's usage (`docs/api.md`, Usage). */
export const usageRoutes: FastifyPluginAsyncTypebox<{ context: AppContext }> = async (app, { context }) => {
  const { usage } = context;

  app.get(
    '/sites/:id/usage',
    {
      schema: {
        tags: ['sites'],
        summary: "The site's usage in a month",
        description:
          'The owner only: the secret key, or in SaaS mode an owner token. Counts of this instance are written first; other instances add theirs within a second.',
        params: UsageParams,
        querystring: UsageQuery,
        response: { 200: UsageResponse, ...errorResponses(400, 401, 403, 404, 503) },
      },
    },
    async (request) => {
      if (request.viewer.role !== 'owner') throw forbidden('Only the site owner can read the usage.');
      if (request.params.id !== request.site.id) throw notFound('Site not found.');
      const month = request.query.month ?? usage.currentMonth();
      await usage.flush();
      return { site_id: request.site.id, month, ...(await usage.read(request.site.id, month)) };
    },
  );
};
