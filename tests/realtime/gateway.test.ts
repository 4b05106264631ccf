import { resolvePage, serverMessage } from '@threadkit/core';
import {
  eventually,
  RefusedHandshake,
  startTestApi,
  startTestGateway,
  type TestApi,
  type TestGateway,
  type TestSocket,
} from '@threadkit/testing';
import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/** The real-time gateway against a real Redis, with real WebSocket clients. */

let api: TestApi;
let gw: TestGateway;
let seq = 0;
const PASSWORD = 'correct horse battery staple';

beforeAll(async () => {
  api = await startTestApi({ env: { WS_MAX_MESSAGES_PER_SECOND: '20', WS_MAX_SUBSCRIPTIONS: '3' } });
  gw = await startTestGateway(api, { sessionCheckMs: 100, heartbeatMs: 200 });
});
afterAll(async () => {
  await gw?.close();
  await api?.stop();
});

interface Person {
  id: string;
  token: string;
  name: string;
}

function newPage(): { url: string; id: string } {
  const url = `https://blog.example.com/live-${++seq}`;
  return { url, id: resolvePage(api.site.id, { page_url: url }).id };
}

async function account(name: string): Promise<Person> {
  const response = await api.call({
    method: 'POST',
    url: '/v1/auth/register',
    payload: { name, email: `${name.toLowerCase()}-${++seq}@example.com`, password: PASSWORD },
  });
  expect(response.statusCode, response.body).toBe(201);
  return { id: response.json().user.id, token: response.json().token, name };
}

async function moderator(name: string): Promise<Person> {
  const person = await account(name);
  await api.promote(person.id, 'moderator');
  return person;
}

async function call(token: string, options: InjectOptions) {
  const response = await api.call({ ...options, token });
  expect(response.statusCode, response.body).toBeLessThan(300);
  return response.statusCode === 204 ? null : response.json();
}

/** Runs `test` with the site in pre-moderation, and puts it back after. */
async function underPreModeration(test: () => Promise<void>) {
  await api.context.sites.setSetting(api.site.id, 'moderation', 'pre');
  try {
    await test();
  } finally {
    await api.context.sites.setSetting(api.site.id, 'moderation', 'none');
  }
}

async function post(token: string, url: string, content: string, parentId?: string) {
  const body = await call(token, {
    method: 'POST',
    url: '/v1/comments',
    payload: { page_url: url, content, ...(parentId ? { parent_id: parentId } : {}) },
  });
  return body.comment as { i: string; s: string };
}

/** A connected client subscribed to the page, with its `connected` and `presence` taken. */
async function watcher(pageId: string, token?: string): Promise<TestSocket> {
  const socket = await gw.connect(token ? { token } : {});
  await socket.next('connected');
  await socket.subscribe(pageId);
  return socket;
}

