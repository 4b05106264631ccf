import { createServer } from 'node:http';
import {
  launchChromium,
  listenLocal,
  startTestApi,
  startTestGateway,
  type TestApi,
  type TestGateway,
} from '@threadkit/testing';
import type { Browser, Page } from 'playwright-core';
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
  apiUrl = await api.app.listen({ host: '127.0.0.1', port: 0 });
  // Presence counts refresh every 300 ms here (every 10 s by default).
  gw = await startTestGateway(api, { heartbeatMs: 300 });
  // The customer's site: one article per path, each its own page key.
  site = await listenLocal(
    createServer((request, response) => {
      const key = new URL(request.url ?? '/', 'http://x').pathname.slice(1) || 'home';
      const apiOverride = new URL(request.url ?? '/', 'http://x').searchParams.get('api') ?? apiUrl;
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Article ${key}</title></head>
<body><h1>Article ${key}</h1><div id="threadkit"></div>
<script src="${apiUrl}/embed.js" data-project-id="${api.site.publicKey}" data-page-key="${key}"
  data-api-url="${apiOverride}" data-ws-url="${gw.url}" async></script></body></html>`);
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

async function open(key: string, query = ''): Promise<Page> {
  const context = await browser.newContext();
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
    await expect
      .poll(() => writer.locator('#threadkit .tk-bar').textContent(), { timeout: 5000 })
      .toContain('2 people here');

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

  it('says plainly when the comments cannot be reached, with a retry', async () => {
    const page = await open(article(), '?api=http://127.0.0.1:9');
    await expect
      .poll(() => page.locator('#threadkit [role="alert"]').textContent())
      .toContain('Comments are unavailable right now.');
    expect(await page.locator('#threadkit [role="alert"] button').textContent()).toBe('Try again');
    await page.context().close();
  });
});
