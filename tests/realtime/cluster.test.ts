import { resolvePage } from '@threadkit/core';
import { startTestApi, startTestGateway, type TestApi, type TestGateway } from '@threadkit/testing';
import { afterAll, beforeAll, expect, it } from 'vitest';

/** The gateway on a 3-master Redis Cluster: sharded pub/sub (SSUBSCRIBE), presence and the event log in the site's slot. */

let api: TestApi;
let gwA: TestGateway;
let gwB: TestGateway;
let seq = 0;

beforeAll(async () => {
  api = await startTestApi({ cluster: true });
  gwA = await startTestGateway(api, { heartbeatMs: 200 });
  gwB = await startTestGateway(api, { heartbeatMs: 200 });
});
afterAll(async () => {
  await gwA?.close();
  await gwB?.close();
  await api?.stop();
});

function newPage() {
  const url = `https://blog.example.com/cluster-${++seq}`;
  return { url, id: resolvePage(api.site.id, { page_url: url }).id };
}

it('fans events, presence, typing and notifications out across instances, and resyncs', async () => {
  const page = newPage();
  const [ann, bob] = [await api.guest('Ann'), await api.guest('Bob')];
  const annSocket = await gwA.connect({ token: ann.token });
  await annSocket.subscribe(page.id);
  const bobSocket = await gwB.connect({ token: bob.token });
  expect((await bobSocket.subscribe(page.id)).params).toMatchObject({ count: 2 });
  expect((await annSocket.next('user_joined')).params.user.id).toBe(bob.userId);

  const response = await api.call({
    method: 'POST',
    url: '/v1/comments',
    token: ann.token,
    payload: { page_url: page.url, content: 'over the cluster' },
  });
  expect(response.statusCode, response.body).toBe(201);
  const parent = response.json().comment.i as string;
  const created = await bobSocket.next('new_comment');
  expect(created.params.comment.t).toBe('over the cluster');
  expect((await annSocket.next('new_comment')).params.event_id).toBe(created.params.event_id);

  bobSocket.send('typing', { page_id: page.id, reply_to: parent });
  expect((await annSocket.next('typing')).params).toMatchObject({
    user: { id: bob.userId },
    reply_to: parent,
  });

  const reply = await api.call({
    method: 'POST',
    url: '/v1/comments',
    token: bob.token,
    payload: { page_url: page.url, content: 'a reply', parent_id: parent },
  });
  expect(reply.statusCode).toBe(201);
  expect((await annSocket.next('notification')).params).toMatchObject({ type: 'reply' });

  const late = await gwB.connect();
  await late.subscribe(page.id);
  late.send('resync', { page_id: page.id, since: created.params.event_id });
  expect((await late.next('new_comment')).params.comment.t).toBe('a reply');

  bobSocket.close();
  expect((await annSocket.next('user_left')).params.user_id).toBe(bob.userId);
  annSocket.close();
  late.close();
});