describe('handshake', () => {
  it('greets anonymous readers and signed-in users with their id and the server time', async () => {
    const reader = await gw.connect();
    const hello = await reader.next('connected');
    expect(hello.params.user_id).toBeNull();
    expect(Math.abs(hello.params.server_time - Date.now())).toBeLessThan(5000);
    const ann = await account('Ann');
    const signedIn = await gw.connect({ token: ann.token });
    expect((await signedIn.next('connected')).params.user_id).toBe(ann.id);
    reader.close();
    signedIn.close();
  });

  it('refuses a missing or unknown key, a secret key and a foreign origin with an HTTP status', async () => {
    const refused = async (options: Parameters<TestGateway['connect']>[0]) => {
      const error = await gw.connect(options).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RefusedHandshake);
      return {
        status: (error as RefusedHandshake).status,
        body: JSON.parse((error as RefusedHandshake).body),
      };
    };
    expect(await refused({ projectId: '' })).toMatchObject({ status: 401, body: { code: 'unauthorized' } });
    expect(await refused({ projectId: 'tk_pub_unknown0000000000000000' })).toMatchObject({ status: 401 });
    expect(await refused({ projectId: api.site.secretKey })).toMatchObject({
      status: 403,
      body: { code: 'forbidden' },
    });
    expect(await refused({ origin: 'https://evil.example.net' })).toMatchObject({
      status: 403,
      body: { code: 'origin_not_allowed' },
    });
    expect(await refused({ origin: null })).toMatchObject({ status: 403 });
  });

  it('tells a client with a bad token why, then closes with 4001', async () => {
    const socket = await gw.connect({ token: 'not-a-token' });
    expect((await socket.next('error')).params.code).toBe('unauthorized');
    expect((await socket.closed).code).toBe(4001);
  });

  it('answers plain HTTP on /ws with 426, and serves /health and /metrics', async () => {
    const base = gw.url.replace('ws://', 'http://');
    const plain = await fetch(`${base}/ws`);
    expect(plain.status).toBe(426);
    expect(await plain.json()).toEqual({
      error: 'Connect with a WebSocket client.',
      code: 'upgrade_required',
    });
    expect(await (await fetch(`${base}/health`)).json()).toEqual({ status: 'ok' });
    const metrics = await (await fetch(`${base}/metrics`)).text();
    for (const name of [
      'threadkit_ws_connections',
      'threadkit_ws_connections_total',
      'threadkit_ws_messages_received_total',
      'threadkit_ws_messages_sent_total',
      'threadkit_ws_page_channels',
      'threadkit_ws_fanout_seconds_bucket',
      'threadkit_process_resident_memory_bytes',
    ]) {
      expect(metrics).toContain(name);
    }
  });
});

