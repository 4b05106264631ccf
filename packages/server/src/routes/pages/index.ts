import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { resolvePage } from '@threadkit/core';
import { LRUCache } from 'lru-cache';
import type { AppContext } from '../../context.js';
import { contentEtag, matchesEtag } from '../../etags.js';
import { readPublicThread } from '../../public-thread.js';
import { errorResponses } from '../../schemas.js';
import { threadHtml } from '../../thread-html.js';
import { ListQuery } from '../comments/schemas.js';

const tags = ['pages'];
const HTML_TYPE = 'text/html; charset=utf-8';
/** A page's server-rendered thread may be a minute old: the widget shows the live one when it loads. */
const HTML_CACHE_CONTROL = 'public, max-age=60';

const HtmlQuery = Type.Object({
  project_id: Type.String({ maxLength: 200, description: "The site's public key." }),
  page_url: ListQuery.properties.page_url,
  page_key: ListQuery.properties.page_key,
  sort: ListQuery.properties.sort,
  limit: ListQuery.properties.limit,
  replies: ListQuery.properties.replies,
});

/** The server-rendered thread of a page (`api.md`, Server-rendered thread). */
export const pageRoutes: FastifyPluginAsyncTypebox<{ context: AppContext }> = async (app, { context }) => {
  // Rendered once per page version and shape, whoever asks.
  const rendered = new LRUCache<string, string>({
    max: 2000,
    maxSize: 64 * 1024 * 1024,
    sizeCalculation: (html) => html.length || 1,
  });

  app.get(
    '/pages/html',
    {
      config: { credentials: 'query' },
      schema: {
        tags,
        summary: 'The first page of a thread as an HTML fragment',
        description:
          'What an anonymous reader sees, as semantic HTML with schema.org Comment microdata and no script, for a site to include in its page (crawlers, readers without JavaScript); the widget replaces it when it loads. The key in `project_id`. Cached for a minute; supports If-None-Match.',
        security: [],
        querystring: HtmlQuery,
        response: {
          200: Type.String({ description: 'The HTML fragment.' }),
          304: { type: 'null', description: 'Not modified.' },
          ...errorResponses(400, 503),
        },
      },
    },
    async (request, reply) => {
      const { page_url, page_key, sort = 'new', limit = 50, replies = 5 } = request.query;
      const page = resolvePage(request.site.id, { page_url, page_key });
      const read = await readPublicThread(context, request.site, page, { sort, limit, replies });
      const etag = contentEtag(`${read.etag}|${read.pageUrl}`);
      reply.header('cache-control', HTML_CACHE_CONTROL).header('etag', etag);
      if (matchesEtag(request.headers['if-none-match'], etag)) return reply.status(304).send();
      let html = rendered.get(etag);
      if (html === undefined) {
        html = threadHtml(read);
        rendered.set(etag, html);
      }
      return reply.type(HTML_TYPE).send(html);
    },
  );
};
