import { startTestApi, type TestApi } from '@threadkit/testing';
import { afterAll, beforeAll, expect, it } from 'vitest';

/** A primary that refuses writes while no replica is in touch (min-replicas-to-write) makes the API say 503, not 500. */

let api: TestApi;

beforeAll(async () => {
  api = await startTestApi();
});
afterAll(async () => {
  await api?.stop();
});

it('answers 503 unavailable while Redis refuses writes for want of replicas, then serves again', async () => {
  const { token } = await api.guest('Ann');
  const url = 'https://blog.example.com/no-replicas';
  await api.redis.call('CONFIG', 'SET', 'min-replicas-to-write', '1');
  try {
    const post = await api.call({
      method: 'POST',
      url: '/v1/comments',
      token,
      payload: { page_url: url, content: 'hi' },
    });
    expect(post.statusCode, post.body).toBe(503);
    expect(post.json().code).toBe('unavailable');
  } finally {
    await api.redis.call('CONFIG', 'SET', 'min-replicas-to-write', '0');
  }
  const post = await api.call({
    method: 'POST',
    url: '/v1/comments',
    token,
    payload: { page_url: url, content: 'hi' },
  });
  expect(post.statusCode).toBe(201);
});