describe('page events', () => {
  it('relays new, edited, deleted, voted and pinned comments to every subscriber, with event ids', async () => {
    const page = newPage();
    const [ann, mod] = [await account('Ann'), await moderator('Mo')];
    const reader = await watcher(page.id);
    const comment = await post(ann.token, page.url, 'First!');

    const created = await reader.next('new_comment');
    expect(created.params).toMatchObject({ page_id: page.id, comment: { i: comment.i, t: 'First!' } });
    expect(created.params.event_id).toMatch(/^\d+-\d+$/);

    await call(ann.token, {
      method: 'PUT',
      url: `/v1/comments/${comment.i}`,
      payload: { content: 'First, *edited*' },
    });
    expect((await reader.next('edit_comment')).params).toMatchObject({
      page_id: page.id,
      comment_id: comment.i,
      content: 'First, *edited*',
      content_html: '<p>First, <em>edited</em></p>',
    });

    await call(mod.token, {
      method: 'POST',
      url: `/v1/comments/${comment.i}/vote`,
      payload: { direction: 'up' },
    });
    expect((await reader.next('vote_update')).params).toMatchObject({
      comment_id: comment.i,
      upvotes: 1,
      downvotes: 0,
    });

    await call(mod.token, { method: 'POST', url: `/v1/comments/${comment.i}/pin` });
    expect((await reader.next('pin_update')).params).toMatchObject({ comment_id: comment.i, pinned: true });

    await call(ann.token, { method: 'DELETE', url: `/v1/comments/${comment.i}` });
    expect((await reader.next('delete_comment')).params).toMatchObject({
      page_id: page.id,
      comment_id: comment.i,
    });

    // Event ids grow in the order the events happened.
    const ids = reader.received.filter((m) => m.params.event_id).map((m) => m.params.event_id as string);
    expect(ids).toHaveLength(5);
    expect([...ids].sort(compareIds)).toEqual(ids);

    // A moderator's comment carries its role badge live, as in a read.
    await post(mod.token, page.url, 'House rules');
    expect((await reader.next('new_comment')).params.comment).toMatchObject({
      t: 'House rules',
      ro: 'moderator',
    });
    reader.close();
  });

  it('only sends a page its own events, and stops after unsubscribe', async () => {
    const [one, two] = [newPage(), newPage()];
    const ann = await account('Ann');
    const reader = await watcher(one.id);
    await post(ann.token, two.url, 'elsewhere');
    await post(ann.token, one.url, 'here');
    expect((await reader.next('new_comment')).params.comment.t).toBe('here');
    reader.send('unsubscribe', { page_id: one.id });
    reader.send('ping');
    await reader.next('pong');
    await post(ann.token, one.url, 'after');
    // A later event on a page still watched proves the earlier one was not coming.
    await reader.subscribe(two.id);
    await post(ann.token, two.url, 'marker');
    expect((await reader.next('new_comment')).params.comment.t).toBe('marker');
    expect(reader.take('new_comment')).toEqual([]);
    reader.close();
  });

  it('shows pending comments only to their author and moderators', async () => {
    await underPreModeration(async () => {
      const page = newPage();
      const [author, mod, other] = [await account('Pat'), await moderator('Mia'), await account('Oli')];
      const [authorSocket, modSocket, otherSocket, anonSocket] = [
        await watcher(page.id, author.token),
        await watcher(page.id, mod.token),
        await watcher(page.id, other.token),
        await watcher(page.id),
      ];
      const held = await post(author.token, page.url, 'let me in');
      expect(held.s).toBe('pending');
      expect((await authorSocket.next('new_comment')).params.comment.s).toBe('pending');
      expect((await modSocket.next('new_comment')).params.comment.s).toBe('pending');

      await call(mod.token, { method: 'POST', url: `/v1/moderation/approve/${held.i}` });
      for (const socket of [otherSocket, anonSocket, authorSocket, modSocket]) {
        expect((await socket.next('new_comment')).params.comment).toMatchObject({ i: held.i, s: 'approved' });
      }
      // The others saw only the approval.
      expect(otherSocket.received.filter((m) => m.method === 'new_comment')).toHaveLength(1);
      expect(anonSocket.received.filter((m) => m.method === 'new_comment')).toHaveLength(1);
      for (const s of [authorSocket, modSocket, otherSocket, anonSocket]) s.close();
    });
  });

  it("keeps a shadow-banned user's comments and typing to themselves and moderators", async () => {
    const page = newPage();
    const [sneaky, mod, other] = [await account('Sly'), await moderator('Max'), await account('Ola')];
    await call(mod.token, { method: 'POST', url: `/v1/moderation/shadowban/${sneaky.id}` });
    const [sneakySocket, modSocket, otherSocket] = [
      await watcher(page.id, sneaky.token),
      await watcher(page.id, mod.token),
      await watcher(page.id, other.token),
    ];
    // The gateway learns of the shadow-ban when it checks the session (or at connect).
    await post(sneaky.token, page.url, 'nobody hears me');
    expect((await sneakySocket.next('new_comment')).params.comment.t).toBe('nobody hears me');
    expect((await modSocket.next('new_comment')).params.comment.t).toBe('nobody hears me');
    sneakySocket.send('typing', { page_id: page.id });
    expect((await modSocket.next('typing')).params.user.id).toBe(sneaky.id);

    await post(other.token, page.url, 'marker');
    expect((await otherSocket.next('new_comment')).params.comment.t).toBe('marker');
    expect(otherSocket.take('new_comment')).toEqual([]);
    expect(otherSocket.take('typing')).toEqual([]);
    for (const s of [sneakySocket, modSocket, otherSocket]) s.close();
  });
});

describe('visibility of later events', () => {
  it("keeps the approval, votes and deletion of a shadow-banned user's comment from other readers", async () => {
    await underPreModeration(async () => {
      const page = newPage();
      const [sneaky, mod, other] = [await account('Sid'), await moderator('Mona'), await account('Olga')];
      await call(mod.token, { method: 'POST', url: `/v1/moderation/shadowban/${sneaky.id}` });
      const [modSocket, otherSocket] = [
        await watcher(page.id, mod.token),
        await watcher(page.id, other.token),
      ];
      const held = await post(sneaky.token, page.url, 'hidden twice');
      await modSocket.next('new_comment');
      await call(mod.token, { method: 'POST', url: `/v1/moderation/approve/${held.i}` });
      expect((await modSocket.next('new_comment')).params.comment).toMatchObject({
        i: held.i,
        s: 'approved',
      });
      await call(mod.token, {
        method: 'POST',
        url: `/v1/comments/${held.i}/vote`,
        payload: { direction: 'up' },
      });
      await modSocket.next('vote_update');
      await call(mod.token, { method: 'DELETE', url: `/v1/comments/${held.i}` });
      await modSocket.next('delete_comment');

      await post(other.token, page.url, 'marker');
      expect((await otherSocket.next('new_comment')).params.comment.t).toBe('marker');
      expect(
        otherSocket.received.map((m) => m.method).filter((m) => m !== 'presence' && m !== 'connected'),
      ).toEqual(['new_comment']);
      modSocket.close();
      otherSocket.close();
    });
  });
});

