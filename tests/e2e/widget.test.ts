import { createServer } from 'node:http';
import {
  launchChromium,
  listenLocal,
  startTestApi,
  startTestGateway,
  type TestApi,
  type TestGateway,
} from '@threadkit/testing';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * The embed in headless Chromium against the real servers and Redis: a page on
 * its own origin loads /embed.js from the API, exactly as a customer's site would.
 */

let api: TestApi;
let apiUrl: string;
let gw: TestGateway;
let site: { url: string; stop: () => Promise<void> };
let browser: Browser;
let seq = 0;

beforeAll(async () => {
  api = await startTestApi();
  // Its guests post as soon as they have typed: the bot trap's timer is off here.
  await api.context.sites.setSetting(api.site.id, 'min_submit_seconds', '0');
  apiUrl = await api.app.listen({ host: '127.0.0.1', port: 0 });
  // Presence counts refresh every 300 ms here (every 10 s by default).
  gw = await startTestGateway(api, { heartbeatMs: 300 });
  // The customer's site: one article per path, each its own page key.
  site = await listenLocal(
    createServer((request, response) => {
      const url = new URL(request.url ?? '/', 'http://x');
      const key = url.pathname.slice(1) || 'home';
      const apiOverride = url.searchParams.get('api') ?? apiUrl;
      // ?lang=… and ?strings=… become data-lang and data-strings on the script tag.
      const extra = ['lang', 'strings']
        .map((name) => [name, url.searchParams.get(name)] as const)
        .filter(([, value]) => value !== null)
        .map(
          ([name, value]) => ` data-${name}="${value!.replaceAll('&', '&amp;').replaceAll('"', '&quot;')}"`,
        )
        .join('');
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Article ${key}</title></head>
<body><h1>Article ${key}</h1><div id="threadkit"></div>
<script src="${apiUrl}/embed.js" data-project-id="${api.site.publicKey}" data-page-key="${key}"
  data-api-url="${apiOverride}" data-ws-url="${gw.url}"${extra} async></script></body></html>`);
    }),
  );
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await site?.stop();
  await gw?.close();
  await api?.app.close();
  await api?.stop();
});

const article = () => `e2e-${++seq}`;

async function seed(key: string, texts: string[]) {
  const guest = await api.guest('Seeder');
  for (const content of texts) {
    const response = await api.call({
      method: 'POST',
      url: '/v1/comments',
      token: guest.token,
      payload: { page_key: key, page_url: `${site.url}/${key}`, content },
    });
    expect(response.statusCode, response.body).toBe(201);
  }
}

async function open(
  key: string,
  query = '',
  { locale, prepare }: { locale?: string; prepare?: (context: BrowserContext) => Promise<void> } = {},
): Promise<Page> {
  const context = await browser.newContext(locale ? { locale } : {});
  await prepare?.(context);
  const page = await context.newPage();
  await page.goto(`${site.url}/${key}${query}`);
  return page;
}

describe('the embed', () => {
  it('renders the thread from one script tag, inside a shadow root', async () => {
    const key = article();
    await seed(key, ['First **bold** words', 'Second comment']);
    const page = await open(key);
    await expect.poll(() => page.locator('#threadkit .tk-count').textContent()).toBe('2 comments');
    expect(await page.locator('#threadkit .tk-body strong').textContent()).toBe('bold');
    expect(await page.evaluate(() => document.querySelector('#threadkit')?.shadowRoot !== null)).toBe(true);
    // The page's own styles cannot reach inside.
    expect(await page.evaluate(() => document.querySelectorAll('.tk-comment').length)).toBe(0);
    await page.context().close();
  });

  it('lets a guest post, and another reader sees it arrive live behind a banner', async () => {
    const key = article();
    const writer = await open(key);
    const reader = await open(key);
    await expect.poll(() => reader.locator('#threadkit .tk-count').textContent()).toBe('0 comments');
    await expect.poll(() => writer.locator('#threadkit .tk-bar').textContent()).toContain('2 people here');

    await writer.locator('#threadkit textarea').fill('Hello from the browser');
    await writer.locator('#threadkit input[aria-label="Your name"]').fill('Browser Guest');
    await writer.locator('#threadkit button[type="submit"]').click();
    await expect
      .poll(() => writer.locator('#threadkit .tk-body').first().textContent())
      .toBe('Hello from the browser');

    const banner = reader.locator('#threadkit .tk-banner');
    await expect.poll(() => banner.textContent()).toBe('Show 1 new comment');
    await banner.click();
    await expect
      .poll(() => reader.locator('#threadkit .tk-body').first().textContent())
      .toBe('Hello from the browser');
    expect(await reader.locator('#threadkit .tk-author').first().textContent()).toBe('Browser Guest');
    await writer.context().close();
    await reader.context().close();
  });

  it('stores a post once when its answer is lost and the reader sends it again', async () => {
    const key = article();
    const writer = await open(key);
    await expect.poll(() => writer.locator('#threadkit .tk-count').textContent()).toBe('0 comments');
    // The first post reaches the server, which stores it; its answer never reaches the page.
    const keys: (string | undefined)[] = [];
    await writer.context().route('**/v1/comments', async (route) => {
      if (route.request().method() !== 'POST') return route.continue();
      keys.push(route.request().headers()['idempotency-key']);
      if (keys.length > 1) return route.continue();
      await route.fetch();
      await route.abort('connectionreset');
    });
    await writer.locator('#threadkit textarea').fill('Sent twice, stored once');
    await writer.locator('#threadkit input[aria-label="Your name"]').fill('Unlucky Guest');
    const submit = writer.locator('#threadkit button[type="submit"]');
    await submit.click();
    // No answer came: the reader is told so in their language, and the text waits in the box.
    await expect
      .poll(() => writer.locator('#threadkit [role="alert"]').textContent())
      .toBe('Something went wrong; please try again.');
    expect(await writer.locator('#threadkit textarea').inputValue()).toBe('Sent twice, stored once');
    await submit.click();
    await expect
      .poll(() => writer.locator('#threadkit .tk-body').first().textContent())
      .toBe('Sent twice, stored once');

    expect(keys).toHaveLength(2);
    expect(keys[0]).toMatch(/^[0-9a-f]{32}$/);
    expect(keys[1]).toBe(keys[0]);
    const stored = await api.call({ method: 'GET', url: `/v1/comments?page_key=${key}` });
    expect(stored.json().total).toBe(1);
    expect(await writer.locator('#threadkit .tk-body').count()).toBe(1);
    await writer.context().close();
  });

  it('says plainly when the comments cannot be reached, with a retry', async () => {
    const page = await open(article(), '?api=http://127.0.0.1:9');
    await expect
      .poll(() => page.locator('#threadkit [role="alert"]').textContent())
      .toContain('Comments are unavailable right now.');
    expect(await page.locator('#threadkit [role="alert"] button').textContent()).toBe('Try again');
    await page.context().close();
  });

  it('speaks the language data-lang asks for, right to left for Arabic', async () => {
    const key = article();
    await seed(key, ['واحد', 'اثنان', 'ثلاثة']);
    // The widget's root inside the shadow root: its language and direction.
    const root = (page: Page) =>
      page.evaluate(() => {
        const element = document.querySelector('#threadkit')?.shadowRoot?.querySelector('.tk-root');
        return { lang: element?.getAttribute('lang'), dir: element?.getAttribute('dir') };
      });

    // Hold the Arabic chunk back: until it arrives the widget shows its skeleton, never English.
    let release = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const arabic = await open(key, '?lang=ar', {
      prepare: async (context) => {
        await context.route('**/widget/ar-*.js', async (route) => {
          await held;
          await route.continue();
        });
      },
    });
    await expect.poll(() => arabic.locator('#threadkit .tk[aria-busy="true"]').count()).toBe(1);
    // Said in Arabic once the language is chosen (that code loads with the other languages').
    await expect.poll(() => root(arabic)).toEqual({ lang: 'ar', dir: 'rtl' });
    expect(await arabic.locator('#threadkit .tk-count').count()).toBe(0);
    release();
    await expect.poll(() => arabic.locator('#threadkit .tk-count').textContent()).toBe('3 تعليقات');
    expect(await root(arabic)).toEqual({ lang: 'ar', dir: 'rtl' });
    expect(await arabic.locator('#threadkit button[type="submit"]').textContent()).toBe('التعليق كزائر');
    // The direction reaches the layout inside the shadow root (flex rows run right to left).
    expect(
      await arabic.evaluate(() => {
        const bar = document.querySelector('#threadkit')?.shadowRoot?.querySelector('.tk-bar');
        return bar ? getComputedStyle(bar).direction : null;
      }),
    ).toBe('rtl');
    await arabic.context().close();

    const french = await open(key, '?lang=fr');
    await expect.poll(() => french.locator('#threadkit .tk-count').textContent()).toBe('3 commentaires');
    expect(await root(french)).toEqual({ lang: 'fr', dir: 'ltr' });
    expect(await french.locator('#threadkit .tk-bar label').textContent()).toContain('Trier par');
    const time = french.locator('#threadkit time').first();
    const seconds = Date.parse((await time.getAttribute('datetime'))!) / 1000;
    // How long ago in French, and the exact date and time in French on hover and for screen readers.
    expect(await time.locator('[aria-hidden="true"]').textContent()).toMatch(
      /^(maintenant|il y a \d+ (seconde|minute)s?)$/,
    );
    const exact = await french.evaluate(
      (at) => new Intl.DateTimeFormat('fr', { dateStyle: 'medium', timeStyle: 'short' }).format(at * 1000),
      seconds,
    );
    expect(await time.getAttribute('title')).toBe(exact);
    expect(await time.locator('.tk-sr').textContent()).toBe(exact);
    await french.context().close();
  });

  it('follows the browser’s language without data-lang, with data-strings on top', async () => {
    const key = article();
    const strings = JSON.stringify({ placeholder: 'Was meinst du?', comments: 'ignored: needs a function' });
    const page = await open(key, `?strings=${encodeURIComponent(strings)}`, { locale: 'de-DE' });
    await expect.poll(() => page.locator('#threadkit .tk-count').textContent()).toBe('0 Kommentare');
    expect(await page.locator('#threadkit textarea').getAttribute('placeholder')).toBe('Was meinst du?');
    expect(await page.locator('#threadkit .tk-root').getAttribute('lang')).toBe('de');
    await page.context().close();
  });
});
