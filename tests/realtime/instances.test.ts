import { resolvePage } from '@threadkit/core';
import {
  cliEnv,
  killCliChildren,
  launchCli,
  startTestApi,
  startTestGateway,
  TEST_ORIGIN,
  type TestApi,
  type TestGateway,
  TestSocket,
} from '@threadkit/testing';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * Several HTTP and WebSocket instances on one Redis, meeting only there: what
 * one instance publishes reaches every other's clients, presence agrees, and a
 * crashed instance's readers leave presence by themselves.
 */

let api: TestApi;
let secondHttp: FastifyInstance;
let gwA: TestGateway;
let gwB: TestGateway;
let seq = 0;

beforeAll(async () => {
  // Presence entries last 3 s: heartbeats every second.
  api = await startTestApi({ env: { WS_PRESENCE_TTL: '3' } });
  secondHttp = await api.secondInstance();
  gwA = await startTestGateway(api);
  gwB = await startTestGateway(api);
});
afterAll(async () => {
  killCliChildren();
  await gwA?.close();
  await gwB?.close();
  await api?.stop();
});

function newPage() {
  const url = `https://blog.example.com/instances-${++seq}`;
  return { url, id: resolvePage(api.site.id, { page_url: url }).id };
}

async function watcher(gw: TestGateway, pageId: string, token?: string) {
  const socket = await gw.connect(token ? { token } : {});
  await socket.next('connected');
  const presence = await socket.subscribe(pageId);
  return { socket, presence };
}

describe('two HTTP and two WebSocket instances', () => {
  it('deliver a comment posted through either HTTP instance to the clients of both gateways', async () => {
    const page = newPage();
    const guest = await api.guest('Ann');
    const onA = (await watcher(gwA, page.id)).socket;
    const onB = (await watcher(gwB, page.id)).socket;
    for (const app of [api.app, secondHttp]) {
      const response = await app.inject({
        method: 'POST',
        url: '/v1/comments',
        headers: {
          projectid: api.site.publicKey,
          origin: TEST_ORIGIN,
          authorization: `Bearer ${guest.token}`,
        },
        payload: { page_url: page.url, content: `via ${app === api.app ? 'one' : 'two'}` },
      });
      expect(response.statusCode, response.body).toBe(201);
    }
    for (const socket of [onA, onB]) {
      expect((await socket.next('new_comment')).params.comment.t).toBe('via one');
      expect((await socket.next('new_comment')).params.comment.t).toBe('via two');
    }
    // Each event arrived once, with the same id on both instances.
    const ids = (s: TestSocket) =>
      s.received.filter((m) => m.method === 'new_comment').map((m) => m.params.event_id);
    expect(ids(onA)).toEqual(ids(onB));
    expect(ids(onA)).toHaveLength(2);
    onA.close();
    onB.close();
  });

  it('agree on presence: joins, leaves and counts cross instances', async () => {
    const page = newPage();
    const [ann, bob] = [await api.guest('Ann'), await api.guest('Bob')];
    const readerA = await watcher(gwA, page.id);
    const readerB = await watcher(gwB, page.id);
    expect(readerB.presence.params.count).toBe(2);

    const annA = await watcher(gwA, page.id, ann.token);
    expect((await readerB.socket.next('user_joined')).params).toMatchObject({
      user: { id: ann.userId },
      count: 3,
    });
    // Ann's second tab lands on the other instance: still one Ann.
    const annB = await watcher(gwB, page.id, ann.token);
    expect(annB.presence.params.count).toBe(3);
    const bobB = await watcher(gwB, page.id, bob.token);
    expect((await readerA.socket.next('user_joined', (p) => p.user.id === bob.userId)).params.count).toBe(4);

    const names = (p: { users: { name: string }[] }) => p.users.map((u) => u.name).sort();
    const fromA = await watcher(gwA, page.id);
    const fromB = await watcher(gwB, page.id);
    expect(fromA.presence.params.count).toBe(5);
    expect(fromB.presence.params.count).toBe(6);
    // Anonymous arrivals are not announced one by one: heartbeats bring every instance's clients the count.
    await fromA.socket.next('presence', (p) => p.count === 6);
    await readerB.socket.next('presence', (p) => p.count === 6);
    expect(names(fromA.presence.params as never)).toEqual(['Ann', 'Bob']);
    expect(names(fromB.presence.params as never)).toEqual(['Ann', 'Bob']);

    // Ann leaves on A but is still on B: nobody hears she left.
    annA.socket.close();
    await annA.socket.closed;
    bobB.socket.close();
    expect((await readerA.socket.next('user_left')).params).toMatchObject({ user_id: bob.userId });
    expect(readerA.socket.take('user_left')).toEqual([]);
    annB.socket.close();
    expect((await readerA.socket.next('user_left')).params).toMatchObject({ user_id: ann.userId });
    expect((await readerB.socket.next('user_left', (p) => p.user_id === ann.userId)).params.count).toBe(4);
    for (const s of [readerA, readerB, fromA, fromB]) s.socket.close();
  });

  it("drops a crashed instance's readers from presence within its TTL", async () => {
    const page = newPage();
    const ann = await api.guest('Ann');
    const observer = await watcher(gwA, page.id);
    const doomed = launchCli(
      ['start', 'ws'],
      await cliEnv({
        REDIS_URL: api.backend.server!.url,
        THREADKIT_PUBLIC_KEY: api.site.publicKey,
        THREADKIT_SECRET_KEY: api.site.secretKey,
        THREADKIT_ALLOWED_ORIGINS: TEST_ORIGIN,
        WS_PRESENCE_TTL: '3',
      }),
    );
    const url = (await doomed.waitFor(/Live updates \(WebSocket\): (ws:\/\/\S+)\/ws/))[1]!;
    const annThere = await TestSocket.open(url, { projectId: api.site.publicKey, token: ann.token });
    await annThere.subscribe(page.id);
    const anonThere = await TestSocket.open(url, { projectId: api.site.publicKey });
    await anonThere.subscribe(page.id);
    expect((await observer.socket.next('user_joined')).params.user.id).toBe(ann.userId);
    await observer.socket.next('presence', (p) => p.count === 3, 5000);

    doomed.child.kill('SIGKILL');
    await doomed.exited;
    // Gone after the 3 s TTL and a heartbeat of the surviving instance, far inside a minute.
    expect((await observer.socket.next('user_left', () => true, 10_000)).params.user_id).toBe(ann.userId);
    await observer.socket.next('presence', (p) => p.count === 1, 10_000);
    observer.socket.close();
  });
});