describe('notifications', () => {
  it("sends a reply's notification to the parent's author only, on each of their connections", async () => {
    const page = newPage();
    const [ann, bob] = [await account('Ann'), await account('Bob')];
    const annTabs = [await gw.connect({ token: ann.token }), await gw.connect({ token: ann.token })];
    const bobSocket = await gw.connect({ token: bob.token });
    for (const s of [...annTabs, bobSocket]) await s.next('connected');
    const parent = await post(ann.token, page.url, 'question?');
    await post(bob.token, page.url, 'answer!', parent.i);
    for (const tab of annTabs) {
      expect((await tab.next('notification')).params).toMatchObject({
        type: 'reply',
        comment_id: expect.any(String),
      });
    }
    bobSocket.send('ping');
    await bobSocket.next('pong');
    expect(bobSocket.take('notification')).toEqual([]);
    for (const s of [...annTabs, bobSocket]) s.close();
  });
});

describe('presence', () => {
  it('counts anonymous readers, lists users once however many tabs, and announces joins and leaves', async () => {
    const page = newPage();
    const ann = await account('Ann');
    const first = await gw.connect();
    await first.next('connected');
    expect((await first.subscribe(page.id)).params).toEqual({ page_id: page.id, users: [], count: 1 });
    const second = await watcher(page.id);

    const tab1 = await gw.connect({ token: ann.token });
    const snapshot = await tab1.subscribe(page.id);
    expect(snapshot.params).toEqual({
      page_id: page.id,
      users: [{ id: ann.id, name: 'Ann', avatar_url: null }],
      count: 3,
    });
    expect((await first.next('user_joined')).params).toEqual({
      page_id: page.id,
      user: { id: ann.id, name: 'Ann', avatar_url: null },
      count: 3,
    });

    const tab2 = await gw.connect({ token: ann.token });
    expect((await tab2.subscribe(page.id)).params.count).toBe(3);
    tab2.close();
    await tab2.closed;
    // Ann is still here in her first tab: no user_left.
    second.close();
    await eventuallyPresence(first, page.id, 2);
    expect(first.take('user_left')).toEqual([]);

    tab1.close();
    expect((await first.next('user_left')).params).toEqual({ page_id: page.id, user_id: ann.id, count: 1 });
    first.close();
  });
});

describe('typing', () => {
  it("relays typing to the page's other clients, not the typist's own, at most every 2 s", async () => {
    const page = newPage();
    const ann = await account('Ann');
    const [typist, otherTab, reader] = [
      await watcher(page.id, ann.token),
      await watcher(page.id, ann.token),
      await watcher(page.id),
    ];
    typist.send('typing', { page_id: page.id, reply_to: 'c1' });
    expect((await reader.next('typing')).params).toEqual({
      page_id: page.id,
      user: { id: ann.id, name: 'Ann', avatar_url: null },
      reply_to: 'c1',
    });
    typist.send('typing', { page_id: page.id });
    typist.send('ping');
    await typist.next('pong');
    reader.send('ping');
    await reader.next('pong');
    expect(reader.take('typing')).toEqual([]);
    expect(otherTab.take('typing')).toEqual([]);
    expect(typist.take('typing')).toEqual([]);
    for (const s of [typist, otherTab, reader]) s.close();
  });

  it('needs a signed-in user and a subscription', async () => {
    const page = newPage();
    const anonymous = await watcher(page.id);
    anonymous.send('typing', { page_id: page.id });
    expect((await anonymous.next('error')).params.code).toBe('unauthorized');
    const ann = await account('Ann');
    const socket = await gw.connect({ token: ann.token });
    socket.send('typing', { page_id: page.id });
    expect((await socket.next('error')).params).toMatchObject({ code: 'invalid_params' });
    anonymous.close();
    socket.close();
  });
});

