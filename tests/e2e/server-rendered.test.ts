import { createServer } from 'node:http';
import { listenLocal, startWidgetStack, type WidgetStack } from '@threadkit/testing';
import type { Route } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';

/**
 * A page that includes its server-rendered thread (`GET /v1/pages/html`, fetched
 * by the site's own server) in the widget's element: readable without
 * JavaScript, and replaced by the live widget once that has its thread.
 */

let stack: WidgetStack;
let blog: { url: string; stop: () => Promise<void> };
const KEY = 'rendered-article';

beforeAll(async () => {
  stack = await startWidgetStack();
  blog = await listenLocal(
    createServer((_request, response) => {
      // What a site's server (or its server-side include) does: fetch the fragment, put it in the page.
      const query = new URLSearchParams({ project_id: stack.api.site.publicKey, page_key: KEY });
      fetch(`${stack.apiUrl}/v1/pages/html?${query}`)
        .then((answer) => answer.text())
        .then(
          (fragment) => {
            response
              .writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
              .end(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Article</title></head>
<body><h1>Article</h1><div id="threadkit">${fragment}</div>
<script src="${stack.apiUrl}/embed.js" data-project-id="${stack.api.site.publicKey}" data-page-key="${KEY}"
  data-ws-url="${stack.gateway.url}" async></script></body></html>`);
          },
          (error: unknown) => response.writeHead(500).end(String(error)),
        );
    }),
  );
  const ada = await stack.api.guest('Ada');
  const root = await stack.post(KEY, ada.token, 'The first comment');
  await stack.post(KEY, ada.token, 'A reply to it', root);
});
afterAll(async () => {
  await blog?.stop();
  await stack?.stop();
});

it('shows the comments, with their structured data, to a reader without JavaScript', async () => {
  const context = await stack.browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  await page.goto(`${blog.url}/${KEY}`);
  const comments = page.locator('#threadkit [itemtype="https://schema.org/Comment"]');
  expect(await comments.count()).toBe(2);
  expect(await comments.first().locator('[itemprop="text"]').first().textContent()).toBe('The first comment');
  expect(await comments.first().locator('[itemprop="author"] [itemprop="name"]').first().textContent()).toBe(
    'Ada',
  );
  expect(await page.locator('#threadkit .threadkit-count').textContent()).toBe('2 comments');
  await context.close();
});

it('keeps the server copy in view until the live thread is drawn, then replaces it', async () => {
  const context = await stack.browser.newContext();
  const page = await context.newPage();
  // The thread's first read is held, so the moment before the live thread is drawn can be looked at.
  let release: () => void = () => {};
  const held = new Promise<void>((resolve) => {
    release = resolve;
  });
  let asked: () => void = () => {};
  const reading = new Promise<void>((resolve) => {
    asked = resolve;
  });
  await page.route(/\/v1\/comments\?/, async (route: Route) => {
    asked();
    await held;
    await route.continue();
  });
  await page.goto(`${blog.url}/${KEY}`);
  await reading;
  // The widget is running: the server copy is still what shows, and no skeleton over it.
  const served = page.locator('#threadkit > .threadkit-thread');
  expect(await served.isVisible()).toBe(true);
  expect(await page.locator('#threadkit .tk-skeleton').first().isVisible()).toBe(false);
  release();
  const live = page.locator('#threadkit .tk-body');
  await expect.poll(() => live.first().textContent()).toBe('The first comment');
  await expect.poll(() => served.count()).toBe(0);
  // The live thread, once: the server copy is gone from the page, not merely hidden.
  expect(await page.locator('#threadkit [itemtype="https://schema.org/Comment"]').count()).toBe(0);
  expect(await live.count()).toBe(2);
  await context.close();
});
