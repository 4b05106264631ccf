import { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { type RedisServerHandle, startRedis } from './redis.js';

/**
 * A throwaway redis-server for the test file and a client on it, started before
 * the tests and stopped after; `flushEach` empties it before every test.
 */
export function perFileRedis(options: { flushEach?: boolean } = {}): {
  readonly server: RedisServerHandle;
  readonly redis: Redis;
} {
  let server: RedisServerHandle | undefined;
  let redis: Redis | undefined;
  beforeAll(async () => {
    server = await startRedis();
    redis = new Redis(server.url);
  });
  afterAll(async () => {
    redis?.disconnect();
    await server?.stop();
  });
  if (options.flushEach) {
    beforeEach(async () => {
      await redis!.flushall();
    });
  }
  return {
    get server() {
      return server!;
    },
    get redis() {
      return redis!;
    },
  };
}