describe('resync', () => {
  it('sends exactly the events missed since the last event id, then live ones', async () => {
    const page = newPage();
    const ann = await account('Ann');
    const first = await watcher(page.id);
    await post(ann.token, page.url, 'one');
    const seen = await first.next('new_comment');
    first.close();
    await post(ann.token, page.url, 'two');
    await post(ann.token, page.url, 'three');

    const again = await watcher(page.id);
    again.send('resync', { page_id: page.id, since: seen.params.event_id });
    expect((await again.next('new_comment')).params.comment.t).toBe('two');
    expect((await again.next('new_comment')).params.comment.t).toBe('three');
    await post(ann.token, page.url, 'four');
    expect((await again.next('new_comment')).params.comment.t).toBe('four');
    expect(again.take('new_comment')).toEqual([]);
    again.close();
  });

  it('replays by time too, keeps visibility rules, and says reset when the log does not reach back', async () => {
    await api.context.sites.setSetting(api.site.id, 'moderation', 'pre');
    const page = newPage();
    const ann = await account('Ann');
    const before = Date.now() - 1000;
    await post(ann.token, page.url, 'pending one');
    await api.context.sites.setSetting(api.site.id, 'moderation', 'none');
    await post(ann.token, page.url, 'public one');

    const reader = await watcher(page.id);
    reader.send('resync', { page_id: page.id, since: before });
    expect((await reader.next('new_comment')).params.comment.t).toBe('public one');
    const author = await watcher(page.id, ann.token);
    author.send('resync', { page_id: page.id, since: before });
    expect((await author.next('new_comment')).params.comment.t).toBe('pending one');
    expect((await author.next('new_comment')).params.comment.t).toBe('public one');

    reader.send('resync', { page_id: page.id, since: 0 });
    expect((await reader.next('reset')).params).toEqual({ page_id: page.id });
    reader.send('resync', { page_id: page.id, since: '1-0' });
    expect((await reader.next('reset')).params).toEqual({ page_id: page.id });
    expect(reader.take('new_comment')).toEqual([]);
    reader.close();
    author.close();
  });

  it('catches up in the subscribe itself with `since`, and never sends an event twice', async () => {
    const page = newPage();
    const ann = await account('Ann');
    const first = await watcher(page.id);
    await post(ann.token, page.url, 'one');
    const seen = await first.next('new_comment');
    first.close();
    await post(ann.token, page.url, 'two');

    const again = await gw.connect();
    await again.next('connected');
    again.send('subscribe', { page_id: page.id, since: seen.params.event_id });
    await again.next('presence');
    expect((await again.next('new_comment')).params.comment.t).toBe('two');
    // Live from here on; a resync afterwards sends none of what came live.
    await post(ann.token, page.url, 'three');
    expect((await again.next('new_comment')).params.comment.t).toBe('three');
    again.send('resync', { page_id: page.id, since: seen.params.event_id });
    again.send('ping');
    await again.next('pong');
    const texts = again.received.filter((m) => m.method === 'new_comment').map((m) => m.params.comment.t);
    expect(texts).toEqual(['two', 'three']);
    again.close();
  });

  it("relays a page's closing and reopening to its readers, and replays them on resync", async () => {
    const page = newPage();
    // Not "Mo" again: that name is a moderator's already.
    const mod = await moderator('Mel');
    const lock = (path: 'lock' | 'unlock') =>
      call(mod.token, { method: 'POST', url: `/v1/moderation/${path}`, payload: { page_url: page.url } });
    const first = await watcher(page.id);
    await lock('lock');
    const closed = await first.next('lock_update');
    expect(closed.params).toMatchObject({ page_id: page.id, locked: true });
    first.close();
    await lock('unlock');

    const again = await watcher(page.id);
    again.send('resync', { page_id: page.id, since: closed.params.event_id });
    expect((await again.next('lock_update')).params).toMatchObject({ page_id: page.id, locked: false });
    again.close();
  });

  it('needs a subscription to the page', async () => {
    const socket = await gw.connect();
    socket.send('resync', { page_id: newPage().id, since: 0 });
    expect((await socket.next('error')).params.code).toBe('invalid_params');
    socket.close();
  });
});

