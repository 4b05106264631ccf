import { randomBytes } from 'node:crypto';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { OAuthError, type OAuthSignedIn } from '@threadkit/core';
import type { FastifyReply } from 'fastify';
import type { AppContext } from '../../context.js';
import { bearer, errorResponses } from '../../schemas.js';

const tags = ['auth'];

const ProviderParams = Type.Object({
  provider: Type.String({
    maxLength: 40,
    description: '`google`, `github`, or an OpenID Connect provider named in `OIDC_PROVIDERS`.',
  }),
});

/**
 * Sign-in with a provider, in a popup (`api.md`, Auth): the start route
 * redirects to the provider with `state` and PKCE; the callback finishes the
 * sign-in and answers a page that posts the tokens to the opener, on the exact
 * origin that started the flow, and closes.
 */
export const oauthRoutes: FastifyPluginAsyncTypebox<{ context: AppContext }> = async (app, { context }) => {
  const { oauth } = context;

  app.get(
    '/auth/:provider',
    {
      // Opened with window.open, so the key cannot travel in a header.
      config: { credentials: 'query' },
      schema: {
        tags,
        summary: 'Start signing in with a provider (open in a popup)',
        description:
          "Redirects to the provider's sign-in with `state` and PKCE (S256). `origin` must be one of the site's allowed origins: the callback hands the tokens to that origin only.",
        security: [],
        params: ProviderParams,
        querystring: Type.Object({
          project_id: Type.String({ maxLength: 200, description: "The site's public key." }),
          origin: Type.String({
            maxLength: 300,
            description: 'Origin of the page that opened the popup, like `https://blog.example.com`.',
          }),
          link: Type.Optional(
            Type.String({
              maxLength: 100,
              description:
                "A guest's link from `POST /v1/auth/{provider}/link` (used once): an identity without an account then upgrades that guest in place.",
            }),
          ),
        }),
        response: {
          302: { type: 'null', description: "Redirect to the provider's authorization endpoint." },
          400: {
            description:
              "Bad input (JSON), or a `link` that is unknown, expired or used: a page that posts `{type: 'threadkit:auth', error: 'invalid_link'}` to the origin (HTML).",
            content: {
              'application/json': { schema: { $ref: 'Error#' } },
              'text/html': { schema: { type: 'string' } },
            },
          },
          ...errorResponses(401, 403, 404, 429, 503),
        },
      },
    },
    async (request, reply) => {
      const { provider } = request.params;
      const { origin, link } = request.query;
      try {
        const url = await oauth.start(request.site, provider, origin, request.ip, link);
        return noStore(reply).redirect(url.href, 302);
      } catch (error) {
        if (!(error instanceof OAuthError) || !error.origin) throw error;
        // The origin was checked: the opener hears why, as from the callback.
        request.log.warn({ err: error, provider }, `OAuth sign-in not started: ${error.code}`);
        return sendPage(reply, 400, error.origin, { type: 'threadkit:auth', error: error.code });
      }
    },
  );

  app.post(
    '/auth/:provider/link',
    {
      schema: {
        tags,
        summary: "Hand a guest's identity to a provider sign-in",
        description:
          "For a signed-in guest: a single-use `link` (10 minutes) to pass to `GET /v1/auth/{provider}` as `link`, which cannot carry the guest's token. When the provider's identity has no account yet, the guest becomes that account, keeping their id and comments.",
        security: bearer,
        params: ProviderParams,
        response: {
          200: Type.Object({ link: Type.String() }),
          ...errorResponses(401, 403, 404, 503),
        },
      },
    },
    async (request) => ({
      link: await oauth.link(request.site, request.params.provider, request.viewer),
    }),
  );

  app.get(
    '/auth/:provider/callback',
    {
      // The provider redirects here; the state says which site, provider and origin. No site key: no budget.
      config: { credentials: 'none', rateLimit: false },
      schema: {
        tags,
        summary: "The provider's redirect back (register this URL with the provider)",
        description:
          "Answers a page whose script posts `{type: 'threadkit:auth', token, refresh_token, user}` (or `{type: 'threadkit:auth', error}`) to `window.opener` on the origin that started the sign-in, then closes. When the sign-in is unknown, expired or used, the page is plain text and posts nothing.",
        security: [],
        params: ProviderParams,
        querystring: Type.Object({
          code: Type.Optional(Type.String({ maxLength: 2000 })),
          state: Type.Optional(Type.String({ maxLength: 200 })),
          error: Type.Optional(Type.String({ maxLength: 200 })),
        }),
        response: {
          200: {
            description: 'Signed in: the page posts the tokens to the opener.',
            content: { 'text/html': { schema: { type: 'string' } } },
          },
          400: {
            description: 'The sign-in failed: the page posts the error code (HTML), or says so (plain text).',
            content: {
              'text/html': { schema: { type: 'string' } },
              'text/plain': { schema: { type: 'string' } },
            },
          },
          ...errorResponses(404),
        },
      },
    },
    async (request, reply) => {
      const { provider } = request.params;
      // Every parameter the provider sent, as sent (the exchange checks `iss` and `state` among them).
      const at = request.url.indexOf('?');
      const query = new URLSearchParams(at >= 0 ? request.url.slice(at + 1) : '');
      try {
        // An unknown provider is a plain 404 (not an OAuthError): no flow could have started.
        const signedIn = await oauth.finish(provider, query);
        return sendPage(reply, 200, signedIn.origin, success(signedIn));
      } catch (error) {
        if (!(error instanceof OAuthError)) throw error;
        request.log.warn({ err: error, provider }, `OAuth sign-in failed: ${error.code}`);
        if (!error.origin) {
          return noStore(reply)
            .status(400)
            .type('text/plain; charset=utf-8')
            .send(
              'This sign-in link is invalid, expired or already used. Close this window and sign in again.\n',
            );
        }
        return sendPage(reply, 400, error.origin, { type: 'threadkit:auth', error: error.code });
      }
    },
  );
};

function success(signedIn: OAuthSignedIn) {
  return {
    type: 'threadkit:auth',
    token: signedIn.token,
    refresh_token: signedIn.refresh_token,
    user: signedIn.user,
  };
}

function noStore(reply: FastifyReply): FastifyReply {
  // Tokens and codes never go to a cache, and the popup keeps its opener (no COOP isolation).
  return reply.header('cache-control', 'no-store').header('cross-origin-opener-policy', 'unsafe-none');
}

/**
 * The page that hands the result to the opener window: one inline script,
 * allowed by its nonce and nothing else, posting to the exact origin that
 * started the flow (never `*`), then closing the popup.
 */
function sendPage(reply: FastifyReply, status: number, origin: string, message: object) {
  const nonce = randomBytes(18).toString('base64');
  const text =
    'error' in message
      ? 'Sign-in failed. You can close this window.'
      : 'Signed in. You can close this window.';
  const html = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>${escapeHtml(text)}</title></head>
<body>
<p>${escapeHtml(text)}</p>
<script nonce="${nonce}">
(function () {
  var data = ${scriptJson({ origin, message })};
  if (window.opener) window.opener.postMessage(data.message, data.origin);
  window.close();
})();
</script>
</body>
</html>
`;
  return noStore(reply)
    .status(status)
    .header(
      'content-security-policy',
      `default-src 'none'; script-src 'nonce-${nonce}'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`,
    )
    .header('x-frame-options', 'DENY')
    .type('text/html; charset=utf-8')
    .send(html);
}

/** JSON that is safe inside a `<script>` element: nothing in it can close the element or end a line. */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(
    /[<>&\u2028\u2029]/g,
    (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

export function escapeHtml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (char) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[char]!,
  );
}
