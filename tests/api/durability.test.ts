import { eventually, startTestApi, type TestApi } from '@threadkit/testing';
import { afterAll, beforeAll, expect, it } from 'vitest';

let api: TestApi;

beforeAll(async () => {
  // The same durability settings the managed redis-server runs with.
  api = await startTestApi({ redis: { appendonly: true, args: ['--appendfsync', 'always'] } });
});
afterAll(async () => {
  await api?.stop();
});

it('keeps every acknowledged comment when Redis is killed with SIGKILL', async () => {
  const { token } = await api.guest('Durable');
  const url = 'https://blog.example.com/durable';
  const posts = await Promise.all(
    Array.from({ length: 40 }, (_, i) =>
      api.call({
        method: 'POST',
        url: '/v1/comments',
        token,
        payload: { page_url: url, content: `comment ${i}` },
      }),
    ),
  );
  const acknowledged = posts.filter((r) => r.statusCode === 201).map((r) => r.json().comment.i as string);
  expect(acknowledged).toHaveLength(40);

  await api.backend.server!.kill();
  const during = await api.call({ method: 'GET', url: `/v1/comments?page_url=${encodeURIComponent(url)}` });
  expect(during.statusCode).toBe(503);
  expect(during.json().code).toBe('unavailable');
  await api.backend.server!.restart();

  // The client reconnects by itself; wait for it rather than for a fixed time.
  const response = await eventually(
    'reads to recover',
    () => api.call({ method: 'GET', url: `/v1/comments?page_url=${encodeURIComponent(url)}&limit=200` }),
    (r) => r.statusCode === 200,
  );
  expect(response.statusCode).toBe(200);
  const ids = response.json().tree.comments.map((c: { i: string }) => c.i);
  expect(new Set(ids)).toEqual(new Set(acknowledged));
  expect(response.json().total).toBe(40);
});