describe('protocol errors and limits', () => {
  it('answers bad messages with error codes and stays open', async () => {
    const socket = await gw.connect();
    socket.sendRaw('{not json');
    expect((await socket.next('error')).params.code).toBe('invalid_json');
    socket.sendRaw('[1,2]');
    expect((await socket.next('error')).params.code).toBe('invalid_json');
    socket.send('shout', {});
    expect((await socket.next('error')).params.code).toBe('invalid_method');
    socket.send('subscribe', { page_id: 'a:b*c' });
    expect((await socket.next('error')).params).toMatchObject({ code: 'invalid_params' });
    socket.send('subscribe', {});
    expect((await socket.next('error')).params.code).toBe('invalid_params');
    socket.send('resync', { page_id: 'p', since: 'yesterday' });
    expect((await socket.next('error')).params.code).toBe('invalid_params');
    socket.sendRaw(Buffer.from([1, 2, 3]));
    socket.send('ping');
    await socket.next('pong');
    socket.close();
  });

  it('refuses a `since` beyond what a log position can be with invalid_params, not a failure in Redis', async () => {
    const page = newPage();
    const socket = await gw.connect();
    await socket.next('connected');
    for (const since of [1e300, 2 ** 53, '9999999999999999-0', '0-9999999999999999']) {
      socket.send('subscribe', { page_id: page.id, since });
      expect((await socket.next('error')).params).toMatchObject({
        code: 'invalid_params',
        message: expect.stringContaining('since'),
      });
    }
    await socket.subscribe(page.id);
    socket.send('resync', { page_id: page.id, since: 1e300 });
    expect((await socket.next('error')).params.code).toBe('invalid_params');
    // The largest accepted values are answered as usual: nothing was missed since then.
    socket.send('resync', { page_id: page.id, since: Number.MAX_SAFE_INTEGER });
    socket.send('resync', { page_id: page.id, since: '999999999999999-999999999999999' });
    socket.send('ping');
    await socket.next('pong');
    expect(socket.take('error')).toEqual([]);
    socket.close();
  });

  it('limits subscriptions per connection', async () => {
    const socket = await gw.connect();
    for (let i = 0; i < 3; i++) await socket.subscribe(newPage().id);
    socket.send('subscribe', { page_id: newPage().id });
    expect((await socket.next('error')).params.code).toBe('subscription_limit');
    socket.close();
  });

  it('limits the message rate, then closes a client that keeps flooding', async () => {
    const socket = await gw.connect();
    for (let i = 0; i < 30; i++) socket.send('ping');
    expect((await socket.next('error')).params.code).toBe('rate_limited');
    expect(socket.received.filter((m) => m.method === 'error')).toHaveLength(1);
    for (let i = 0; i < 200; i++) socket.send('ping');
    expect((await socket.closed).code).toBe(1008);
  });

  it('closes a connection that sends an oversized message with 1009', async () => {
    const socket = await gw.connect();
    socket.sendRaw(JSON.stringify({ jsonrpc: '2.0', method: 'ping', params: { pad: 'x'.repeat(5000) } }));
    expect((await socket.closed).code).toBe(1009);
  });

  it('disconnects a client that stops reading instead of buffering without bound', async () => {
    const page = newPage();
    const slow = await watcher(page.id);
    const fast = await watcher(page.id);
    // The slow client stops reading: the kernel buffers fill, then the server's queue grows.
    (slow.ws as unknown as { _socket: { pause(): void } })._socket.pause();
    const big = 'x'.repeat(200_000);
    for (let i = 0; i < 150; i++) {
      await api.context.realtime.logPageEvent(
        api.site.id,
        page.id,
        { audience: { public: true } },
        serverMessage('edit_comment', {
          page_id: page.id,
          comment_id: String(i),
          content: big,
          content_html: big,
        }),
      );
    }
    await fast.next('edit_comment', (p) => p.comment_id === '149', 20_000);
    const metrics = await (await fetch(`${gw.url.replace('ws://', 'http://')}/metrics`)).text();
    expect(metrics).toMatch(/threadkit_ws_closed_by_server_total\{reason="slow_consumer"\} [1-9]/);
    fast.close();
  });
});

