import { createServer } from 'node:http';
import { listenLocal, startWidgetStack, type WidgetStack } from '@threadkit/testing';
import { afterAll, beforeAll, expect, it } from 'vitest';

/** count.js on a blog's list page, on another origin than the API, in Chromium. */

let stack: WidgetStack;
let blog: { url: string; stop: () => Promise<void> };
/** The list page's body, per test. */
let listPage = '';
/** The key count.js is given, per test. */
let projectId = '';
let countsRequests = 0;

beforeAll(async () => {
  stack = await startWidgetStack();
  blog = await listenLocal(
    createServer((request, response) => {
      response
        .writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
        .end(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${request.url}</title></head>
<body>${listPage}<script src="${stack.apiUrl}/count.js" data-project-id="${projectId}" async></script></body></html>`);
    }),
  );
  const ada = await stack.api.guest('Ada');
  const post = async (page: Record<string, string>, content: string, parent_id?: string) => {
    const response = await stack.api.call({
      method: 'POST',
      url: '/v1/comments',
      token: ada.token,
      payload: { ...page, content, ...(parent_id ? { parent_id } : {}) },
    });
    expect(response.statusCode, response.body).toBe(201);
    return response.json().comment.i as string;
  };
  // Three comments on the first post (one a reply), one on the second, one on a keyed page.
  const first = await post({ page_url: `${blog.url}/post/1` }, 'First');
  await post({ page_url: `${blog.url}/post/1` }, 'Second');
  await post({ page_url: `${blog.url}/post/1` }, 'A reply', first);
  await post({ page_url: 'https://blog.example.com/post/2' }, 'Elsewhere');
  await post({ page_key: 'post-4', page_url: `${blog.url}/p?id=4` }, 'Keyed');
});
afterAll(async () => {
  await blog?.stop();
  await stack?.stop();
});

const openList = async (body: string, key = stack.api.site.publicKey) => {
  listPage = body;
  projectId = key;
  const context = await stack.browser.newContext();
  const page = await context.newPage();
  const warnings: string[] = [];
  page.on('console', (message) => warnings.push(message.text()));
  page.on('request', (request) => {
    if (request.url().includes('/v1/comments/counts') && request.method() === 'GET') countsRequests++;
  });
  await page.goto(`${blog.url}/`);
  return { page, warnings };
};

it('fills every marked element of a list page with its count, in one request', async () => {
  countsRequests = 0;
  const { page } = await openList(`
    <ul>
      <li><a href="/post/1">Post 1</a> <span id="path" data-threadkit-count="/post/1">…</span></li>
      <li><a id="link" href="/post/1#comments" data-threadkit-count>…</a></li>
      <li><span id="full" data-threadkit-count="https://blog.example.com/post/2">…</span></li>
      <li><span id="none" data-threadkit-count="/post/3">…</span></li>
      <li><span id="key" data-threadkit-count-key="post-4">…</span></li>
      <li><span id="own" data-threadkit-count="/post/1" data-threadkit-count-format="{n} réponse|{n} réponses">…</span></li>
    </ul>`);
  const text = (id: string) => page.locator(`#${id}`).textContent();
  await expect.poll(() => text('path')).toBe('3 comments');
  expect(await text('link')).toBe('3 comments');
  expect(await text('full')).toBe('One comment');
  expect(await text('none')).toBe('No comments');
  expect(await text('key')).toBe('One comment');
  expect(await text('own')).toBe('3 réponses');
  expect(await page.locator('#path').getAttribute('data-threadkit-count-value')).toBe('3');
  expect(countsRequests).toBe(1);
  await page.context().close();
});

it('leaves the elements as they were when the counts cannot be read', async () => {
  // A key the server does not know: the request is refused, the page keeps its own words.
  const { page, warnings } = await openList(
    '<span id="path" data-threadkit-count="/post/1">Comments</span>',
    'tk_pub_unknown',
  );
  await expect.poll(() => warnings.some((text) => text.includes('could not read'))).toBe(true);
  expect(await page.locator('#path').textContent()).toBe('Comments');
  await page.context().close();
});
