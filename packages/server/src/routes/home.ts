import type { FastifyPluginAsync } from 'fastify';
import type { AppContext } from '../context.js';
import { isWidgetBuilt } from './widget.js';

/** The thread the demo page shows; its comments are kept like any other page's. */
const DEMO_PAGE_KEY = 'demo-article';

const STYLE = `
  :root { color-scheme: light dark; --bg: #fbfaf7; --fg: #1f2328; --muted: #5b616b; --rule: #e3e0d8; --link: #0b57d0; --code: #efece4; }
  @media (prefers-color-scheme: dark) {
    :root { --bg: #16181c; --fg: #e6e6e3; --muted: #a0a4ab; --rule: #2e3138; --link: #8ab4f8; --code: #24272d; }
  }
  body { margin: 0; background: var(--bg); color: var(--fg); font: 17px/1.65 Georgia, 'Iowan Old Style', serif; }
  main, footer { max-width: 40rem; margin: 0 auto; padding: 0 1.25rem; }
  main { padding-top: 3rem; }
  h1 { font-size: 2.1rem; line-height: 1.2; margin: 0 0 .5rem; }
  h2 { font: 600 1.1rem/1.4 system-ui, sans-serif; margin: 3rem 0 1rem; }
  .byline { color: var(--muted); font: .9rem/1.4 system-ui, sans-serif; margin: 0 0 2rem; }
  a { color: var(--link); }
  code { background: var(--code); padding: .1rem .3rem; border-radius: 4px; font-size: .9em; }
  /* Room for the thread before the widget arrives, so the page does not jump. */
  #threadkit { min-height: 24rem; }
  .note { font: .95rem/1.5 system-ui, sans-serif; color: var(--muted); border: 1px dashed var(--rule); border-radius: 6px; padding: 1rem; }
  footer { margin-top: 4rem; padding-top: 1rem; padding-bottom: 2rem; border-top: 1px solid var(--rule); color: var(--muted); font: .85rem/1.5 system-ui, sans-serif; }
`;

const FOOTER = `<footer>
<p>Served by ThreadKit. API reference: <a href="/docs">/docs</a> · OpenAPI: <a href="/openapi.json">/openapi.json</a>
· Health: <a href="/health">/health</a> · Metrics: <a href="/metrics">/metrics</a></p>
</footer>`;

/** Shown before a site exists (or when there is no standalone site to embed). */
const LANDING = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>ThreadKit</title>
<style>${STYLE}</style>
</head>
<body>
<main>
<h1>ThreadKit is running</h1>
<p>The comment API is served under <code>/v1</code>. Read the interactive reference at <a href="/docs">/docs</a>
or fetch the OpenAPI document at <a href="/openapi.json">/openapi.json</a>.</p>
<p>Your site's keys were printed when the server started; <code>npx threadkit site show</code> shows them again.</p>
</main>
${FOOTER}
</body>
</html>`;

const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => HTML_ESCAPES[char]!);
}

function demoPage(publicKey: string, widgetBuilt: boolean): string {
  const comments = widgetBuilt
    ? `<div id="threadkit"></div>
<script src="/embed.js" data-project-id="${escapeHtml(publicKey)}" data-page-key="${DEMO_PAGE_KEY}" async></script>`
    : `<div id="threadkit"><p class="note">The comment widget is not built yet: run <code>npm run build</code>, then reload this page.</p></div>`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>Four things that change a cup of tea · ThreadKit demo</title>
<style>${STYLE}</style>
</head>
<body>
<main>
<article>
<h1>Four things that change a cup of tea</h1>
<p class="byline">A demo article · comments below are live</p>
<p>Most of what makes a cup of tea good or dull happens in the few minutes between the kettle
and the mug. The leaves matter, of course, but the same leaves can taste sweet and round one
morning and harsh the next, and the difference is usually something small we did without thinking.</p>
<p><strong>Water temperature.</strong> Boiling water suits black teas and most herbal blends, but
it scalds green and white teas, pulling out bitterness before the softer flavours have a chance.
Letting the kettle rest for two or three minutes brings it down to around 80&nbsp;°C, which is
about right for most greens.</p>
<p><strong>Time.</strong> Steeping is where strength and bitterness part ways. Three to four minutes
gives a full black tea; past five, tannins take over. Greens want less, often two minutes or
under. A timer helps more than any expensive pot.</p>
<p><strong>Amount.</strong> A level teaspoon of loose leaf per cup is a fine starting point, more
for large, open leaves that take up space without adding much weight. Weak tea is better fixed
with more leaves than with a longer steep.</p>
<p><strong>Room to move.</strong> Leaves open up as they steep. A roomy infuser or leaves loose in
the pot, strained on the way out, give them space to do that; a tightly packed ball gives a flatter cup.</p>
<p>None of this needs special equipment. Try changing one thing at a time for a week and see
which one your favourite tea cares about most, then tell us below.</p>
</article>
<h2>Comments</h2>
${comments}
</main>
${FOOTER}
</body>
</html>`;
}

/**
 * The page's own policy: the helmet default allows connections to this origin only, and the
 * widget also talks to the WebSocket gateway (another port, or another host).
 */
function demoPolicy(publicWsUrl: string): string {
  return [
    "default-src 'self'",
    "base-uri 'self'",
    `connect-src 'self' ${publicWsUrl}`,
    // Commenters' avatars can come from their sign-in provider.
    "img-src 'self' data: https:",
    "style-src 'self' 'unsafe-inline'",
    "script-src 'self'",
    "script-src-attr 'none'",
    "object-src 'none'",
    "form-action 'self'",
    "frame-ancestors 'self'",
  ].join('; ');
}

/**
 * `/`: a demo article with the standalone site's widget embedded, so `npm start` shows
 * comments working at once; without a standalone site, a plain landing page.
 */
export const homeRoutes: FastifyPluginAsync<{ context: AppContext; widgetDir: string }> = async (
  app,
  { context, widgetDir },
) => {
  app.get('/', { schema: { hide: true } }, async (_request, reply) => {
    reply.type('text/html; charset=utf-8').header('cache-control', 'no-store');
    const siteId = await context.sites.standaloneSiteId();
    if (!siteId) return reply.send(LANDING);
    const site = await context.sites.get(siteId);
    return (
      reply
        .header('content-security-policy', demoPolicy(context.config.publicWsUrl))
        // The sign-in popup hands its tokens to window.opener, which same-origin COOP would cut off.
        .header('cross-origin-opener-policy', 'same-origin-allow-popups')
        // Browsers send no Origin on a same-origin GET; the public key is then checked against the
        // Referer, which helmet's `no-referrer` would withhold from the widget's thread reads.
        .header('referrer-policy', 'same-origin')
        .send(demoPage(site.publicKey, await isWidgetBuilt(widgetDir)))
    );
  });
};
