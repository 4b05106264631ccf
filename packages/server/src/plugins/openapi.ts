import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

const API_TITLE = 'ThreadKit API';

const API_DESCRIPTION = `Threaded comments, votes, reports and moderation for your pages, with live updates.

Every \`/v1\` request names the site with one of its keys in the \`projectid\` header:

- the **public key** (\`tk_pub_…\`) from web pages on the site's allowed origins;
- the **secret key** (\`tk_sec_…\`) from your own servers only, never from a browser.

Commenters add \`Authorization: Bearer <access token>\`; \`POST /v1/auth/guest\` and the other sign-in routes return one.

**Trying requests on this page.** Choose *Authorize*, enter the public key under \`projectid\` (and an access token under \`bearer\` for what a commenter does), then *Try it out* on any request. Requests from this page come from the API's own address, so the public key works here whatever the site's allowed origins; anywhere else it works only from those origins.

Credentials, errors, rate limits, caching and the live-updates protocol (WebSocket) are explained in the ThreadKit documentation (\`docs/api.md\`).`;

/** A speech bubble, so the page's tab shows the API's own icon. */
const FAVICON = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><path fill="#0a58ca" d="M6 3h20a4 4 0 0 1 4 4v12a4 4 0 0 1-4 4H15l-8 6v-6H6a4 4 0 0 1-4-4V7a4 4 0 0 1 4-4z"/><path fill="#fff" d="M9 10h14v2.5H9zm0 5h9v2.5H9z"/></svg>`;

/** The OpenAPI document is generated from the route schemas, so it cannot drift from the code. */
export const openapiPlugin = fp(async (app: FastifyInstance) => {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: API_TITLE, version: '1', description: API_DESCRIPTION },
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
  await app.register(swaggerUi, {
    routePrefix: '/docs',
    // The base layout has no top bar: no viewer's logo, no box to load another document.
    uiConfig: { layout: 'BaseLayout', persistAuthorization: true, tryItOutEnabled: true },
    theme: {
      title: `${API_TITLE} reference`,
      favicon: [
        { filename: 'favicon.svg', rel: 'icon', type: 'image/svg+xml', sizes: 'any', content: FAVICON },
      ],
    },
  });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
});
