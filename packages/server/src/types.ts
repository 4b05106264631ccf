import type { AuthenticatedViewer, SiteRecord } from '@threadkit/core';

declare module 'fastify' {
  interface FastifyRequest {
    /** The site the `projectid` key belongs to (set for every /v1 route). */
    site: SiteRecord;
    /** Who is asking: anonymous, a commenter with a token, or the owner's secret key. */
    viewer: AuthenticatedViewer;
  }
}
