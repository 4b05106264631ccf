import { expectError, startTestApi, type TestApi } from '@threadkit/testing';
import { afterAll, beforeAll, expect, it } from 'vitest';

/** `POST /v1/comments/preview`: Markdown rendered exactly as a posted comment would be, nothing stored. */

let api: TestApi;
const PAGE_URL = 'https://blog.example.com/preview';

beforeAll(async () => {
  api = await startTestApi();
});
afterAll(async () => {
  await api?.stop();
});

const preview = (content: unknown, token?: string, remoteAddress?: string) =>
  api.call({
    method: 'POST',
    url: '/v1/comments/preview',
    payload: { content },
    ...(token ? { token } : {}),
    ...(remoteAddress ? { remoteAddress } : {}),
  });

async function changeSettings(settings: Record<string, unknown>) {
  const response = await api.owner({
    method: 'PUT',
    url: `/v1/sites/${api.site.id}/settings`,
    payload: settings,
  });
  expect(response.statusCode, response.body).toBe(200);
}

it('renders and sanitises Markdown exactly as posting does, for anonymous readers too', async () => {
  const content = [
    '*soft* and **bold**, `code` and a [link](https://example.com)',
    '',
    '<script>window.hacked = 1</script> ![pic](https://tracker.example/p.png) [bad](javascript:alert(1))',
    '',
    '# Heading',
  ].join('\n');
  const shown = await preview(content);
  expect(shown.statusCode, shown.body).toBe(200);
  const { html } = shown.json() as { html: string };
  expect(html).toContain('<em>soft</em>');
  expect(html).toContain('<strong>bold</strong>');
  expect(html).toContain('&lt;script&gt;');
  expect(html).not.toMatch(/<script|<img|href="javascript:|<h1/i);

  // The same content, posted: the stored comment's HTML is the preview's.
  const guest = await api.guest('Ada');
  const posted = await api.call({
    method: 'POST',
    url: '/v1/comments',
    token: guest.token,
    payload: { page_url: PAGE_URL, content },
  });
  expect(posted.statusCode, posted.body).toBe(201);
  expect(posted.json().comment.h).toBe(html);
});

it('stores nothing', async () => {
  const before = await api.call({ method: 'GET', url: `/v1/comments?page_url=${PAGE_URL}-empty` });
  expect((await preview('Just looking')).statusCode).toBe(200);
  const after = await api.call({ method: 'GET', url: `/v1/comments?page_url=${PAGE_URL}-empty` });
  expect(after.json().total).toBe(0);
  expect(after.json().tree.comments).toEqual(before.json().tree.comments);
});

it('answers empty HTML for blank content', async () => {
  for (const content of ['', '   \n\t ']) {
    const response = await preview(content);
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json()).toEqual({ html: '' });
  }
});

it("holds content to the site's length limit, after trimming, like posting", async () => {
  await changeSettings({ max_comment_length: 20 });
  try {
    expect((await preview(`  ${'a'.repeat(20)}  `)).statusCode).toBe(200);
    const body = expectError(await preview('a'.repeat(21)), 400, 'invalid_request');
    expect(body.field).toBe('content');
    expect(body.error).toContain('20');
  } finally {
    await changeSettings({ max_comment_length: 10_000 });
  }
});

it('refuses bodies without a content string', async () => {
  expectError(await preview(42), 400, 'invalid_request');
  const missing = await api.call({ method: 'POST', url: '/v1/comments/preview', payload: {} });
  expectError(missing, 400, 'invalid_request');
});

it('counts against the reads budget, not the writes budget', async () => {
  const reader = await api.guest('Reader');
  // A guest's budgets are its own and its address's: both fresh here.
  const address = '198.51.100.70';
  await changeSettings({ rate_limits: { reads: 3, writes: 1 } });
  try {
    // Three previews pass although only one write a minute is allowed.
    for (let i = 0; i < 3; i++)
      expect((await preview(`try ${i}`, reader.token, address)).statusCode).toBe(200);
    const refused = expectError(await preview('one more', reader.token, address), 429, 'rate_limited');
    expect(refused.error).toContain('reads');
    // The same budget as reading the thread.
    const read = await api.call({
      method: 'GET',
      url: `/v1/comments?page_url=${PAGE_URL}`,
      token: reader.token,
      remoteAddress: address,
    });
    expectError(read, 429, 'rate_limited');
  } finally {
    await changeSettings({ rate_limits: {} });
  }
});

it('is described in the OpenAPI document', async () => {
  const doc = (await api.app.inject({ method: 'GET', url: '/openapi.json' })).json();
  const operation = doc.paths['/v1/comments/preview']?.post;
  expect(operation).toBeDefined();
  expect(JSON.stringify(operation.requestBody)).toContain('content');
  expect(Object.keys(operation.responses)).toEqual(expect.arrayContaining(['200', '400', '429']));
});
