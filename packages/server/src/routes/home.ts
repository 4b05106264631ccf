import type { FastifyPluginAsync } from 'fastify';

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>ThreadKit</title>
<style>
  body { font: 16px/1.5 system-ui, sans-serif; max-width: 42rem; margin: 3rem auto; padding: 0 1rem; color: #1f2328; }
  code { background: #f3f4f6; padding: .1rem .3rem; border-radius: 4px; }
  a { color: #0b57d0; }
</style>
</head>
<body>
<h1>ThreadKit is running</h1>
<p>The comment API is served under <code>/v1</code>. Read the interactive reference at <a href="/docs">/docs</a>
or fetch the OpenAPI document at <a href="/openapi.json">/openapi.json</a>.</p>
<p>Health: <a href="/health">/health</a> · Metrics: <a href="/metrics">/metrics</a></p>
<p>Your site's keys were printed when the server started; <code>npx threadkit site show</code> shows them again.</p>
</body>
</html>`;

/** A landing page, so a fresh install shows where to go next. */
export const homeRoutes: FastifyPluginAsync = async (app) => {
  app.get('/', { schema: { hide: true } }, async (_request, reply) =>
    reply.type('text/html; charset=utf-8').send(PAGE),
  );
};
