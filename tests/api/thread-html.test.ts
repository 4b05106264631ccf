import { ThreadKit } from '@threadkit/react';
import { fetchThreadHtml } from '@threadkit/react/server';
import { startTestApi, type TestApi } from '@threadkit/testing';
import { createElement } from 'react';
import { renderToString } from 'react-dom/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * The server-rendered thread: an HTML fragment of what an anonymous reader
 * sees, with schema.org Comment microdata, for sites to include in their pages.
 */
let api: TestApi;
let apiUrl: string;
let seq = 0;
const pageUrl = () => `https://blog.example.com/rendered-${++seq}`;

beforeAll(async () => {
  api = await startTestApi();
  apiUrl = await api.app.listen({ host: '127.0.0.1', port: 0 });
});
afterAll(async () => {
  await api?.stop();
});

const post = async (token: string, body: Record<string, unknown>) => {
  const response = await api.call({ method: 'POST', url: '/v1/comments', token, payload: body });
  expect(response.statusCode, response.body).toBe(201);
  return response.json().comment as { i: string };
};
/** The fragment as a site's server asks for it: the key in the URL, no origin. */
const fragment = (query: string, headers: Record<string, string> = {}) =>
  api.app.inject({ method: 'GET', url: `/v1/pages/html?project_id=${api.site.publicKey}&${query}`, headers });

describe('the server-rendered thread', () => {
  it('marks up each comment as a schema.org Comment, replies under their parent, names escaped', async () => {
    const url = pageUrl();
    const ada = await api.guest('Ada <script>');
    const root = await post(ada.token, { page_url: url, content: 'Hello **there**' });
    const reply = await post(ada.token, { page_url: url, content: 'A reply', parent_id: root.i });
    const response = await fragment(`page_url=${encodeURIComponent(url)}`);
    expect(response.statusCode, response.body).toBe(200);
    expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(response.headers['cache-control']).toBe('public, max-age=60');
    const html = response.body;
    expect(html).not.toContain('<script');
    expect(html).toContain('<span itemprop="name">Ada &lt;script&gt;</span>');
    expect(html).toContain('<p class="threadkit-count">2 comments</p>');
    expect(html).toContain(`<li id="comment-${root.i}" itemscope itemtype="https://schema.org/Comment">`);
    expect(html).toContain('<div itemprop="text"><p>Hello <strong>there</strong></p>');
    expect(html).toContain(`<a itemprop="url" href="${url}#comment-${root.i}">`);
    // The reply is nested in its parent's item, and names it.
    const replyAt = html.indexOf(`<li id="comment-${reply.i}" itemprop="comment"`);
    expect(replyAt).toBeGreaterThan(html.indexOf(`id="comment-${root.i}"`));
    expect(html.slice(replyAt)).toContain(`<link itemprop="parentItem" href="${url}#comment-${root.i}">`);
    expect(html).toContain('<meta itemprop="upvoteCount" content="0">');
    expect(html).toMatch(/<time itemprop="dateCreated" datetime="\d{4}-\d\d-\d\dT[\d:.]+Z">/);
  });

  it('shows only what an anonymous reader sees', async () => {
    const url = pageUrl();
    const [ada, bob] = [await api.guest('Ada'), await api.guest('Bob')];
    await post(ada.token, { page_url: url, content: 'public words' });
    const rejected = await post(bob.token, { page_url: url, content: 'rejected words' });
    expect((await api.owner({ method: 'POST', url: `/v1/moderation/reject/${rejected.i}` })).statusCode).toBe(
      204,
    );
    await api.context.sites.setSetting(api.site.id, 'moderation', 'pre');
    try {
      await post(bob.token, { page_url: url, content: 'pending words' });
    } finally {
      await api.context.sites.setSetting(api.site.id, 'moderation', 'none');
    }
    const html = (await fragment(`page_url=${encodeURIComponent(url)}`)).body;
    expect(html).toContain('public words');
    expect(html).not.toContain('rejected words');
    expect(html).not.toContain('pending words');
    expect(html).toContain('1 comment<');
  });

  it('answers 304 until the thread changes', async () => {
    const url = pageUrl();
    const ada = await api.guest('Ada');
    await post(ada.token, { page_url: url, content: 'one' });
    const query = `page_url=${encodeURIComponent(url)}`;
    const etag = (await fragment(query)).headers.etag as string;
    expect((await fragment(query, { 'if-none-match': etag })).statusCode).toBe(304);
    await post(ada.token, { page_url: url, content: 'two' });
    expect((await fragment(query, { 'if-none-match': etag })).statusCode).toBe(200);
  });

  it('is fetched by the React package on the server and rendered inside the thread element', async () => {
    const url = pageUrl();
    const ada = await api.guest('Ada');
    await post(ada.token, { page_url: url, content: 'Rendered by React' });
    const serverHtml = await fetchThreadHtml({ apiUrl, projectId: api.site.publicKey, pageUrl: url });
    expect(serverHtml).toContain('Rendered by React');
    const page = renderToString(
      createElement(ThreadKit, {
        src: `${apiUrl}/embed.js`,
        projectId: api.site.publicKey,
        pageUrl: url,
        serverHtml,
      }),
    );
    expect(page).toBe(`<div>${serverHtml}</div>`);
    // A server that cannot be read leaves the page without a fragment, not broken.
    const errors: unknown[] = [];
    const original = console.error;
    console.error = (...args: unknown[]) => errors.push(args);
    try {
      expect(await fetchThreadHtml({ apiUrl, projectId: 'tk_pub_unknown', pageUrl: url })).toBe('');
    } finally {
      console.error = original;
    }
    expect(errors).toHaveLength(1);
  });
});
