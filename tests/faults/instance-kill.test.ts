import { fileURLToPath } from 'node:url';
import { resolvePage } from '@threadkit/core';
import { eventually, type RedisServerHandle, startRedis, TestSocket } from '@threadkit/testing';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { generateKeys, ORIGIN, type ServerProcess, startServer } from '../../bench/lib.js';
import { ApiClient, type Guest } from '../../bench/seed.js';
import { steadyPosts } from './post-load.js';

/**
 * Two HTTP API processes and two gateway processes on one Redis; one of each is
 * killed with SIGKILL under load. The client sends to the other API when one
 * does not answer, and a reader of the dead gateway reconnects to the other
 * with its last event id and gets every comment posted meanwhile, each once.
 */

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

let redis: RedisServerHandle;
const servers: ServerProcess[] = [];
const keys = generateKeys();
let guests: Guest[];
let siteId: string;

beforeAll(async () => {
  redis = await startRedis({ appendonly: true });
  // One after the other: the first creates the site, the others find it.
  for (const part of ['http', 'http', 'ws', 'ws'] as const)
    servers.push(await startServer({ root: ROOT, redisUrl: redis.url, ...keys, part }));
  const api = new ApiClient(servers[0]!.baseUrl, keys.publicKey);
  guests = await Promise.all(Array.from({ length: 4 }, (_, i) => api.guest(`Writer ${i}`)));
  siteId = JSON.parse(Buffer.from(guests[0]!.token.split('.')[1]!, 'base64url').toString()).site_id;
});
afterAll(async () => {
  await Promise.all(servers.map((s) => s.stop()));
  await redis?.stop();
});

const killed = (server: ServerProcess) =>
  eventually(
    `pid ${server.pid} to exit`,
    async () => {
      try {
        process.kill(server.pid, 0);
        return false;
      } catch {
        return true;
      }
    },
    (gone) => gone,
  );

it('keeps serving posts when one of two API processes is killed', async () => {
  const [first, second] = servers as [ServerProcess, ServerProcess];
  const load = steadyPosts({
    baseUrls: [first.baseUrl, second.baseUrl],
    publicKey: keys.publicKey,
    guests,
    perSecond: 40,
    clientTimeoutMs: 15_000,
    pagePrefix: 'https://bench.local/api-kill',
  });
  await eventually(
    'posts on both',
    async () => load.outcomes.length,
    (n) => n >= 40,
    20_000,
  );
  process.kill(first.pid, 'SIGKILL');
  await killed(first);
  const killedAt = load.now();
  await eventually(
    'posts after the kill',
    async () => load.outcomes.filter((o) => o.sentAt > killedAt).length,
    (n) => n >= 40,
    20_000,
  );
  const outcomes = await load.stop();
  // Every post got its 201, from the survivor when the first did not answer.
  expect(outcomes.filter((o) => o.status !== 201)).toEqual([]);
  expect(outcomes.filter((o) => o.sentAt > killedAt).every((o) => o.baseUrl === second.baseUrl)).toBe(true);
  expect((await fetch(`${second.baseUrl}/health`)).status).toBe(200);
}, 60_000);

it('resyncs a reader of a killed gateway on the other one, without a gap or a duplicate', async () => {
  const api = servers[1]!;
  const [gatewayA, gatewayB] = [servers[2]!, servers[3]!];
  const pageUrl = 'https://bench.local/gateway-kill';
  const pageId = resolvePage(siteId, { page_url: pageUrl }).id;
  const reader = await TestSocket.open(gatewayA.wsUrl, { projectId: keys.publicKey, origin: ORIGIN });
  await reader.next('connected');
  await reader.subscribe(pageId);

  const load = steadyPosts({
    baseUrls: [api.baseUrl],
    publicKey: keys.publicKey,
    guests,
    perSecond: 40,
    clientTimeoutMs: 15_000,
    pagePrefix: pageUrl,
    samePage: true,
  });
  await eventually(
    'live events before the kill',
    async () => reader.received.length,
    (n) => n >= 30,
    20_000,
  );
  process.kill(gatewayA.pid, 'SIGKILL');
  await reader.closed;
  const lastSeen = reader.received.filter((m) => m.method === 'new_comment').at(-1)!.params
    .event_id as string;

  // Posts go on while the reader is away; it comes back on the other gateway from its last event.
  const goneAt = load.now();
  await eventually(
    'posts while the reader is away',
    async () => load.acknowledged(goneAt),
    (n) => n >= 10,
  );
  const again = await TestSocket.open(gatewayB.wsUrl, { projectId: keys.publicKey, origin: ORIGIN });
  await again.next('connected');
  const newComments = () => [...reader.received, ...again.received].filter((m) => m.method === 'new_comment');
  again.send('subscribe', { page_id: pageId, since: lastSeen });
  await again.next('presence');
  const backAt = load.now();
  await eventually(
    'posts after the reconnect',
    async () => load.acknowledged(backAt),
    (n) => n >= 20,
    20_000,
  );
  const outcomes = await load.stop();
  const posted = outcomes.filter((o) => o.status === 201).map((o) => o.commentId!);
  await eventually(
    'every posted comment to arrive',
    async () => new Set(newComments().map((m) => m.params.comment.i)).size,
    (n) => n >= posted.length,
  );

  const ids = newComments().map((m) => m.params.comment.i as string);
  expect(outcomes.filter((o) => o.status !== 201)).toEqual([]);
  expect(new Set(ids)).toEqual(new Set(posted));
  expect(ids.length).toBe(new Set(ids).size);
  const replayed = outcomes.filter((o) => o.sentAt > goneAt && o.doneAt < backAt).length;
  console.info(`gateway kill: ${posted.length} comments, at least ${replayed} replayed on the other gateway`);
  again.close();
}, 60_000);
