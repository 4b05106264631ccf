import { Cluster, Redis, type RedisOptions } from 'ioredis';
import type { RedisConfig } from '../config.js';
import { isErrorCode, ThreadKitError } from '../errors.js';

export type RedisClient = Redis | Cluster;

/**
 * How long a command may wait for Redis: ThreadKit's commands take well under a
 * millisecond, so one unanswered after 5 s means Redis is stuck (a long command,
 * a stalled disk under `appendfsync always`, a failover). The request gets a 503
 * then rather than waiting on; and a connection that has received nothing for
 * as long is dropped and reconnected, which fails every command queued on it at
 * once, so a stuck Redis cannot make requests pile up in the server. Not less:
 * the timers also fire when the process itself stalls (a long GC pause, a
 * starved CPU), failing commands whose answers are already waiting to be read.
 */
export const REDIS_STALL_MS = 5000;

/**
 * Fail fast instead of queueing: while Redis is unreachable a request gets a
 * 503 at once rather than hanging, and the client reconnects in the background.
 *
 * No auto-pipelining: it gathers each tick's commands into a pipeline of its
 * own, which under load cost more than the writes it saved (signed-in reads
 * 0.139 → 0.121 ms of CPU, votes at 500/s p99 13 → 3 ms, posts 2 450 → 2 780/s
 * in `npm run bench`). Commands sent together still travel together: Redis
 * answers them in order on the one connection, and what must be read at once
 * is one script or an explicit pipeline.
 */
const COMMON: RedisOptions = {
  enableOfflineQueue: false,
  enableAutoPipelining: false,
  maxRetriesPerRequest: 1,
  connectTimeout: 5000,
  commandTimeout: REDIS_STALL_MS,
  socketTimeout: REDIS_STALL_MS,
  retryStrategy: (attempt) => Math.min(50 * 2 ** attempt, 2000),
};

/** The one Redis factory: a single server, a Sentinel group or a Cluster (what to wait for after writes is the stores'). */
export function createRedis(
  config: Omit<RedisConfig, 'replicaWait'>,
  overrides: RedisOptions = {},
): RedisClient {
  let client: RedisClient;
  if (config.clusterNodes.length > 0) {
    client = new Cluster(config.clusterNodes, {
      enableOfflineQueue: false,
      enableAutoPipelining: false,
      redisOptions: { ...COMMON, ...overrides },
      clusterRetryStrategy: (attempt) => Math.min(50 * 2 ** attempt, 2000),
    });
  } else if (config.sentinels.length > 0) {
    client = new Redis({ ...COMMON, sentinels: config.sentinels, name: config.sentinelName!, ...overrides });
  } else if (config.url?.startsWith('unix://')) {
    client = new Redis({ ...COMMON, path: config.url.slice('unix://'.length), ...overrides });
  } else {
    client = new Redis(config.url ?? 'redis://127.0.0.1:6379', { ...COMMON, ...overrides });
  }
  return client;
}

export const isCluster = (client: RedisClient): client is Cluster => client instanceof Cluster;

/** Resolves once the client is ready, or rejects after `timeoutMs`. */
export async function waitForRedis(client: RedisClient, timeoutMs = 10_000): Promise<void> {
  if (client.status === 'ready') return;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`Redis was not reachable within ${timeoutMs} ms`));
    }, timeoutMs);
    const onReady = () => {
      cleanup();
      resolve();
    };
    const cleanup = () => {
      clearTimeout(timer);
      client.off('ready', onReady);
    };
    client.on('ready', onReady);
  });
}

/** Replicas a write must reach before it is acknowledged, and how long to wait for them. */
export interface ReplicaWait {
  replicas: number;
  timeoutMs: number;
}

/**
 * Waits until `wait.replicas` replicas have every write made so far on the
 * connection that carries `key`'s commands, and throws `unavailable` when fewer
 * confirm in time. `WAIT` counts the writes of its own connection, so it runs in
 * a pipeline with a read of `key`: on a Cluster that sends it to the node of the
 * key's slot, on the connection the write went through (one per node), as on a
 * single Redis or a Sentinel group's primary. The connection waits meanwhile,
 * so every command queued behind it waits too: the price of the setting.
 */
export async function confirmReplicated(
  redis: RedisClient,
  key: string,
  wait: ReplicaWait | null,
): Promise<void> {
  if (!wait) return;
  const replies = await redis
    .pipeline()
    .exists(key)
    .wait(wait.replicas, wait.timeoutMs)
    .exec()
    .catch(translateRedisError);
  const [error, confirmed] = replies?.[1] ?? [new Error('WAIT was not answered'), 0];
  if (error) translateRedisError(error);
  if (Number(confirmed) < wait.replicas)
    throw new ThreadKitError(
      'unavailable',
      `The change reached ${confirmed} of the ${wait.replicas} replicas it must within ${wait.timeoutMs} ms. ` +
        'It may still have been kept: read before trying again.',
    );
}

const SCRIPT_ERROR = /^TK (\w+) (.*)$/s;

/**
 * Turns a script's `TK <code> <message>` error reply into a ThreadKitError, and
 * a connection failure into `unavailable`; anything else is a real bug and rethrown.
 * A script's code must be in the registry: one that is not is a bug too, and fails
 * loudly (a 500 naming it) rather than reaching a client as a code nobody documents.
 */
export function translateRedisError(error: unknown): never {
  if (error instanceof Error) {
    const match = SCRIPT_ERROR.exec(error.message);
    if (match) {
      const [, code = '', message] = match;
      if (!isErrorCode(code))
        throw new Error(`A script failed with the unregistered error code "${code}": ${message}`, {
          cause: error,
        });
      throw new ThreadKitError(code, message);
    }
    if (isConnectionError(error))
      throw new ThreadKitError('unavailable', 'Storage is unreachable; try again shortly.');
  }
  throw error;
}

export function isConnectionError(error: Error): boolean {
  return (
    /Stream isn't writeable|enableOfflineQueue|Connection is closed|ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|ENOENT|Failed to refresh slots cache|None of startup nodes|Reached the max retries|CLUSTERDOWN|LOADING|Command timed out|Socket timeout|READONLY|MASTERDOWN|TRYAGAIN|NOREPLICAS|Too many Cluster redirections/.test(
      error.message,
    ) || error.name === 'MaxRetriesPerRequestError'
  );
}

/**
 * Redis settings ThreadKit recommends (docs/self-hosting.md, and the Redis that
 * `threadkit start` runs itself): Redis keeps sorted sets and hashes of up to
 * 512 entries, and hash values of up to 128 bytes, in its compact encoding
 * (defaults: 128 entries, 64 bytes). A page's root indexes and a user's votes
 * then stay compact far longer, for about 4 % less memory in all; the scans
 * this makes longer are over a few kilobytes.
 */
export const RECOMMENDED_REDIS_SETTINGS: Readonly<Record<string, string>> = {
  'zset-max-listpack-entries': '512',
  'hash-max-listpack-entries': '512',
  'hash-max-listpack-value': '128',
};
