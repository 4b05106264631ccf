import { fileURLToPath } from 'node:url';
import { eventually, type RedisServerHandle, startRedis } from '@threadkit/testing';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { generateKeys, processMemory, type ServerProcess, startServer } from '../../bench/lib.js';
import { ApiClient, type Guest } from '../../bench/seed.js';
import { sendCommand } from '../../packages/testing/src/resp.js';
import { steadyPosts } from './post-load.js';

/**
 * Redis stops answering for seconds (DEBUG SLEEP) while posts keep coming: the
 * server answers them 503 once its command timeout passes instead of holding
 * them, its memory stays bounded, and it serves again as soon as Redis does.
 */

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SLEEP_SECONDS = 12;
/** The server's REDIS_STALL_MS (5 s) and more for a loaded machine. */
const ANSWER_WITHIN_MS = 8000;

let redis: RedisServerHandle;
let server: ServerProcess;
const keys = generateKeys();
let guests: Guest[];

beforeAll(async () => {
  redis = await startRedis({ args: ['--enable-debug-command', 'local'] });
  server = await startServer({ root: ROOT, redisUrl: redis.url, ...keys });
  const api = new ApiClient(server.baseUrl, keys.publicKey);
  guests = await Promise.all(Array.from({ length: 4 }, (_, i) => api.guest(`Writer ${i}`)));
});
afterAll(async () => {
  await server?.stop();
  await redis?.stop();
});

it('answers 503 while Redis is stuck, holds no growing queue, and recovers', async () => {
  const load = steadyPosts({
    baseUrls: [server.baseUrl],
    publicKey: keys.publicKey,
    guests,
    perSecond: 50,
    clientTimeoutMs: 20_000,
    pagePrefix: 'https://bench.local/slow',
  });
  await eventually(
    'writes before the stall',
    async () => load.acknowledged(),
    (n) => n >= 50,
    20_000,
  );
  const rssBefore = processMemory(server.pid).rss;

  const sleepStart = load.now();
  await sendCommand(
    redis.host,
    redis.port,
    ['DEBUG', 'SLEEP', String(SLEEP_SECONDS)],
    (SLEEP_SECONDS + 5) * 1000,
  );
  const sleepEnd = load.now();
  const rssStalled = processMemory(server.pid).rss;
  await eventually(
    'writes after the stall',
    async () => load.acknowledged(sleepEnd),
    (n) => n >= 50,
    20_000,
  );
  const outcomes = await load.stop();
  const rssAfter = processMemory(server.pid).rss;

  expect([...new Set(outcomes.map((o) => o.status))].filter((s) => s !== 201 && s !== 503)).toEqual([]);
  const duringStall = outcomes.filter((o) => o.sentAt > sleepStart && o.sentAt < sleepEnd);
  const refusedInStall = duringStall.filter((o) => o.status === 503 && o.doneAt < sleepEnd);
  console.info(
    `slow redis: ${duringStall.length} posts sent during a ${SLEEP_SECONDS} s stall, ` +
      `${refusedInStall.length} answered 503 before it ended (the slowest in ${Math.round(Math.max(...refusedInStall.map((o) => o.doneAt - o.sentAt)))} ms); statuses ${JSON.stringify(count(outcomes.map((o) => o.status)))}; ` +
      `RSS ${mb(rssBefore)} before, ${mb(rssStalled)} at the end of the stall, ${mb(rssAfter)} after`,
  );
  // Posts that had time to reach the server's timeout were all refused while Redis still slept.
  const early = duringStall.filter((o) => o.sentAt < sleepEnd - ANSWER_WITHIN_MS);
  expect(early.length).toBeGreaterThan(0);
  expect(early.filter((o) => o.status !== 503 || o.doneAt >= sleepEnd)).toEqual([]);
  // Nothing piles up: the requests refused were let go, not kept waiting for Redis.
  expect(rssStalled - rssBefore).toBeLessThan(64 * 2 ** 20);
}, 90_000);

const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MB`;
function count<T>(values: T[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const v of values) counts[String(v)] = (counts[String(v)] ?? 0) + 1;
  return counts;
}
