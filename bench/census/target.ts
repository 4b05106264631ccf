/**
 * The Redis the census fills or reads: a throwaway redis-server on a free port
 * (the test helpers' own, without persistence), or one given by URL, but never
 * the machine's default port unless asked, since that is where a real Redis
 * usually lives.
 */
import { execFile } from 'node:child_process';
import { stat } from 'node:fs/promises';
import { promisify } from 'node:util';
import { RECOMMENDED_REDIS_SETTINGS } from '../../packages/core/src/store/redis.js';
import { type RedisServerHandle, startRedis } from '../../packages/testing/src/redis.js';

const execFileAsync = promisify(execFile);

/** A refusal to go on that the person running the command can fix: reported without a stack. */
export class UsageError extends Error {}
const DEFAULT_PORT = 6379;

export interface Target {
  url: string;
  /** True for a server this process started (and stops, unless kept). */
  throwaway: boolean;
  /** The throwaway server's directory (its log; an RDB if it saves one). */
  dir: string | null;
  /** Leaves a throwaway server running after this process; no-op for a given one. */
  keep(): void;
  close(): Promise<void>;
}

export async function openTarget(options: {
  url?: string | undefined;
  allowDefaultPort: boolean;
}): Promise<Target> {
  if (options.url) {
    checkUrl(options.url, options.allowDefaultPort);
    return { url: options.url, throwaway: false, dir: null, keep() {}, async close() {} };
  }
  // Redis as ThreadKit recommends running it (docs/self-hosting.md), as `threadkit start` does.
  const server: RedisServerHandle = await startRedis({
    args: Object.entries(RECOMMENDED_REDIS_SETTINGS).flatMap(([name, value]) => [`--${name}`, value]),
  });
  let kept = false;
  return {
    url: server.url,
    throwaway: true,
    dir: server.dir,
    keep() {
      kept = true;
      server.keep();
    },
    async close() {
      if (!kept) await server.stop();
    },
  };
}

/** Throws unless the URL is a Redis URL that is not on the default port (or that is allowed). */
export function checkUrl(url: string, allowDefaultPort: boolean): void {
  if (url.startsWith('unix://')) return;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UsageError(`--redis-url: not a URL: ${url}`);
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    throw new UsageError('--redis-url must start with redis://, rediss:// or unix://');
  }
  const port = parsed.port === '' ? DEFAULT_PORT : Number(parsed.port);
  if (port === DEFAULT_PORT && !allowDefaultPort) {
    throw new UsageError(
      `--redis-url points at port ${DEFAULT_PORT}, where a real Redis usually runs; ` +
        'pass --allow-default-port if that is really the one to use',
    );
  }
}

/**
 * Writes an RDB snapshot of the server to `path` with `redis-cli --rdb`, which
 * asks the server for one as a replica would: it needs no access to the
 * server's disk and changes none of its settings. Returns the file's size.
 */
export async function saveRdb(url: string, path: string): Promise<number> {
  await execFileAsync('redis-cli', ['-u', url, '--rdb', path], { timeout: 30 * 60_000 }).catch(
    (error: Error & { stderr?: string }) => {
      throw new Error(`redis-cli --rdb failed: ${error.message}\n${error.stderr ?? ''}`);
    },
  );
  return (await stat(path)).size;
}
