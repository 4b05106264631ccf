import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

/** The OpenAPI document is generated from the route schemas, so it cannot drift from the code. */
export const openapiPlugin = fp(async (app: FastifyInstance) => {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'ThreadKit API',
        version: '1',
        description:
          'Threaded comments, votes and moderation. Every /v1 request carries the site key in the `projectid` header; commenters add `Authorization: Bearer <token>`; in SaaS mode the dashboard adds an owner token the same way.',
      },
      components: {
        securitySchemes: {
          projectid: { type: 'apiKey', in: 'header', name: 'projectid' },
          bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
        },
      },
      security: [{ projectid: [] }],
    },
    refResolver: { buildLocalReference: (json, _base, _fragment, i) => (json.$id as string) ?? `def-${i}` },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
});
