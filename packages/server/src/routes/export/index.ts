import { Readable } from 'node:stream';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { EXPORT_FORMAT_VERSION, type RateBudget, requireRole, ThreadKitError } from '@threadkit/core';
import type { AppContext } from '../../context.js';
import { errorResponses, staff } from '../../schemas.js';

/**
 * Exports a site may start a minute, whoever asks: each one reads every record
 * of the site, so they have a budget of their own besides the key's.
 */
export const EXPORTS_PER_MINUTE = 2;

const EXPORT_BUDGET: RateBudget = { bucket: 'key', subject: 'export', limit: EXPORTS_PER_MINUTE };

/** `GET /v1/export`: the whole site in ThreadKit's export format, streamed (`api.md`, Export). */
export const exportRoutes: FastifyPluginAsyncTypebox<{ context: AppContext }> = async (app, { context }) => {
  app.get(
    '/export',
    {
      schema: {
        tags: ['sites'],
        summary: 'Export the whole site (owner): JSON lines, streamed',
        description:
          'The owner only: the secret key, or in SaaS mode an owner token. Streams the site, its users, pages and ' +
          `comments in ThreadKit's export format (version ${EXPORT_FORMAT_VERSION}, docs/export-format.md) as ` +
          '`application/x-ndjson`, ending with an `end` line (a file without it was cut short). No keys, password ' +
          `hashes, sessions or secret settings. At most ${EXPORTS_PER_MINUTE} exports a minute per site.`,
        security: staff,
        response: {
          200: {
            description: 'The export: one JSON object a line (header, site, user, page, comment, end).',
            content: { 'application/x-ndjson': { schema: { type: 'string' } } },
          },
          ...errorResponses(401, 403, 429, 503),
        },
      },
    },
    async (request, reply) => {
      requireRole(request.viewer, 'owner');
      const site = request.site;
      const refusal = await context.rateLimiter.check(site.id, [EXPORT_BUDGET]);
      if (refusal) {
        const retryAfter = Math.max(1, Math.ceil(refusal.retryAfterMs / 1000));
        throw new ThreadKitError(
          'rate_limited',
          `Too many exports: at most ${EXPORTS_PER_MINUTE} a minute. Try again in ${retryAfter} s.`,
          { retryAfter },
        );
      }
      const day = new Date().toISOString().slice(0, 10);
      return reply
        .type('application/x-ndjson; charset=utf-8')
        .header('content-disposition', `attachment; filename="threadkit-${site.id}-${day}.jsonl"`)
        .header('cache-control', 'no-store')
        .send(Readable.from(context.exports.ndjson(site)));
    },
  );
};
