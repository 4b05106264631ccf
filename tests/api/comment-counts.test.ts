import { startTestApi, type TestApi } from '@threadkit/testing';
import { afterAll, beforeAll, expect, it } from 'vitest';

/** The counts a list page asks for: one request, the same for every reader, cached and revalidated. */
let api: TestApi;

beforeAll(async () => {
  api = await startTestApi();
});
afterAll(async () => {
  await api?.stop();
});

const countsOf = (query: string, headers: Record<string, string> = {}) =>
  api.call({ method: 'GET', url: `/v1/comments/counts?${query}`, headers });

it('answers many pages at once, cacheable, and 304 until a count changes', async () => {
  const guest = await api.guest();
  const url = 'https://blog.example.com/counted';
  const post = async () => {
    const response = await api.call({
      method: 'POST',
      url: '/v1/comments',
      token: guest.token,
      payload: { page_url: url, content: 'Hello' },
    });
    expect(response.statusCode, response.body).toBe(201);
  };
  await post();
  const query = `page_url=${encodeURIComponent(url)}&page_key=never-commented`;
  const first = await countsOf(query);
  expect(first.statusCode).toBe(200);
  expect(first.json()).toEqual({ counts: { [url]: 1, 'never-commented': 0 } });
  expect(first.headers['cache-control']).toBe('public, max-age=60');
  expect(first.headers.vary).toContain('Origin');
  expect(first.headers['access-control-allow-origin']).toBe('https://blog.example.com');
  const etag = first.headers.etag as string;
  expect(etag).toMatch(/^W\/"/);

  const again = await countsOf(query, { 'if-none-match': etag });
  expect(again.statusCode).toBe(304);
  expect(again.body).toBe('');

  await post();
  const changed = await countsOf(query, { 'if-none-match': etag });
  expect(changed.statusCode).toBe(200);
  expect(changed.json().counts[url]).toBe(2);
  expect(changed.headers.etag).not.toBe(etag);
});

it('takes at most 100 pages in one request', async () => {
  const pages = (n: number) => Array.from({ length: n }, (_, i) => `page_key=k${i}`).join('&');
  const hundred = await countsOf(pages(100));
  expect(hundred.statusCode).toBe(200);
  expect(Object.keys(hundred.json().counts)).toHaveLength(100);
  expect((await countsOf(`${pages(60)}&${pages(60).replaceAll('=k', '=j')}`)).statusCode).toBe(400);
});
