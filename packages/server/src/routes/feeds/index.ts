import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { type CommentView, resolvePage, type SiteRecord } from '@threadkit/core';
import { Feed } from 'feed';
import { LRUCache } from 'lru-cache';
import type { AppContext } from '../../context.js';
import { contentEtag, matchesEtag } from '../../etags.js';
import { flatten, type PublicRead, readPublicThread } from '../../public-thread.js';
import { errorResponses } from '../../schemas.js';
import { FeedQuery, FeedResponse } from './schemas.js';

const tags = ['feeds'];
/** Feed readers poll: a copy five minutes old is fine, and a changed page shows at the next poll after that. */
const FEED_CACHE_CONTROL = 'public, max-age=300';
/** The newest roots a feed is drawn from, and the replies read under each. */
const ROOTS_READ = 50;
const REPLIES_READ = 5;
const DEFAULT_ITEMS = 20;
const EXCERPT_CHARACTERS = 80;

const FORMATS = {
  rss: { type: 'application/rss+xml; charset=utf-8', render: (feed: Feed) => feed.rss2() },
  atom: { type: 'application/atom+xml; charset=utf-8', render: (feed: Feed) => feed.atom1() },
} as const;
type Format = keyof typeof FORMATS;

/**
 * RSS 2.0 and Atom feeds of a page's newest comments (`api.md`, Feeds). A feed
 * reader sends no headers: the public key comes in the URL, and what it shows is
 * what an anonymous reader sees, never more.
 */
export const feedRoutes: FastifyPluginAsyncTypebox<{ context: AppContext }> = async (app, { context }) => {
  // A feed is made once per page version and format, whoever polls it.
  const made = new LRUCache<string, string>({
    max: 1000,
    maxSize: 32 * 1024 * 1024,
    sizeCalculation: (s) => s.length || 1,
  });

  for (const format of Object.keys(FORMATS) as Format[]) {
    app.get(
      `/feeds/page.${format}`,
      {
        config: { credentials: 'query' },
        schema: {
          tags,
          summary: `The newest comments of a page, as ${format === 'rss' ? 'RSS 2.0' : 'Atom'}`,
          description:
            'Public: the key in `project_id`, and only what an anonymous reader sees. Cached for 5 minutes; supports If-None-Match.',
          security: [],
          querystring: FeedQuery,
          response: {
            200: FeedResponse,
            304: { type: 'null', description: 'Not modified.' },
            ...errorResponses(400, 503),
          },
        },
      },
      async (request, reply) => {
        const { page_url, page_key, limit = DEFAULT_ITEMS } = request.query;
        const page = resolvePage(request.site.id, { page_url, page_key });
        const read = await readPublicThread(context, request.site, page, {
          sort: 'new',
          limit: ROOTS_READ,
          replies: REPLIES_READ,
        });
        const self = `${context.config.publicUrl}${request.url}`;
        const etag = contentEtag(`${read.etag}|${format}|${limit}|${read.pageUrl}|${self}`);
        reply.header('cache-control', FEED_CACHE_CONTROL).header('etag', etag);
        if (matchesEtag(request.headers['if-none-match'], etag)) return reply.status(304).send();
        let body = made.get(etag);
        if (body === undefined) {
          body = FORMATS[format].render(pageFeed(request.site, read, page_key ?? null, limit, self));
          made.set(etag, body);
        }
        return reply.type(FORMATS[format].type).send(body);
      },
    );
  }
};

/** The feed of a page: its newest comments among those a reader sees first, newest first. */
function pageFeed(site: SiteRecord, read: PublicRead, key: string | null, limit: number, self: string): Feed {
  const { thread, pageUrl } = read;
  const newest = flatten(thread.tree.comments)
    // A deleted comment's placeholder holds its replies' place; it has nothing to say.
    .filter((comment) => comment.s !== 'deleted')
    .sort((a, b) => b.c - a.c || (a.i < b.i ? 1 : -1))
    .slice(0, limit);
  const where = pageUrl ?? key ?? site.name;
  const feed = new Feed({
    id: self,
    title: `Comments on ${where}`,
    description: `The newest comments on ${where}, on ${site.name}.`,
    ...(pageUrl ? { link: pageUrl } : {}),
    updated: new Date((newest[0]?.c ?? thread.tree.updated_at) * 1000),
    generator: 'ThreadKit',
    feedLinks: { [self.includes('/page.atom') ? 'atom' : 'rss']: self },
  });
  for (const comment of newest) feed.addItem(item(comment, pageUrl));
  return feed;
}

function item(comment: CommentView, pageUrl: string | null) {
  // The widget brings `#comment-<id>` into view on the page (its permalinks).
  const link = pageUrl ? `${pageUrl}#comment-${comment.i}` : `urn:threadkit:comment:${comment.i}`;
  return {
    title: `${comment.n}: ${excerpt(comment.t)}`,
    id: link,
    link,
    date: new Date((comment.m ?? comment.c) * 1000),
    published: new Date(comment.c * 1000),
    author: [{ name: comment.n }],
    description: excerpt(comment.t),
    // Sanitised when it was written (`h`): the same HTML the widget shows.
    content: comment.h,
  };
}

/** The start of a comment's text, on one line, for a feed item's title. */
function excerpt(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length <= EXCERPT_CHARACTERS ? line : `${line.slice(0, EXCERPT_CHARACTERS - 1).trimEnd()}…`;
}
