/**
 * The importer on a large file: a generated Disqus export of BENCH_IMPORT_MB
 * (default 100) MB imported with `threadkit import` into a throwaway Redis,
 * then imported again (everything already there). Prints what the command's
 * summary says: comments written, comments/s, and the process's peak RSS,
 * which stays flat whatever the file's size (docs/import.md has the figures).
 * Run with `npm run bench` (or `tsx bench/import.ts` after a build).
 */
import { spawn } from 'node:child_process';
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { idFromUuid } from '../packages/core/src/ids.js';
import { generateDisqus } from '../packages/core/src/import/generate-disqus.js';
import { keys } from '../packages/core/src/keys.js';
import { startRedis } from '../packages/testing/src/redis.js';
import { envNumber } from './lib.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const megabytes = envNumber('BENCH_IMPORT_MB', 100);
const SITE = idFromUuid('0f8c3a52-6d1e-4b7a-9c3e-5a1d2b3c4d5e');

/** Runs the CLI; resolves with its summary (stdout). */
function runCli(args: string[], redisUrl: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(root, 'packages/server/bin/threadkit.js'), ...args], {
      env: { ...process.env, REDIS_URL: redisUrl },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0 ? resolve(out) : reject(new Error(`threadkit import exited with ${code}\n${out}`)),
    );
  });
}

const dir = mkdtempSync(path.join(tmpdir(), 'threadkit-bench-import-'));
const redis = await startRedis();
try {
  const file = path.join(dir, 'disqus.xml');
  const started = Date.now();
  const generated = await generateDisqus(createWriteStream(file), megabytes * 1e6);
  console.log(
    `Generated ${(generated.bytes / 1e6).toFixed(1)} MB: ${generated.threads} threads, ${generated.posts} posts ` +
      `(${((Date.now() - started) / 1000).toFixed(1)} s)`,
  );
  const client = new Redis(redis.url);
  await client.hset(keys.site(SITE), { id: SITE, name: 'Import bench' });
  for (const run of ['first run', 'second run (everything already there)']) {
    console.log(`\nthreadkit import disqus (${run}):`);
    console.log(await runCli(['import', 'disqus', file, '--site', SITE], redis.url));
  }
  const memory = await client.info('memory');
  console.log(`Redis used_memory after the import: ${/used_memory_human:(\S+)/.exec(memory)?.[1]}`);
  await client.quit();
} finally {
  await redis.stop();
  rmSync(dir, { recursive: true, force: true });
}
