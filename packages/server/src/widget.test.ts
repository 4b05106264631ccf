import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expectError, startTestApi, type TestApi } from '@threadkit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * The embed widget served by the HTTP API (`api.md`, "Operations"): `/embed.js` with the
 * gateway's public URL pasted in, the hashed chunks under `/widget/`, and the demo page at `/`.
 * A fake build in a temporary directory stands in for packages/widget/dist.
 */

const WS_URL = 'wss://live.example.com:8443';
const EMBED = 'const ws = "__THREADKIT_WS_URL__/ws"; const again = \'__THREADKIT_WS_URL__\';\n';
const CHUNK = 'export const answer = 42;\n';
const COUNT = '(function(){document.title="__THREADKIT_WS_URL__"})();\n';

let root: string;
let dist: string;
let api: TestApi;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'threadkit-widget-'));
  dist = join(root, 'dist');
  mkdirSync(join(dist, 'widget'), { recursive: true });
  writeFileSync(join(dist, 'embed.js'), EMBED);
  writeFileSync(join(dist, 'count.js'), COUNT);
  writeFileSync(join(dist, 'widget', 'chunk-abc123.js'), CHUNK);
  writeFileSync(join(dist, 'widget', 'style-abc123.css'), '.tk { color: red }\n');
  writeFileSync(join(dist, 'widget', 'chunk-abc123.js.map'), '{"version":3}\n');
  // Beside dist: what a traversal would reach.
  writeFileSync(join(root, 'package.json'), '{"secret":true}\n');
  api = await startTestApi({ widgetDir: dist, env: { PUBLIC_WS_URL: WS_URL } });
  await api.app.listen({ host: '127.0.0.1', port: 0 });
});
afterAll(async () => {
  await api?.stop();
  if (root) rmSync(root, { recursive: true, force: true });
});

const get = (url: string, headers: Record<string, string> = {}) =>
  api.app.inject({ method: 'GET', url, headers });

/** A GET over a socket with the path exactly as written: no client-side `..` resolution. */
async function rawGet(path: string): Promise<{ status: number; body: string }> {
  const address = api.app.server.address() as AddressInfo;
  return new Promise((resolve, reject) => {
    const request = httpRequest({ host: '127.0.0.1', port: address.port, path }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        body += chunk;
      });
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
    });
    request.on('error', reject);
    request.end();
  });
}

