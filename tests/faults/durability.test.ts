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

const POSTS = 1000;
const PAGES = 10; // a read shows at most 200 roots: 100 per page
const pageUrl = (i: number) => `https://blog.example.com/durable-${i % PAGES}`;
const read = (url: string) =>
  api.call({ method: 'GET', url: `/v1/comments?page_url=${encodeURIComponent(url)}&limit=200&replies=0` });

it('keeps every acknowledged comment when Redis is killed with SIGKILL amid 1 000 concurrent posts', async () => {
  const guests = await Promise.all(Array.from({ length: 10 }, (_, i) => api.guest(`Durable ${i}`)));
  let answered = 0;
  const pending = Array.from({ length: POSTS }, (_, i) =>
    api
      .call({
        method: 'POST',
        url: '/v1/comments',
        token: guests[i % guests.length]!.token,
        payload: { page_url: pageUrl(i), content: `comment ${i}` },
      })
      .finally(() => answered++),
  );
  // Kill while posts are still in flight: those acknowledged must survive, the rest are told 503.
  await eventually(
    'a third of the posts answered',
    async () => answered,
    (n) => n >= POSTS / 3,
  );
  await api.backend.server!.kill();
  const posts = await Promise.all(pending);
  expect(posts.filter((r) => r.statusCode !== 201 && r.statusCode !== 503).map((r) => r.body)).toEqual([]);
  const acknowledged = posts.filter((r) => r.statusCode === 201).map((r) => r.json().comment.i as string);
  expect(acknowledged.length).toBeGreaterThanOrEqual(POSTS / 3);
  const during = await read(pageUrl(0));
  expect(during.statusCode).toBe(503);
  expect(during.json().code).toBe('unavailable');
  await api.backend.server!.restart();

  // The client reconnects by itself; wait for it rather than for a fixed time.
  await eventually(
    'reads to recover',
    () => read(pageUrl(0)),
    (r) => r.statusCode === 200,
  );
  const kept = new Set<string>();
  for (let page = 0; page < PAGES; page++) {
    const response = await read(pageUrl(page));
    for (const comment of response.json().tree.comments as { i: string }[]) kept.add(comment.i);
  }
  expect(acknowledged.filter((id) => !kept.has(id))).toEqual([]);
  // A post may reach the disk and lose its answer with the connection: kept, though told 503.
  expect(kept.size).toBeGreaterThanOrEqual(acknowledged.length);
  console.info(
    `kill -9 amid ${POSTS} posts: ${acknowledged.length} acknowledged, ${kept.size} kept, 0 acknowledged lost`,
  );
});
