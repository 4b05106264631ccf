import { fileURLToPath } from 'node:url';
import { resolvePage } from '@threadkit/core';
import { eventually, type RedisClusterHandle, startRedisCluster, TestSocket } from '@threadkit/testing';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { generateKeys, ORIGIN, type ServerProcess, startServer } from '../../bench/lib.js';
import { ApiClient, type Guest } from '../../bench/seed.js';
import { missingAcknowledged, steadyPosts, writeGap } from './post-load.js';

/**
 * Redis Cluster: the master holding the site's slot is killed with SIGKILL under
 * a steady write load. Clients see 201 or 503 only, its replica takes over, the
 * server carries on without a restart, and live events (sharded pub/sub) reach
 * a WebSocket reader that was connected throughout.
 */

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CLIENT_TIMEOUT_MS = 15_000;

let cluster: RedisClusterHandle;
let server: ServerProcess;
const keys = generateKeys();
let api: ApiClient;
let guests: Guest[];
let siteId: string;

beforeAll(async () => {
  cluster = await startRedisCluster({ replicas: 1, nodeTimeoutMs: 1000 });
  server = await startServer({
    root: ROOT,
    redisUrl: '',
    ...keys,
    env: { REDIS_CLUSTER_NODES: cluster.nodes.map((n) => `${n.host}:${n.port}`).join(',') },
  });
  api = new ApiClient(server.baseUrl, keys.publicKey);
  guests = await Promise.all(Array.from({ length: 4 }, (_, i) => api.guest(`Writer ${i}`)));
  siteId = JSON.parse(Buffer.from(guests[0]!.token.split('.')[1]!, 'base64url').toString()).site_id;
});
afterAll(async () => {
  await server?.stop();
  await cluster?.stop();
});

it('answers 201 or 503 while a master fails over, then writes and publishes on its replica', async () => {
  const livePage = 'https://bench.local/cluster-live';
  const reader = await TestSocket.open(server.wsUrl, { projectId: keys.publicKey, origin: ORIGIN });
  await reader.next('connected');
  await reader.subscribe(resolvePage(siteId, { page_url: livePage }).id);

  const load = steadyPosts({
    baseUrls: [server.baseUrl],
    publicKey: keys.publicKey,
    guests,
    perSecond: 40,
    clientTimeoutMs: CLIENT_TIMEOUT_MS,
    pagePrefix: 'https://bench.local/cluster',
  });
  await eventually(
    'writes before the kill',
    async () => load.acknowledged(),
    (n) => n >= 60,
    20_000,
  );

  const siteKey = `tk:{${siteId}}`;
  const oldMaster = await cluster.masterOf(siteKey);
  await cluster.kill(oldMaster);
  const killedAt = load.now();
  await eventually(
    '40 writes acknowledged after the kill',
    async () => load.acknowledged(killedAt),
    (n) => n >= 40,
    30_000,
  );
  const outcomes = await load.stop();

  expect(await cluster.masterOf(siteKey)).not.toBe(oldMaster);
  // A 500 is logged with its cause: seen here first, it says what broke.
  expect(server.problems.filter((line) => line.includes('"msg":"unhandled error"'))).toEqual([]);
  expect([...new Set(outcomes.map((o) => o.status))].filter((s) => s !== 201 && s !== 503)).toEqual([]);
  for (const refused of outcomes.filter((o) => o.status === 503)) expect(refused.code).toBe('unavailable');
  process.kill(server.pid, 0);
  expect((await fetch(`${server.baseUrl}/health`)).status).toBe(200);

  // The reader connected before the kill still gets what is posted after it.
  await api.comment(guests[0]!.token, livePage, 'after the failover');
  const live = await reader.next('new_comment', (p) => p.comment.t === 'after the failover', 20_000);
  expect(live.params.comment.t).toBe('after the failover');
  reader.close();

  const gap = writeGap(outcomes, killedAt);
  const missing = await missingAcknowledged(server.baseUrl, keys.publicKey, outcomes);
  for (const lost of missing) expect(lost.doneAt).toBeGreaterThan(killedAt - 1000);
  console.info(
    `cluster failover: ${outcomes.length} posts, ${load.acknowledged()} acknowledged, ` +
      `${outcomes.filter((o) => o.status === 503).length} answered 503; ` +
      `no write succeeded for ${Math.round(gap.firstAfter - gap.lastBefore)} ms ` +
      `(${Math.round(gap.firstAfter - killedAt)} ms after the kill); ` +
      `acknowledged but lost: ${missing.length}`,
  );
}, 90_000);