describe('GET /embed.js', () => {
  it('is the built loader with the public WebSocket URL in place of the placeholder', async () => {
    const response = await get('/embed.js');
    expect(response.statusCode).toBe(200);
    expect(response.body).toBe(`const ws = "${WS_URL}/ws"; const again = '${WS_URL}';\n`);
    expect(response.body).not.toContain('__THREADKIT_WS_URL__');
  });

  it('is JavaScript any page may load, cached for five minutes', async () => {
    const response = await get('/embed.js', { origin: 'https://blog.example.com' });
    expect(response.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(response.headers['cache-control']).toBe('public, max-age=300');
    expect(response.headers['access-control-allow-origin']).toBe('*');
    expect(response.headers['cross-origin-resource-policy']).toBe('cross-origin');
    expect(response.headers['x-content-type-options']).toBe('nosniff');
  });

  it('answers 304 to a revalidation with its ETag', async () => {
    const first = await get('/embed.js');
    const etag = String(first.headers.etag);
    expect(etag).toMatch(/^"[\w-]+"$/);
    const again = await get('/embed.js', { 'if-none-match': etag });
    expect(again.statusCode).toBe(304);
    expect(again.body).toBe('');
    expect((await get('/embed.js', { 'if-none-match': '"other"' })).statusCode).toBe(200);
  });

  it('needs no key and is not a /v1 route', async () => {
    const response = await api.app.inject({
      method: 'GET',
      url: '/embed.js',
      headers: { projectid: 'nonsense' },
    });
    expect(response.statusCode).toBe(200);
  });
});

describe('GET /count.js', () => {
  it('is the built script as it is, for any page, cached for five minutes and revalidated', async () => {
    const response = await get('/count.js', { origin: 'https://blog.example.com' });
    expect(response.statusCode).toBe(200);
    // Only embed.js is told where the gateway is: count.js never talks to it.
    expect(response.body).toBe(COUNT);
    expect(response.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(response.headers['cache-control']).toBe('public, max-age=300');
    expect(response.headers['access-control-allow-origin']).toBe('*');
    const again = await get('/count.js', { 'if-none-match': String(response.headers.etag) });
    expect(again.statusCode).toBe(304);
  });
});

describe('GET /widget/:file', () => {
  it('serves a chunk as JavaScript for any origin, cached for a year as immutable', async () => {
    const response = await get('/widget/chunk-abc123.js', { origin: 'https://blog.example.com' });
    expect(response.statusCode).toBe(200);
    expect(response.body).toBe(CHUNK);
    expect(response.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(response.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(response.headers['access-control-allow-origin']).toBe('*');
    expect(response.headers['cross-origin-resource-policy']).toBe('cross-origin');
    expect(response.headers.etag).toBeTruthy();
  });

  it('gives stylesheets and source maps their own content types', async () => {
    const css = await get('/widget/style-abc123.css');
    expect(css.statusCode).toBe(200);
    expect(css.headers['content-type']).toBe('text/css; charset=utf-8');
    const map = await get('/widget/chunk-abc123.js.map');
    expect(map.statusCode).toBe(200);
    expect(map.headers['content-type']).toBe('application/json; charset=utf-8');
  });

  it('answers 304 to a revalidation with its ETag', async () => {
    const etag = String((await get('/widget/chunk-abc123.js')).headers.etag);
    const again = await get('/widget/chunk-abc123.js', { 'if-none-match': etag });
    expect(again.statusCode).toBe(304);
  });

  it.each([
    '/widget/missing-000000.js',
    '/widget/chunk-abc123.txt',
    '/widget/chunk-abc123',
    '/widget/.hidden.js',
    '/widget/..%2Fpackage.json',
    '/widget/..%2F..%2Fpackage.json',
    '/widget/%2e%2e%2fembed.js',
    '/widget/%2e%2e%2F..%2Fpackage.json',
    '/widget/..%5C..%5Cpackage.json',
    '/widget/%252e%252e%252fpackage.json',
    '/widget/sub/chunk-abc123.js',
    '/widget/widget%2Fchunk-abc123.js',
  ])('is 404 for %s', async (url) => {
    const response = await get(url);
    expectError(response, 404, 'not_found');
    expect(response.body).not.toContain('secret');
  });

  // inject() resolves `..` the way a URL parser does; a raw request line is sent as is.
  it.each([
    '/widget/..',
    '/widget/%2e%2e',
    '/widget/../package.json',
    '/widget/../../package.json',
    '/widget/%2e%2e/%2e%2e/package.json',
    '/widget/..%2F..%2Fpackage.json',
  ])('never serves a file outside dist/widget over HTTP: %s', async (path) => {
    const response = await rawGet(path);
    expect(response.status).toBe(404);
    expect(response.body).not.toContain('secret');
    expect(response.body).toContain('not_found');
  });

  it('answers HEAD too, without a body', async () => {
    const response = await api.app.inject({ method: 'HEAD', url: '/widget/chunk-abc123.js' });
    expect(response.statusCode).toBe(200);
    expect(response.body).toBe('');
    expect(response.headers['content-type']).toBe('text/javascript; charset=utf-8');
  });
});

describe('GET / (the demo page)', () => {
  it('is an article with the widget embedded with the standalone site public key', async () => {
    const response = await get('/');
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
    const html = response.body;
    expect(html).toContain('<article>');
    expect(html).toContain('<div id="threadkit"></div>');
    expect(html).toContain(
      `<script src="/embed.js" data-project-id="${api.site.publicKey}" data-page-key="demo-article" async></script>`,
    );
    // The operator links stay, and nothing is loaded from elsewhere.
    for (const link of ['/docs', '/openapi.json', '/health', '/metrics'])
      expect(html).toContain(`href="${link}"`);
    expect(html).not.toMatch(/(?:src|href)="(?:https?:)?\/\//);
    expect(html).toContain('prefers-color-scheme: dark');
    expect(html).toMatch(/#threadkit\s*\{[^}]*min-height/);
    // No inline script: the CSP (script-src 'self') would block it.
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>\s*\S/);
  });

  it('lets the widget reach the gateway, send its Referer and keep its sign-in popup', async () => {
    const response = await get('/');
    const csp = String(response.headers['content-security-policy']);
    expect(csp).toContain(`connect-src 'self' ${WS_URL}`);
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("object-src 'none'");
    expect(response.headers['cross-origin-opener-policy']).toBe('same-origin-allow-popups');
    // Same-origin thread reads carry no Origin: the key is checked against the Referer.
    expect(response.headers['referrer-policy']).toBe('same-origin');
  });

  it('escapes the public key for HTML', async () => {
    const original = api.context.sites.get.bind(api.context.sites);
    api.context.sites.get = async (id) => ({
      ...(await original(id)),
      publicKey: `x"><script>alert('&')</script>`,
    });
    try {
      const html = (await get('/')).body;
      expect(html).toContain(
        'data-project-id="x&quot;&gt;&lt;script&gt;alert(&#39;&amp;&#39;)&lt;/script&gt;"',
      );
      expect(html).not.toContain('<script>alert');
    } finally {
      api.context.sites.get = original;
    }
  });

  it('shows the landing page when there is no standalone site', async () => {
    const original = api.context.sites.standaloneSiteId.bind(api.context.sites);
    api.context.sites.standaloneSiteId = async () => null;
    try {
      const response = await get('/');
      expect(response.statusCode).toBe(200);
      expect(response.body).toContain('ThreadKit is running');
      expect(response.body).not.toContain('embed.js');
      expect(response.body).toContain('href="/docs"');
    } finally {
      api.context.sites.standaloneSiteId = original;
    }
  });
});

describe('without a built widget', () => {
  let bare: TestApi;
  beforeAll(async () => {
    bare = await startTestApi({ widgetDir: join(root, 'not-built') });
  });
  afterAll(async () => {
    await bare?.stop();
  });

  it.each(['/embed.js', '/count.js', '/widget/chunk-abc123.js', '/widget/..%2Fpackage.json'])(
    '%s is 404 saying how to build it',
    async (url) => {
      const response = await bare.app.inject({ method: 'GET', url });
      expect(response.statusCode).toBe(404);
      expect(response.headers['content-type']).toMatch(/^application\/json/);
      expect(response.json()).toEqual({
        error: 'The widget is not built yet: run npm run build.',
        code: 'not_found',
      });
    },
  );

  // Last: it builds the widget into the directory the tests above found empty.
  it('picks up a build made while the server runs', async () => {
    const late = join(root, 'not-built');
    expect((await bare.app.inject({ method: 'GET', url: '/' })).body).toContain('npm run build');
    mkdirSync(join(late, 'widget'), { recursive: true });
    writeFileSync(join(late, 'embed.js'), EMBED);
    writeFileSync(join(late, 'widget', 'chunk-abc123.js'), CHUNK);
    const embed = await bare.app.inject({ method: 'GET', url: '/embed.js' });
    expect(embed.statusCode).toBe(200);
    // The harness sets no PUBLIC_URL: the gateway on localhost at WS_PORT.
    expect(embed.body).toContain(`"${bare.config.publicWsUrl}/ws"`);
    expect(bare.config.publicWsUrl).toBe(`ws://localhost:${bare.config.ws.port}`);
    const chunk = await bare.app.inject({ method: 'GET', url: '/widget/chunk-abc123.js' });
    expect(chunk.statusCode).toBe(200);
    expect((await bare.app.inject({ method: 'GET', url: '/' })).body).toContain('src="/embed.js"');
  });
});
