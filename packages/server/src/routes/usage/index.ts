import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { forbidden, invalid, isDay, notFound } from '@threadkit/core';
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
        summary: "The site's usage in a month or a day",
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
      const { month, day } = request.query;
      if (month !== undefined && day !== undefined) throw invalid('day', 'give month or day, not both');
      if (day !== undefined && !isDay(day)) throw invalid('day', 'day must be a date, YYYY-MM-DD');
      const period = day ?? month ?? usage.currentMonth();
      await usage.flush();
      const report = await usage.read(request.site.id, period);
      return { site_id: request.site.id, ...(day ? { day } : { month: period }), ...report };
    },
  );
};
