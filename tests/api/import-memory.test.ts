import { createReadStream, createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';
import {
  createRedis,
  generateDisqus,
  idFromUuid,
  importReader,
  type RedisClient,
  runImport,
  waitForRedis,
} from '@threadkit/core';
import { type RedisServerHandle, startRedis } from '@threadkit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * The importer's memory does not grow with the file: a generated Disqus export
 * of 12 MB and one of 3 MB are imported, and the most the heap holds during
 * each (measured after a full collection, twice a second) is compared, with a
 * generous margin: a reader or engine that held the file, or its comments,
 * would need several times more for the larger one.
 */

// A full collection on demand, without starting Node with --expose-gc.
v8.setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

let server: RedisServerHandle;
let redis: RedisClient;
const dir = mkdtempSync(join(tmpdir(), 'threadkit-import-memory-'));

beforeAll(async () => {
  server = await startRedis();
  redis = createRedis({ url: server.url, clusterNodes: [], sentinels: [], sentinelName: null });
  await waitForRedis(redis);
});
afterAll(async () => {
  await redis?.quit();
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function peakHeapGrowth(
  megabytes: number,
  site: string,
): Promise<{ growth: number; comments: number }> {
  const file = join(dir, `${megabytes}.xml`);
  await generateDisqus(createWriteStream(file), megabytes * 1e6, megabytes);
  const reader = await importReader('disqus');
  gc();
  const base = process.memoryUsage().heapUsed;
  let peak = base;
  // What the import holds: the heap once garbage is collected, every half second.
  const sample = () => {
    gc();
    peak = Math.max(peak, process.memoryUsage().heapUsed);
  };
  const timer = setInterval(sample, 500);
  try {
    const report = await runImport(redis, {
      siteId: idFromUuid(site),
      format: 'disqus',
      read: (skip) => reader(createReadStream(file), skip),
    });
    return { growth: peak - base, comments: report.comments.written };
  } finally {
    clearInterval(timer);
  }
}

describe('import memory', () => {
  it('stays flat whatever the size of the file', async () => {
    const mb = (bytes: number) => Math.round(bytes / 1e6);
    const small = await peakHeapGrowth(3, '3e2f7a10-1b2c-4d3e-8f4a-5b6c7d8e9f01');
    const large = await peakHeapGrowth(12, '3e2f7a10-1b2c-4d3e-8f4a-5b6c7d8e9f02');
    expect(large.comments).toBeGreaterThan(3 * small.comments);
    console.info(`live heap while importing: 3 MB ${mb(small.growth)} MB, 12 MB ${mb(large.growth)} MB`);
    expect(mb(large.growth), `small ${mb(small.growth)} MB, large ${mb(large.growth)} MB`).toBeLessThan(
      mb(small.growth) + 24,
    );
  }, 300_000);
});
