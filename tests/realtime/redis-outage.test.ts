import { resolvePage } from '@threadkit/core';
import {
  eventually,
  startTestApi,
  startTestGateway,
  type TestApi,
  type TestGateway,
} from '@threadkit/testing';
import { afterAll, beforeAll, expect, it } from 'vitest';

/** Redis goes away under connected clients: they are told, nothing crashes, and nothing is missed after. */

let api: TestApi;
let gw: TestGateway;
let seq = 0;

beforeAll(async () => {
  api = await startTestApi({ redis: { appendonly: true } });
  gw = await startTestGateway(api, { heartbeatMs: 200 });
});
afterAll(async () => {
  await gw?.close();
  await api?.stop();
});

function newPage() {
  const url = `https://blog.example.com/outage-${++seq}`;
  return { url, id: resolvePage(api.site.id, { page_url: url }).id };
}

/** Posts once Redis answers again (the API says 503 meanwhile). */
async function post(token: string, url: string, content: string) {
  return eventually(
    'a 201 for the comment',
    () => api.call({ method: 'POST', url: '/v1/comments', token, payload: { page_url: url, content } }),
    (response) => response.statusCode === 201,
    20_000,
  );
}

it('tells clients while Redis restarts, then carries on with presence and live events', async () => {
  const page = newPage();
  const guest = await api.guest('Ann');
  const reader = await gw.connect();
  await reader.next('connected');
  await reader.subscribe(page.id);
  const writer = await gw.connect({ token: guest.token });
  await writer.subscribe(page.id);
  await post(guest.token, page.url, 'before');
  expect((await reader.next('new_comment')).params.comment.t).toBe('before');

  await api.backend.server!.restart();
  expect((await reader.next('error', () => true, 10_000)).params.code).toBe('unavailable');
  // Back: every room gets a fresh presence count, which is also the sign that live updates resumed.
  const presence = await reader.next('presence', () => true, 20_000);
  expect(presence.params).toMatchObject({ page_id: page.id, count: 2 });

  await post(guest.token, page.url, 'after');
  expect((await reader.next('new_comment')).params.comment.t).toBe('after');
  expect(reader.ws.readyState).toBe(reader.ws.OPEN);
  expect(await (await fetch(`${gw.url.replace('ws://', 'http://')}/health`)).json()).toEqual({
    status: 'ok',
  });
  reader.close();
  writer.close();
});

it('replays, once, events published while its subscription was down', async () => {
  const page = newPage();
  const guest = await api.guest('Bob');
  const reader = await gw.connect();
  await reader.next('connected');
  await reader.subscribe(page.id);
  await post(guest.token, page.url, 'one');
  await reader.next('new_comment');

  // Cut the gateway's pub/sub connection; comments posted before it comes back
  // miss the channel but not the page's event log.
  await api.redis.call('CLIENT', 'KILL', 'TYPE', 'pubsub');
  await post(guest.token, page.url, 'two');
  await post(guest.token, page.url, 'three');
  expect((await reader.next('new_comment', () => true, 10_000)).params.comment.t).toBe('two');
  expect((await reader.next('new_comment')).params.comment.t).toBe('three');
  await post(guest.token, page.url, 'four');
  expect((await reader.next('new_comment')).params.comment.t).toBe('four');
  expect(reader.take('new_comment')).toEqual([]);
  reader.close();
});

it('answers a subscribe while Redis is down with unavailable, and accepts it once Redis is back', async () => {
  const page = newPage();
  const reader = await gw.connect();
  await reader.next('connected');
  await api.backend.server!.kill();
  try {
    await reader.next('error', (p) => p.code === 'unavailable', 10_000);
    reader.send('subscribe', { page_id: page.id });
    expect((await reader.next('error', (p) => p.code === 'unavailable')).params.message).toMatch(
      /try again/i,
    );
    const health = await fetch(`${gw.url.replace('ws://', 'http://')}/health`);
    expect(health.status).toBe(503);
  } finally {
    await api.backend.server!.restart();
  }
  const presence = await eventually(
    'a subscription once Redis is back',
    async () => {
      reader.send('subscribe', { page_id: page.id });
      return reader.next('presence', () => true, 1000).catch(() => null);
    },
    (message) => message !== null,
    20_000,
  );
  expect(presence!.params).toMatchObject({ page_id: page.id, count: 1 });
  reader.close();
});
