import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { AppContext } from '../context.js';

const PING_TIMEOUT_MS = 1000;

/** Liveness with readiness in one: 200 while Redis answers, 503 when it does not. */
export const healthRoutes: FastifyPluginAsyncTypebox<{ context: AppContext }> = async (app, { context }) => {
  app.get(
    '/health',
    {
      schema: {
        tags: ['operations'],
        summary: 'Health and readiness',
        security: [],
        response: {
          200: Type.Object({ status: Type.Literal('ok') }),
          503: Type.Object({
            status: Type.Literal('unavailable'),
            error: Type.String(),
            code: Type.Literal('unavailable'),
          }),
        },
      },
    },
    async (_request, reply) => {
      try {
        await Promise.race([
          context.redis.ping(),
          new Promise((_, reject) => setTimeout(() => reject(new Error('timeout')), PING_TIMEOUT_MS).unref()),
        ]);
        return { status: 'ok' as const };
      } catch {
        return reply.status(503).send({
          status: 'unavailable' as const,
          error: 'Redis is unreachable.',
          code: 'unavailable' as const,
        });
      }
    },
  );
};