describe('liveness', () => {
  it('closes a connection that sends nothing for the idle timeout with 4000, and drops peers that stop answering pings', async () => {
    const strict = await startTestGateway(api, { ws: { idleTimeoutMs: 600, pingIntervalMs: 200 } });
    try {
      const quiet = await strict.connect();
      const chatty = await strict.connect();
      const dead = await strict.connect();
      // A peer whose socket stops reading never answers a ping.
      (dead.ws as unknown as { _socket: { pause(): void } })._socket.pause();
      const keepAlive = setInterval(() => chatty.send('ping'), 100);
      try {
        expect((await quiet.closed).code).toBe(4000);
        const metrics = async () => (await fetch(`${strict.url.replace('ws://', 'http://')}/metrics`)).text();
        await eventually('the dead peer to be dropped', metrics, (text) =>
          /threadkit_ws_closed_by_server_total\{reason="dead"\} 1/.test(text),
        );
        expect(chatty.ws.readyState).toBe(chatty.ws.OPEN);
      } finally {
        clearInterval(keepAlive);
      }
    } finally {
      await strict.close();
    }
  });
});

describe('sessions', () => {
  it('disconnects a connection within moments of its sign-out', async () => {
    const ann = await account('Ann');
    const socket = await gw.connect({ token: ann.token });
    await socket.next('connected');
    await call(ann.token, { method: 'POST', url: '/v1/auth/logout' });
    expect((await socket.next('error')).params.code).toBe('unauthorized');
    expect((await socket.closed).code).toBe(4001);
  });

  it('closes a banned user with 4003, and again when they come back', async () => {
    const [troll, mod] = [await account('Troll'), await moderator('Meg')];
    const socket = await gw.connect({ token: troll.token });
    await socket.next('connected');
    await call(mod.token, { method: 'POST', url: `/v1/moderation/ban/${troll.id}`, payload: {} });
    expect((await socket.closed).code).toBe(4003);
    const again = await gw.connect({ token: troll.token });
    expect((await again.next('error')).params.message).toMatch(/banned/);
    expect((await again.closed).code).toBe(4003);
  });

  it('notices a promotion: a new moderator starts seeing pending comments', async () => {
    await underPreModeration(async () => {
      const page = newPage();
      const [soon, author] = [await account('Sue'), await account('Al')];
      const socket = await watcher(page.id, soon.token);
      await api.promote(soon.id, 'moderator');
      // The role reaches the connection at a session check: post until a held comment arrives.
      let posted = 0;
      await expect
        .poll(
          async () => {
            await post(author.token, page.url, `for review ${++posted}`);
            return socket.received.some((m) => m.method === 'new_comment');
          },
          { interval: 100 },
        )
        .toBe(true);
      expect((await socket.next('new_comment')).params.comment.s).toBe('pending');
      socket.close();
    });
  });
});

describe('shutdown', () => {
  it('closes every client with 1001 and takes its readers out of presence', async () => {
    const other = await startTestGateway(api, { heartbeatMs: 200 });
    const page = newPage();
    const ann = await account('Ann');
    const stays = await watcher(page.id);
    const leaving = await other.connect({ token: ann.token });
    await leaving.subscribe(page.id);
    await stays.next('user_joined');
    await other.close();
    expect((await leaving.closed).code).toBe(1001);
    expect((await stays.next('user_left')).params).toMatchObject({ user_id: ann.id, count: 1 });
    stays.close();
  });
});

function compareIds(a: string, b: string): number {
  const [am, as] = a.split('-').map(Number) as [number, number];
  const [bm, bs] = b.split('-').map(Number) as [number, number];
  return am - bm || as - bs;
}

/** Asks for the page's presence again (a repeated subscribe changes nothing) until it has this count. */
async function eventuallyPresence(socket: TestSocket, pageId: string, count: number) {
  await eventually(
    `presence ${count} on the page`,
    async () => {
      socket.take('presence');
      socket.send('subscribe', { page_id: pageId });
      return (await socket.next('presence', (p) => p.page_id === pageId)).params.count;
    },
    (seen) => seen === count,
  );
}
