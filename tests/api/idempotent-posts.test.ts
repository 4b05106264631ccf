import { keys } from '@threadkit/core';
import { startTestApi, type TestApi } from '@threadkit/testing';
import { afterAll, beforeAll, expect, it } from 'vitest';

/**
 * A post retried with the same `Idempotency-Key` (after a timeout, a 503 in a
 * failover, a dropped connection) is stored once: the retry answers the
 * comment the first attempt stored.
 */
let api: TestApi;

beforeAll(async () => {
  api = await startTestApi();
});
afterAll(async () => {
  await api?.stop();
});

const post = (token: string, payload: Record<string, unknown>, key?: string) =>
  api.call({
    method: 'POST',
    url: '/v1/comments',
    token,
    payload,
    ...(key === undefined ? {} : { headers: { 'idempotency-key': key } }),
  });

const rootsOf = async (pageKey: string) => {
  const response = await api.call({ method: 'GET', url: `/v1/comments?page_key=${pageKey}` });
  expect(response.statusCode, response.body).toBe(200);
  return response.json() as { tree: { comments: { i: string }[] }; total: number };
};

it('stores a retried post once and answers the first comment again, marked as replayed', async () => {
  const guest = await api.guest('Retrier');
  const payload = { page_key: 'retried', content: 'Said once' };
  const first = await post(guest.token, payload, 'c3f1a0de-retry-1');
  expect(first.statusCode, first.body).toBe(201);
  expect(first.headers['idempotent-replayed']).toBeUndefined();
  const again = await post(guest.token, payload, 'c3f1a0de-retry-1');
  expect(again.statusCode, again.body).toBe(201);
  expect(again.headers['idempotent-replayed']).toBe('true');
  expect(again.json().comment).toEqual(first.json().comment);

  const thread = await rootsOf('retried');
  expect(thread.total).toBe(1);
  expect(thread.tree.comments.map((c) => c.i)).toEqual([first.json().comment.i]);
  // Remembered for a day, under the commenter.
  const ttl = await api.redis.ttl(keys.postOnce(api.site.id, guest.userId, 'c3f1a0de-retry-1'));
  expect(ttl).toBeGreaterThan(86_000);
  expect(ttl).toBeLessThanOrEqual(86_400);
});

it('stores one comment when the same post arrives many times at once', async () => {
  const guest = await api.guest('Racer');
  const payload = { page_key: 'raced', content: 'Only one of me' };
  const answers = await Promise.all(Array.from({ length: 8 }, () => post(guest.token, payload, 'race-key')));
  for (const answer of answers) expect(answer.statusCode, answer.body).toBe(201);
  const ids = new Set(answers.map((answer) => answer.json().comment.i));
  expect(ids.size).toBe(1);
  expect(answers.filter((answer) => answer.headers['idempotent-replayed'] === 'true')).toHaveLength(7);
  expect((await rootsOf('raced')).total).toBe(1);
});

it('refuses a key reused for a different comment, and keeps keys apart per commenter', async () => {
  const one = await api.guest('One');
  const other = await api.guest('Other');
  expect(
    (await post(one.token, { page_key: 'reused', content: 'First text' }, 'shared-key')).statusCode,
  ).toBe(201);
  const changed = await post(one.token, { page_key: 'reused', content: 'Other text' }, 'shared-key');
  expect(changed.statusCode).toBe(409);
  expect(changed.json().code).toBe('conflict');
  const elsewhere = await post(
    one.token,
    { page_key: 'reused-elsewhere', content: 'First text' },
    'shared-key',
  );
  expect(elsewhere.statusCode).toBe(409);

  // Another commenter's identical key is theirs: their own comment.
  const theirs = await post(other.token, { page_key: 'reused', content: 'First text' }, 'shared-key');
  expect(theirs.statusCode).toBe(201);
  expect(theirs.headers['idempotent-replayed']).toBeUndefined();
  expect((await rootsOf('reused')).total).toBe(2);
  // Without a key, the same text posted twice is two comments, as before.
  expect((await post(other.token, { page_key: 'reused', content: 'First text' })).statusCode).toBe(201);
  expect((await rootsOf('reused')).total).toBe(3);
});

it('replays a held comment as its author sees it, and a reply under its parent', async () => {
  const guest = await api.guest('Linker');
  const links = Array.from({ length: 6 }, (_, i) => `https://l${i}.example`).join(' ');
  const held = await post(guest.token, { page_key: 'held-retry', content: `Links ${links}` }, 'held-1');
  expect(held.statusCode, held.body).toBe(201);
  expect(held.json().comment.s).toBe('pending');
  const replay = await post(guest.token, { page_key: 'held-retry', content: `Links ${links}` }, 'held-1');
  expect(replay.json().comment).toEqual(held.json().comment);

  const root = await post(guest.token, { page_key: 'reply-retry', content: 'Root' });
  const parentId = root.json().comment.i as string;
  const reply = { page_key: 'reply-retry', content: 'A reply', parent_id: parentId };
  const first = await post(guest.token, reply, 'reply-1');
  const again = await post(guest.token, reply, 'reply-1');
  expect(again.json().comment.pid).toBe(parentId);
  expect(again.json().comment.i).toBe(first.json().comment.i);
  // A reply to another parent with the same key is a different comment.
  expect(
    (await post(guest.token, { ...reply, parent_id: first.json().comment.i }, 'reply-1')).statusCode,
  ).toBe(409);
});

it('takes printable ASCII keys up to 255 characters and allows the header in CORS', async () => {
  const guest = await api.guest('Picky');
  const payload = { page_key: 'bad-keys', content: 'Hi' };
  expect((await post(guest.token, payload, 'has space')).statusCode).toBe(400);
  expect((await post(guest.token, payload, 'x'.repeat(256))).statusCode).toBe(400);
  expect((await post(guest.token, payload, 'x'.repeat(255))).statusCode).toBe(201);

  const preflight = await api.call({
    method: 'OPTIONS',
    url: '/v1/comments',
    headers: {
      'access-control-request-method': 'POST',
      'access-control-request-headers': 'authorization, content-type, idempotency-key',
    },
  });
  expect(String(preflight.headers['access-control-allow-headers'])).toContain('idempotency-key');
  const replayed = await post(guest.token, payload, 'x'.repeat(255));
  expect(String(replayed.headers['access-control-expose-headers'])).toContain('idempotent-replayed');
});
