import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { type CommentView, resolvePage, type SiteRecord } from '@threadkit/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Feed } from 'feed';
import { LRUCache } from 'lru-cache';
import type { AppContext } from '../../context.js';
import { contentEtag, matchesEtag } from '../../etags.js';
import { flatten, type PublicRead, readPublicThread } from '../../public-thread.js';
import { errorResponses } from '../../schemas.js';
import { PageFeedQuery, SiteFeedQuery } from './schemas.js';

const tags = ['feeds'];
/** Feed readers poll: a copy five minutes old is fine, and a changed page shows at the next poll after that. */
const FEED_CACHE_CONTROL = 'public, max-age=300';
/** The newest roots a feed is drawn from on each page, and the replies read under each. */
const THREAD_SHAPE = { sort: 'new', limit: 50, replies: 5 } as const;
const DEFAULT_ITEMS = 20;
/** The pages changed last that a site feed draws from. */
const SITE_FEED_PAGES = 10;
/** How long a site's pages changed last are reused before they are looked up again. */
const RECENT_PAGES_TTL_MS = 30_000;
const EXCERPT_CHARACTERS = 80;

const FORMATS = {
  rss: { name: 'RSS 2.0', type: 'application/rss+xml; charset=utf-8', render: (feed: Feed) => feed.rss2() },
  atom: { name: 'Atom', type: 'application/atom+xml; charset=utf-8', render: (feed: Feed) => feed.atom1() },
} as const;
type Format = keyof typeof FORMATS;

/** A comment in a feed, with the page it is on. */
interface Entry {
  comment: CommentView;
  pageUrl: string | null;
}

interface FeedText {
  title: string;
  description: string;
  link: string | null;
}

/**
 * RSS 2.0 and Atom feeds of the newest comments of a page or of a site
 * (`api.md`, Feeds). A feed reader sends no headers: the public key comes in
 * the URL, and what a feed shows is what an anonymous reader of each thread
 * sees, never more.
 */
export const feedRoutes: FastifyPluginAsyncTypebox<{ context: AppContext }> = async (app, { context }) => {
  // A feed is made once per version of what it shows, whoever polls it.
  const made = new LRUCache<string, string>({
    max: 1000,
    maxSize: 32 * 1024 * 1024,
    sizeCalculation: (text) => text.length || 1,
  });
  const recentPages = new LRUCache<string, string[]>({ max: 10_000, ttl: RECENT_PAGES_TTL_MS });

  /** Answers a feed made of `reads`, or 304 when the caller has this version. */
  const answer = (
    request: FastifyRequest,
    reply: FastifyReply,
    format: Format,
    limit: number,
    reads: PublicRead[],
    text: (entries: Entry[]) => FeedText,
  ) => {
    const self = `${context.config.publicUrl}${request.url}`;
    const version = reads.map((read) => `${read.etag}|${read.pageUrl}`).join(',');
    const etag = contentEtag(`${version}|${format}|${limit}|${self}`);
    reply.header('cache-control', FEED_CACHE_CONTROL).header('etag', etag);
    if (matchesEtag(request.headers['if-none-match'], etag)) return reply.status(304).send();
    let body = made.get(etag);
    if (body === undefined) {
      const entries = newest(reads, limit);
      body = FORMATS[format].render(commentFeed(text(entries), entries, self, format));
      made.set(etag, body);
    }
    return reply.type(FORMATS[format].type).send(body);
  };

  /** What every feed route declares: public with the key in the query, XML or a 304. */
  const feedRoute = <Query extends typeof PageFeedQuery | typeof SiteFeedQuery>(
    querystring: Query,
    summary: string,
    scope: string,
  ) => ({
    config: { credentials: 'query' as const },
    schema: {
      tags,
      summary,
      description: `Public: the key in \`project_id\`, and only what an anonymous reader sees.${scope} Cached for 5 minutes; supports If-None-Match.`,
      security: [],
      querystring,
      response: {
        200: { type: 'string', description: 'The feed (XML).' },
        304: { type: 'null', description: 'Not modified.' },
        ...errorResponses(400, 503),
      },
    },
  });

  for (const format of Object.keys(FORMATS) as Format[]) {
    app.get(
      `/feeds/page.${format}`,
      feedRoute(PageFeedQuery, `The newest comments of a page, as ${FORMATS[format].name}`, ''),
      async (request, reply) => {
        const { page_url, page_key, limit = DEFAULT_ITEMS } = request.query;
        const site = request.site;
        const read = await readPublicThread(
          context,
          site,
          resolvePage(site.id, { page_url, page_key }),
          THREAD_SHAPE,
        );
        return answer(request, reply, format, limit, [read], () => {
          const where = read.pageUrl ?? page_key ?? site.name;
          return {
            title: `Comments on ${where}`,
            description: `The newest comments on ${where}, on ${site.name}.`,
            link: read.pageUrl,
          };
        });
      },
    );

    app.get(
      `/feeds/site.${format}`,
      feedRoute(
        SiteFeedQuery,
        `The newest comments of the site, as ${FORMATS[format].name}`,
        ' Drawn from the pages changed last among those commented this month or the month before.',
      ),
      async (request, reply) => {
        const { limit = DEFAULT_ITEMS } = request.query;
        const site = request.site;
        let pageIds = recentPages.get(site.id);
        if (!pageIds) {
          pageIds = await context.comments.recentlyChangedPages(site, SITE_FEED_PAGES);
          recentPages.set(site.id, pageIds);
        }
        const reads = await Promise.all(
          pageIds.map((id) => readPublicThread(context, site, { id, url: null, key: null }, THREAD_SHAPE)),
        );
        return answer(request, reply, format, limit, reads, () => ({
          title: `Comments on ${site.name}`,
          description: `The newest comments on ${site.name}.`,
          link: siteLink(site),
        }));
      },
    );
  }
};

/** The newest `limit` comments of the threads read, among those a reader sees first, newest first. */
function newest(reads: PublicRead[], limit: number): Entry[] {
  return (
    reads
      .flatMap((read) =>
        flatten(read.thread.tree.comments).map((comment) => ({ comment, pageUrl: read.pageUrl })),
      )
      // A deleted comment's placeholder holds its replies' place; it has nothing to say.
      .filter(({ comment }) => comment.s !== 'deleted')
      .sort((a, b) => b.comment.c - a.comment.c || (a.comment.i < b.comment.i ? 1 : -1))
      .slice(0, limit)
  );
}

function commentFeed(text: FeedText, entries: Entry[], self: string, format: Format): Feed {
  const feed = new Feed({
    id: self,
    title: text.title,
    description: text.description,
    ...(text.link ? { link: text.link } : {}),
    updated: new Date((entries[0]?.comment.c ?? 0) * 1000),
    generator: 'ThreadKit',
    feedLinks: { [format]: self },
  });
  for (const entry of entries) feed.addItem(item(entry));
  return feed;
}

function item({ comment, pageUrl }: Entry) {
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

/** The site's home for a feed's link: its domain, or its first allowed origin. */
function siteLink(site: SiteRecord): string | null {
  if (site.domain) return `https://${site.domain}`;
  return site.settings.allowed_origins[0] ?? null;
}

/** The start of a comment's text, on one line, for a feed item's title. */
function excerpt(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length <= EXCERPT_CHARACTERS ? line : `${line.slice(0, EXCERPT_CHARACTERS - 1).trimEnd()}…`;
}
