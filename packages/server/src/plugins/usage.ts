import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { AppContext } from '../context.js';

/**
 * Usage metering (`UsageMeter`): every /v1 request made with a site key is an
 * API request of that site, and every answered thread read (`countsPageView`
 * routes) a page view of its page (`viewedPageId`) by a visitor: the user when
 * signed in, else the client's address and user agent, which the meter only
 * keeps as a keyed digest. Counting is in memory; the meter writes to Redis in batches.
 */
export const usagePlugin = fp(async (app: FastifyInstance, { context }: { context: AppContext }) => {
  const { usage } = context;
  app.decorateRequest('viewedPageId', null);
  app.addHook('onResponse', (request, reply, done) => {
    const site = request.site;
    if (site) {
      usage.recordApiRequest(site.id);
      const pageId = request.viewedPageId;
      if (pageId && request.routeOptions.config?.countsPageView && reply.statusCode < 400) {
        const userId = request.viewer?.userId;
        usage.recordPageView(
          site.id,
          pageId,
          visitorOf(userId ?? null, request.ip, request.headers['user-agent']),
        );
      }
    }
    done();
  });
});

/** Who a page view is by: the user when signed in, else the client (address and user agent). */
export const visitorOf = (userId: string | null, ip: string, userAgent: string | undefined): string =>
  userId ? `user:${userId}` : `client:${ip}\n${userAgent ?? ''}`;
