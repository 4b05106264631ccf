import { fileURLToPath } from 'node:url';
import {
  eventually,
  type RedisSentinelGroupHandle,
  sentinelEnvironment,
  startRedisSentinelGroup,
} from '@threadkit/testing';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { generateKeys, ORIGIN, type ServerProcess, startServer } from '../../bench/lib.js';
import { ApiClient, type Guest } from '../../bench/seed.js';
import { type HoldingProxy, startHoldingProxy } from './holding-proxy.js';

/**
 * The window asynchronous replication leaves: comments the primary acknowledged
 * but its replica had not received are gone after a failover. A proxy between
 * primary and replica holds replication back to open the window on purpose;
 * `WAIT` shows the primary knew those writes were on no replica.
 */

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

let proxy: HoldingProxy;
let group: RedisSentinelGroupHandle;
let server: ServerProcess;
const keys = generateKeys();
let api: ApiClient;
let guest: Guest;

beforeAll(async () => {
  group = await startRedisSentinelGroup({
    replicationPort: async (primaryPort) => {
      proxy = await startHoldingProxy(primaryPort);
      return proxy.port;
    },
  });
  server = await startServer({
    root: ROOT,
    redisUrl: '',
    ...keys,
    env: sentinelEnvironment(group),
  });
  api = new ApiClient(server.baseUrl, keys.publicKey);
  guest = await api.guest('Writer');
});
afterAll(async () => {
  await server?.stop();
  await group?.stop();
  await proxy?.close();
});

it('loses the acknowledged comments the replica had not received, which WAIT would have flagged', async () => {
  const pageUrl = 'https://bench.local/lag';
  const replicated: string[] = [];
  for (let i = 0; i < 10; i++) replicated.push((await api.comment(guest.token, pageUrl, `kept ${i}`)).id);
  const replica = group.nodes[1]!;
  const primary = new Redis(group.nodes[0]!.port, '127.0.0.1', { maxRetriesPerRequest: 0 });
  primary.on('error', () => {});
  // Wait until the replica has everything so far: a write with WAIT on a connection of its own.
  await primary.set('probe', 'before');
  expect(await primary.wait(1, 5000)).toBe(1);

  proxy.hold();
  const unreplicated: string[] = [];
  for (let i = 0; i < 10; i++) unreplicated.push((await api.comment(guest.token, pageUrl, `lost ${i}`)).id);
  await primary.set('probe', 'after');
  // What ThreadKit would learn if it asked: no replica has these writes.
  expect(await primary.wait(1, 200)).toBe(0);
  primary.disconnect();

  await group.nodes[0]!.kill();
  await eventually(
    'the replica promoted',
    () => group.primaryPort().catch(() => 0),
    (p) => p === replica.port,
    30_000,
  );
  const thread = await eventually(
    'reads on the new primary',
    () =>
      fetch(`${server.baseUrl}/v1/comments?page_url=${encodeURIComponent(pageUrl)}&limit=200&replies=0`, {
        headers: { projectid: keys.publicKey, origin: ORIGIN },
      }).then(async (r) => ({ status: r.status, body: await r.json() })),
    (r) => r.status === 200,
    30_000,
  );
  const shown = new Set((thread.body.tree.comments as { i: string }[]).map((c) => c.i));
  expect(replicated.filter((id) => !shown.has(id))).toEqual([]);
  const lost = unreplicated.filter((id) => !shown.has(id));
  expect(lost).toEqual(unreplicated);
  console.info(
    `replication held back: ${lost.length} of ${unreplicated.length} acknowledged comments lost on failover`,
  );
}, 90_000);
