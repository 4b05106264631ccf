import { createServer } from 'node:http';
import { fileURLToPath } from 'node:url';
import { listenLocal, startWidgetStack, type WidgetStack } from '@threadkit/testing';
import { build } from 'esbuild';
import { afterAll, beforeAll, expect, it } from 'vitest';

/** The React component in a real React app (bundled here with esbuild), in Chromium. */

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
let stack: WidgetStack;
let app: { url: string; stop: () => Promise<void> };

beforeAll(async () => {
  stack = await startWidgetStack();
  const guest = await stack.api.guest('Ada');
  for (const [key, content] of [
    ['react-a', 'On page A'],
    ['react-b', 'On page B'],
  ] as const) {
    const response = await stack.api.call({
      method: 'POST',
      url: '/v1/comments',
      token: guest.token,
      payload: { page_key: key, page_url: `https://blog.example.com/${key}`, content },
    });
    expect(response.statusCode).toBe(201);
  }
  const source = `
    import { useState } from 'react';
    import { createRoot } from 'react-dom/client';
    import { ThreadKit } from '@threadkit/react';
    function App() {
      const [page, setPage] = useState('react-a');
      return (
        <main>
          <button id="switch" onClick={() => setPage('react-b')}>Next article</button>
          <ThreadKit src=${JSON.stringify(`${stack.apiUrl}/embed.js`)} projectId=${JSON.stringify(stack.api.site.publicKey)}
            pageKey={page} wsUrl=${JSON.stringify(stack.gateway.url)} theme="light" />
        </main>
      );
    }
    createRoot(document.getElementById('root')).render(<App />);`;
  const bundle = await build({
    stdin: { contents: source, loader: 'tsx', resolveDir: ROOT },
    bundle: true,
    write: false,
    format: 'iife',
    jsx: 'automatic',
    define: { 'process.env.NODE_ENV': '"production"' },
    logLevel: 'silent',
  });
  const js = bundle.outputFiles[0]!.text;
  app = await listenLocal(
    createServer((request, response) => {
      if (request.url === '/app.js')
        return response.writeHead(200, { 'content-type': 'text/javascript' }).end(js);
      response
        .writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
        .end(
          '<!doctype html><html lang="en"><body><div id="root"></div><script src="/app.js"></script></body></html>',
        );
    }),
  );
});
afterAll(async () => {
  await app?.stop();
  await stack?.stop();
});

it('renders the thread of its page, and the next one when the prop changes', async () => {
  const context = await stack.browser.newContext();
  const page = await context.newPage();
  await page.goto(app.url);
  const body = page.locator('main .tk-body');
  await expect.poll(() => body.first().textContent()).toBe('On page A');
  await page.click('#switch');
  await expect.poll(() => body.first().textContent()).toBe('On page B');
  expect(await body.count()).toBe(1);
  // One script tag however many threads were rendered.
  expect(await page.locator('script[src$="/embed.js"]').count()).toBe(1);
  await context.close();
});
