import { resolvePage } from '@threadkit/core';
import { startTestApi, startTestGateway, type TestApi, type TestGateway } from '@threadkit/testing';
import { afterAll, beforeAll, expect, it } from 'vitest';

let api: TestApi;
let gw: TestGateway;
beforeAll(async () => {
  api = await startTestApi();
  gw = await startTestGateway(api);
});
afterAll(async () => {
  await gw?.close();
  await api?.stop();
});

it('smoke', async () => {
  const url = 'https://blog.example.com/smoke';
  const pageId = resolvePage(api.site.id, { page_url: url }).id;
  const guest = await api.guest('Ann');
  const reader = await gw.connect();
  expect((await reader.next('connected')).params.user_id).toBeNull();
  const presence = await reader.subscribe(pageId);
  expect(presence.params).toEqual({ page_id: pageId, users: [], count: 1 });
  const writer = await gw.connect({ token: guest.token });
  await writer.subscribe(pageId);
  const joined = await reader.next('user_joined');
  expect(joined.params).toMatchObject({ page_id: pageId, user: { id: guest.userId, name: 'Ann' }, count: 2 });
  const res = await api.call({
    method: 'POST',
    url: '/v1/comments',
    token: guest.token,
    payload: { page_url: url, content: 'hi' },
  });
  expect(res.statusCode).toBe(201);
  const created = await reader.next('new_comment');
  expect(created.params.comment.t).toBe('hi');
  expect(created.params.event_id).toMatch(/^\d+-\d+$/);
  writer.send('typing', { page_id: pageId });
  expect((await reader.next('typing')).params.user.name).toBe('Ann');
  writer.close();
  expect((await reader.next('user_left')).params).toMatchObject({ user_id: guest.userId, count: 1 });
});
