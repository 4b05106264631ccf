import type { IncomingHttpHeaders } from 'node:http';
import {
  type AuthenticatedViewer,
  OwnerTokens,
  parseOrigin,
  type ResolvedKey,
  requireAllowedOrigin,
  secretKeyInBrowser,
  ThreadKitError,
  unauthorized,
} from '@threadkit/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { AppContext } from '../context.js';
import { documentErrors } from '../schemas.js';
import { KeyRefusals } from './key-refusals.js';

const ALLOWED_HEADERS = 'projectid, authorization, content-type, if-none-match, idempotency-key';
/** The Authorization header's one form (the early thread reads use it too). */
export const BEARER = /^Bearer\s+(\S+)$/i;
/** What a page's script may read of an answer to its public key. */
export const EXPOSED_HEADERS = 'etag, retry-after, idempotent-replayed';

/**
 * Credentials of every /v1 request (`api.md`): the `projectid` key picks the
 * site; a public key works only from the site's allowed origins, which are then
 * the only origins CORS reflects; a secret key acts as the owner and is refused
 * from browsers; a Bearer token must belong to a live session of this site, or
 * be an owner token (SaaS mode: the dashboard acting for the site's owner),
 * which is refused from browsers too and takes no origin check. A refusal of
 * the key itself or of the page's origin is one the site's owner must fix: the
 * page may read why, and the log says it too (`KeyRefusals`).
 */
export const credentialsPlugin = fp(async (app: FastifyInstance, { context }: { context: AppContext }) => {
  app.decorateRequest('site', null as never);
  app.decorateRequest('viewer', null as never);
  const refusals = new KeyRefusals();

  // A preflight carries no key, so it cannot be tied to a site: it is answered for
  // any origin, and the real request is then refused unless allowed (readable only as that refusal).
  app.options('/*', { schema: { hide: true } }, async (request, reply) => {
    const origin = request.headers.origin;
    if (origin) {
      reply
        .header('access-control-allow-origin', origin)
        .header('access-control-allow-methods', 'GET, POST, PUT, DELETE')
        .header('access-control-allow-headers', ALLOWED_HEADERS)
        .header('access-control-max-age', '600')
        .header('vary', 'Origin');
    }
    return reply.status(204).send();
  });

  // Every route behind a key can refuse it (401) or the page it came from (403).
  app.addHook('onRoute', (route) => {
    if (route.config?.credentials !== 'none') documentErrors(route, 401, 403);
  });

  app.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    if (request.method === 'OPTIONS') return;
    const from = request.routeOptions.config?.credentials;
    if (from === 'none') return;
    if (from === 'query') return popupCredentials(request, context);
    const key = request.headers.projectid;
    if (typeof key !== 'string' || key.length === 0) {
      throw unauthorized('Send the site key in the projectid header.');
    }
    const origin = requestOrigin(request.headers);
    let resolved: ResolvedKey;
    try {
      resolved = await context.directory.resolveApiKey(key);
    } catch (error) {
      throw refusals.refuse(request, reply, error, key, origin, null);
    }
    const { site, kind } = resolved;
    const authorization = request.headers.authorization;
    const token = authorization ? (BEARER.exec(authorization)?.[1] ?? null) : null;

    if (token !== null && OwnerTokens.isOwnerToken(token)) {
      // Server to server, whichever key names the site: no origin to check, no CORS to answer.
      if (request.headers.origin) {
        throw new ThreadKitError('forbidden', 'Owner tokens must never be used from a browser.');
      }
      request.site = site;
      request.viewer = await ownerViewer(context, site.id, token);
      return;
    }

    if (kind === 'public') {
      // A page of this server itself (the /docs page) is no other site using the key;
      // being same-origin, its requests need no CORS headers either.
      if (!fromOwnPage(request.headers)) {
        try {
          requireAllowedOrigin(origin, site.settings, key, context.directory.mode);
        } catch (error) {
          throw refusals.refuse(request, reply, error, key, origin, site);
        }
        reply
          .header('access-control-allow-origin', origin)
          .header('access-control-expose-headers', EXPOSED_HEADERS);
      }
      reply.header('vary', 'Origin');
    } else if (request.headers.origin) {
      throw refusals.refuse(request, reply, secretKeyInBrowser(context.directory.mode), key, origin, site);
    }

    request.site = site;
    if (authorization) {
      if (token === null) throw unauthorized('The Authorization header must be "Bearer <token>".');
      const viewer = await context.auth.authenticate(site.id, token);
      request.viewer = kind === 'secret' ? { ...viewer, role: 'owner' } : viewer;
    } else {
      request.viewer = {
        siteId: site.id,
        userId: null,
        role: kind === 'secret' ? 'owner' : 'anonymous',
        sessionId: null,
        user: null,
      };
    }
  });
});

/**
 * The owner, from an owner token for this very site. Only SaaS mode has the
 * internal secret the dashboard signs them with; standalone, none can be checked.
 */
async function ownerViewer(context: AppContext, siteId: string, token: string): Promise<AuthenticatedViewer> {
  if (!context.ownerTokens) throw unauthorized('Owner tokens are only accepted in SaaS mode.');
  const claims = await context.ownerTokens.verify(token);
  if (claims.siteId !== siteId) throw unauthorized('The owner token belongs to another site.');
  return { siteId, userId: null, role: 'owner', sessionId: null, user: null, ownerId: claims.ownerId };
}

/**
 * A page opened in a popup (the OAuth start) sends no headers of its own: the
 * public key comes in the `project_id` query parameter, and the route checks
 * the `origin` parameter against the site's origins in place of the header.
 */
async function popupCredentials(request: FastifyRequest, context: AppContext): Promise<void> {
  const key = (request.query as { project_id?: unknown } | undefined)?.project_id;
  if (typeof key !== 'string' || key.length === 0) {
    throw unauthorized('Send the public key in the project_id query parameter.');
  }
  const { site, kind } = await context.directory.resolveApiKey(key);
  if (kind !== 'public') throw new ThreadKitError('forbidden', 'Secret keys must never be put in a URL.');
  request.site = site;
  request.viewer = { siteId: site.id, userId: null, role: 'anonymous', sessionId: null, user: null };
}

/**
 * Whether the browser says the request comes from a page on this server's own
 * origin: `Sec-Fetch-Site` is set by browsers alone (scripts cannot), and no
 * other site's page can make it `same-origin`. Same-origin GETs carry no Origin.
 */
function fromOwnPage(headers: IncomingHttpHeaders): boolean {
  return headers['sec-fetch-site'] === 'same-origin';
}

/** The page's origin: the Origin header, or the Referer's origin on same-origin GETs that omit it. */
export function requestOrigin(headers: IncomingHttpHeaders): string | null {
  const origin = headers.origin;
  if (typeof origin === 'string' && origin !== 'null') return origin;
  const referer = headers.referer;
  return typeof referer === 'string' ? (parseOrigin(referer)?.origin ?? null) : null;
}
