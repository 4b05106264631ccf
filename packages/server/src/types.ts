import type { AuthenticatedViewer, SiteRecord } from '@threadkit/core';

declare module 'fastify' {
  interface FastifyRequest {
    /** The site the `projectid` key belongs to (set for every /v1 route). */
    site: SiteRecord;
    /** Who is asking: anonymous, a commenter with a token, or the owner (the secret key, or an owner token). */
    viewer: AuthenticatedViewer;
    /** The page a thread read is of, set by the route once resolved: usage counts the view to it (plugins/usage.ts). */
    viewedPageId: string | null;
  }

  interface FastifyContextConfig {
    /**
     * Where the credentials plugin finds the site key: the `projectid` header
     * (unset, every route), the `project_id` query parameter (`query`: pages
     * opened in a popup, which cannot send headers), or nowhere (`none`: the
     * OAuth callback, which a provider opens and which finds its site in the state).
     */
    credentials?: 'query' | 'none';
    /**
     * `false`: the route is outside the rate limits (plugins/rate-limit.ts);
     * `reads`: a POST that writes nothing counts in the reads budget, like a GET.
     */
    rateLimit?: false | 'reads';
    /** The route is a thread read: usage metering counts a page view and its visitor (plugins/usage.ts). */
    countsPageView?: true;
  }
}
