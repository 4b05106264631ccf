import { createServer } from 'node:http';
import { keys } from '@threadkit/core';
import { eventually, listenLocal, startTestApi, type TestApi } from '@threadkit/testing';
import { afterAll, beforeAll, expect, it } from 'vitest';

let api: TestApi;
const received: { page_id: string | null; data: { comment: { i: string } } }[] = [];
let receiver: Awaited<ReturnType<typeof listenLocal>>;

beforeAll(async () => {
  api = await startTestApi({
    cluster: true,
    context: {
      webhooks: {
        pollMs: 20,
        retry: { firstRetryMs: 20, maxRetryMs: 80, giveUpAfterMs: 60_000, jitter: 0.2 },
      },
    },
  });
  // The first delivery of each page fails once, so every queue is retried on the cluster too.
  const seenPages = new Set<string | null>();
  receiver = await listenLocal(
    createServer((request, response) => {
      let raw = '';
      request.on('data', (chunk: Buffer) => {
        raw += chunk.toString('utf8');
      });
      request.on('end', () => {
        const body = JSON.parse(raw);
        const first = !seenPages.has(body.page_id);
        seenPages.add(body.page_id);
        if (!first) received.push(body);
        response.writeHead(first ? 500 : 200).end();
      });
    }),
  );
});
afterAll(async () => {
  await receiver?.stop();
  await api?.stop();
});

it('queues, retries and delivers in order per page on a 3-master Redis Cluster', async () => {
  const allowed = await api.owner({
    method: 'PUT',
    url: `/v1/sites/${api.site.id}/settings`,
    payload: { webhooks_allow_private: true },
  });
  expect(allowed.statusCode, allowed.body).toBe(200);
  const created = await api.owner({
    method: 'POST',
    url: '/v1/webhooks',
    payload: { url: `${receiver.url}/hooks`, events: ['comment.created', 'comment.deleted'] },
  });
  expect(created.statusCode, created.body).toBe(201);
  const author = await api.guest('Author');
  const pages = ['https://blog.example.com/cluster-a', 'https://blog.example.com/cluster-b'];
  const posted: Record<string, string[]> = {};
  for (const page of pages) {
    posted[page] = [];
    for (const content of ['One', 'Two']) {
      const response = await api.call({
        method: 'POST',
        url: '/v1/comments',
        token: author.token,
        payload: { page_url: page, content },
      });
      expect(response.statusCode, response.body).toBe(201);
      posted[page]!.push(response.json().comment.i);
    }
  }
  await eventually(
    'every comment delivered',
    async () => received.length,
    (n) => n >= 4,
  );
  // Each page's comments arrive in the order they were posted, the first after its retry.
  const byPage = new Map<string | null, string[]>();
  for (const delivery of received)
    byPage.set(delivery.page_id, [...(byPage.get(delivery.page_id) ?? []), delivery.data.comment.i]);
  expect([...byPage.values()].sort()).toEqual(Object.values(posted).sort());
  // Nothing waits once everything is sent: every queue is off the schedule.
  await eventually(
    'an empty schedule',
    () => api.redis.zcard(keys.webhookSchedule()),
    (n) => n === 0,
  );
});
