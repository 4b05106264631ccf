import { isId, MAX_WEBHOOK_URL_LENGTH, safeEqual } from '@threadkit/core';
import type { SiteInfo, Sites } from '../sites/sites';
import type { DisabledWebhook, WebhookNotices } from '../sites/webhook-notices';

/** Where the internal API answers, under the dashboard's origin. */
export const INTERNAL_PREFIX = '/api/internal';

/** The shortest shared secret the dashboard accepts: it guards every site's settings and keys. */
export const MIN_INTERNAL_SECRET_LENGTH = 32;

/**
 * The internal API the comment servers call in SaaS mode (`INTERNAL_API_URL`),
 * as a Fetch handler: the dashboard's route hands it the request. Every call
 * carries `Authorization: Bearer <INTERNAL_API_SECRET>`, compared in constant
 * time; anything else is a 401 that says nothing more.
 *
 * - `GET  /api/internal/keys/<key>`: what the key is (site, kind, name, domain,
 *   origins, settings, plan), or 404 when it is no site's current key. A plan
 *   that shows the "Powered by ThreadKit" link names where it goes: the dashboard.
 * - `GET  /api/internal/sites/<id>`: the site (name, domain, origins,
 *   settings), or 404 when it is gone.
 * - `POST /api/internal/sites/<id>/seen`: a comment server saw the site's
 *   widget (the installation check).
 * - `POST /api/internal/sites/<id>/webhook-disabled` with `{endpoint_id, url,
 *   reason}`: repeated failures disabled one of the site's webhook endpoints;
 *   the site's owners are e-mailed (202), or 404 when the site is gone.
 */
export function internalApi(deps: {
  secret: string;
  sites: Sites;
  now?: () => number;
  /** The dashboard's public address: where a Free site's "Powered by ThreadKit" link goes. */
  publicUrl?: string;
  /** Who tells owners of their disabled webhooks; without it such reports are refused (503). */
  notices?: WebhookNotices;
}) {
  if (deps.secret.length < MIN_INTERNAL_SECRET_LENGTH)
    throw new Error(`INTERNAL_API_SECRET must be at least ${MIN_INTERNAL_SECRET_LENGTH} characters`);
  const now = deps.now ?? Date.now;
  const linked = <T extends SiteInfo>(info: T): T =>
    info.plan.poweredBy && deps.publicUrl ? { ...info, plan: { ...info.plan, link: deps.publicUrl } } : info;
  return async (request: Request): Promise<Response> => {
    const given = /^Bearer (.+)$/.exec(request.headers.get('authorization') ?? '')?.[1] ?? '';
    if (!safeEqual(given, deps.secret))
      return problem(401, 'unauthorized', 'The internal API needs its secret.');
    const path = new URL(request.url).pathname;
    if (!path.startsWith(`${INTERNAL_PREFIX}/`)) return problem(404, 'not_found', 'Not found.');
    const [resource, id, action, ...rest] = path.slice(INTERNAL_PREFIX.length + 1).split('/');
    if (resource === 'keys' && id && action === undefined) {
      if (request.method !== 'GET') return problem(405, 'invalid_request', 'Use GET.');
      const verdict = await deps.sites.verifyKey(decodeURIComponent(id));
      if (!verdict) return problem(404, 'not_found', 'No site has this key.');
      return Response.json(linked(verdict), { headers: { 'cache-control': 'no-store' } });
    }
    if (resource === 'sites' && id && isId(id) && action === undefined) {
      if (request.method !== 'GET') return problem(405, 'invalid_request', 'Use GET.');
      const site = await deps.sites.info(id);
      if (!site) return problem(404, 'not_found', 'No such site.');
      return Response.json(linked(site), { headers: { 'cache-control': 'no-store' } });
    }
    if (resource === 'sites' && id && isId(id) && action === 'seen' && rest.length === 0) {
      if (request.method !== 'POST') return problem(405, 'invalid_request', 'Use POST.');
      await deps.sites.seen(id, new Date(now()));
      return new Response(null, { status: 204 });
    }
    if (resource === 'sites' && id && isId(id) && action === 'webhook-disabled' && rest.length === 0) {
      if (request.method !== 'POST') return problem(405, 'invalid_request', 'Use POST.');
      if (!deps.notices) return problem(503, 'unavailable', 'Owners cannot be told here.');
      const report = disabledWebhook(await request.json().catch(() => null));
      if (!report) return problem(400, 'invalid_request', 'Give endpoint_id, url and reason.');
      if (!(await deps.notices.disabled(id, report))) return problem(404, 'not_found', 'No such site.');
      return new Response(null, { status: 202 });
    }
    return problem(404, 'not_found', 'Not found.');
  };
}

const problem = (status: number, code: string, error: string) =>
  Response.json({ error, code }, { status, headers: { 'cache-control': 'no-store' } });

/** The longest reason kept in the e-mail: the comment server's includes the receiver's last error. */
const MAX_REASON_LENGTH = 2000;

/** A disabled-endpoint report as the comment servers send it, or null when it is not one. */
function disabledWebhook(body: unknown): DisabledWebhook | null {
  const { endpoint_id, url, reason } = (body ?? {}) as Record<string, unknown>;
  if (typeof endpoint_id !== 'string' || !isId(endpoint_id)) return null;
  if (typeof url !== 'string' || url.length === 0 || url.length > MAX_WEBHOOK_URL_LENGTH) return null;
  if (typeof reason !== 'string') return null;
  return { endpointId: endpoint_id, url, reason: reason.slice(0, MAX_REASON_LENGTH) };
}
