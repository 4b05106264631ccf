import { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  decodeBytes,
  dumpRedis,
  encodeBytes,
  type RedisServerHandle,
  type RedisSnapshot,
  restoreRedis,
  startRedis,
} from './index.js';

const servers: RedisServerHandle[] = [];
let source: Redis;
let target: Redis;

beforeAll(async () => {
  servers.push(await startRedis(), await startRedis());
  source = new Redis(servers[0]!.url);
  target = new Redis(servers[1]!.url);
});
afterAll(async () => {
  source?.disconnect();
  target?.disconnect();
  await Promise.all(servers.map((s) => s.stop()));
});
beforeEach(async () => {
  await source.flushall();
  await target.flushall();
});

const NOT_UTF8 = Buffer.from([0xff, 0x00, 0xfe, 0x80, 0x41]);
const BINARY_KEY = Buffer.concat([Buffer.from('bin:'), NOT_UTF8]);

/** A snapshot as it comes back from a file. */
const throughJson = (snapshot: RedisSnapshot): RedisSnapshot => JSON.parse(JSON.stringify(snapshot));

/** What must survive a round trip: everything but when it was taken and how much TTL was left. */
const content = (snapshot: RedisSnapshot) =>
  snapshot.keys.map(({ ttl_ms, ...rest }) => ({ ...rest, expires: ttl_ms !== null }));

async function roundTrip(): Promise<{ before: RedisSnapshot; after: RedisSnapshot }> {
  const before = throughJson(await dumpRedis(source));
  await restoreRedis(target, before);
  return { before, after: await dumpRedis(target) };
}

describe('bytes', () => {
  it('keeps valid UTF-8 as text (a BOM included) and anything else as base64', () => {
    for (const value of ['', 'plain', 'é ✓ 🎉', '\ufeffbom', 'nul\u0000inside']) {
      expect(encodeBytes(Buffer.from(value, 'utf8'))).toBe(value);
      expect(decodeBytes(value).toString('utf8')).toBe(value);
    }
    const encoded = encodeBytes(NOT_UTF8);
    expect(encoded).toEqual({ base64: NOT_UTF8.toString('base64') });
    expect(decodeBytes(encoded).equals(NOT_UTF8)).toBe(true);
    // A lone surrogate half encoded as UTF-8 is not valid UTF-8.
    expect(encodeBytes(Buffer.from([0xed, 0xa0, 0x80]))).toHaveProperty('base64');
  });
});

describe('dumpRedis and restoreRedis', () => {
  it('round-trips strings, hashes, lists, sets and sorted sets, binary keys and values included', async () => {
    await source.set('s:text', 'héllo');
    await source.set('s:empty', '');
    await source.set(BINARY_KEY, NOT_UTF8);
    await source.set('s:number', '42');
    const wide = Object.fromEntries(Array.from({ length: 700 }, (_, i) => [`f${i}`, `v${i}`]));
    await source.hset('h:wide', wide);
    await source.hset('h:binary', NOT_UTF8, 'text value', 'field', NOT_UTF8, 'long', 'x'.repeat(300));
    await source.rpush('l:ordered', 'c', 'a', 'b', 'a', '', NOT_UTF8);
    await source.rpush('l:long', ...Array.from({ length: 1200 }, (_, i) => String(i)));
    await source.sadd('set:mixed', 'b', 'a', NOT_UTF8, '1', '2');
    await source.sadd('set:ints', 1, 2, 3);
    await source.zadd(
      'z:scores',
      '0.1',
      'tenth',
      '-3.5',
      'negative',
      '1764115200123',
      'ms',
      'inf',
      'top',
      '-inf',
      'bottom',
      '1',
      'tie-b',
      '1',
      'tie-a',
      '15234.123456789012',
      'hot',
    );
    await source.zadd('z:binary', 7, NOT_UTF8);

    const { before, after } = await roundTrip();
    expect(content(after)).toEqual(content(before));
    expect(before.keys.map((k) => k.type).sort()).toEqual(
      [...'string string string string hash hash list list set set zset zset'.split(' ')].sort(),
    );

    expect((await target.getBuffer(BINARY_KEY))!.equals(NOT_UTF8)).toBe(true);
    expect(await target.get('s:text')).toBe('héllo');
    expect(await target.exists('s:empty')).toBe(1);
    expect(await target.hgetall('h:wide')).toEqual(wide);
    expect((await target.hgetBuffer('h:binary', 'field'))!.equals(NOT_UTF8)).toBe(true);
    expect(await target.hget('h:binary', NOT_UTF8)).toBe('text value');
    expect(await target.lrange('l:ordered', 0, 4)).toEqual(['c', 'a', 'b', 'a', '']);
    expect(await target.llen('l:long')).toBe(1200);
    expect(await target.lindex('l:long', 1199)).toBe('1199');
    expect(await target.smembers('set:ints')).toEqual(expect.arrayContaining(['1', '2', '3']));
    expect(await target.zrange('z:scores', 0, -1, 'WITHSCORES')).toEqual(
      await source.zrange('z:scores', 0, -1, 'WITHSCORES'),
    );
    expect(await target.zscore('z:scores', 'top')).toBe('inf');
    expect(await target.zscore('z:scores', 'hot')).toBe(await source.zscore('z:scores', 'hot'));
  });

  it('keeps a HyperLogLog as its raw string, still counting the same', async () => {
    await source.pfadd('visitors', ...Array.from({ length: 500 }, (_, i) => `visitor-${i}`));
    const { before } = await roundTrip();
    expect(before.keys[0]).toMatchObject({ type: 'string', value: { base64: expect.any(String) } });
    expect((await target.getBuffer('visitors'))!.equals((await source.getBuffer('visitors'))!)).toBe(true);
    expect(await target.pfcount('visitors')).toBe(await source.pfcount('visitors'));
    // Still a HyperLogLog to Redis: it can grow.
    await target.pfadd('visitors', 'one more');
  });

  it('round-trips streams: entry ids, fields, last id, deleted-id horizon, entries added and groups', async () => {
    for (let i = 1; i <= 5; i++) await source.xadd('stream:log', `1000-${i}`, 'e', `event ${i}`, 'n', i);
    await source.xadd('stream:log', '2000-0', 'bin', NOT_UTF8);
    await source.xdel('stream:log', '1000-2');
    await source.xtrim('stream:log', 'MINID', '1000-2');
    // The log vouches for a horizon beyond what it deleted, as ThreadKit's page logs do.
    await source.call('XSETID', 'stream:log', '3000-0', 'ENTRIESADDED', 10, 'MAXDELETEDID', '1500-0');
    await source.xgroup('CREATE', 'stream:log', 'readers', '1000-4');
    await source.call('XGROUP', 'CREATE', 'stream:log', 'fresh', '0', 'ENTRIESREAD', 0);

    // Every entry gone: the stream stays, with its counters.
    await source.xadd('stream:drained', '5-1', 'e', 'x');
    await source.xdel('stream:drained', '5-1');
    // Made by MKSTREAM: no entry was ever added.
    await source.xgroup('CREATE', 'stream:never', 'g', '$', 'MKSTREAM');

    const { before, after } = await roundTrip();
    expect(content(after)).toEqual(content(before));

    const info = async (redis: Redis, key: string) => {
      const raw = (await redis.call('XINFO', 'STREAM', key)) as unknown[];
      const map = new Map<string, unknown>();
      for (let i = 0; i < raw.length; i += 2) map.set(String(raw[i]), raw[i + 1]);
      return {
        length: map.get('length'),
        last: map.get('last-generated-id'),
        maxDeleted: map.get('max-deleted-entry-id'),
        added: map.get('entries-added'),
        first: map.get('recorded-first-entry-id'),
      };
    };
    for (const key of ['stream:log', 'stream:drained', 'stream:never']) {
      expect(await info(target, key), key).toEqual(await info(source, key));
    }
    expect(await info(target, 'stream:log')).toMatchObject({
      length: 4,
      last: '3000-0',
      maxDeleted: '1500-0',
      added: 10,
    });
    expect(await target.xrange('stream:log', '-', '+')).toEqual(await source.xrange('stream:log', '-', '+'));
    const groups = async (redis: Redis) =>
      ((await redis.xinfo('GROUPS', 'stream:log')) as unknown[][]).map((g) => [g[1], g[7], g[9]]);
    expect(await groups(target)).toEqual(await groups(source));
    // A new entry continues after the restored last id, as it would have on the source.
    expect(await target.xadd('stream:log', '*', 'e', 'next')).toMatch(/^\d+-\d+$/);
    await expect(target.xadd('stream:log', '2999-0', 'e', 'late')).rejects.toThrow(/equal or smaller/);
  });

  it('gives each key the TTL it had left, counted from the restore; keys without one stay without', async () => {
    await source.set('short', 'v', 'PX', 60_000);
    await source.hset('long', 'f', 'v');
    await source.expire('long', 30 * 86_400);
    await source.xadd('events', '1-1', 'e', 'x');
    await source.pexpire('events', 3_600_000);
    await source.set('forever', 'v');

    const snapshot = throughJson(await dumpRedis(source));
    const ttl = (key: string) => snapshot.keys.find((k) => k.key === key)!.ttl_ms;
    expect(ttl('short')).toBeGreaterThan(50_000);
    expect(ttl('short')).toBeLessThanOrEqual(60_000);
    expect(ttl('forever')).toBeNull();

    // A snapshot restored much later: its TTLs still start from the restore.
    const old = { ...snapshot, taken_at: snapshot.taken_at - 5 * 365 * 86_400_000 };
    await restoreRedis(target, old);
    for (const key of ['short', 'long', 'events']) {
      const left = await target.pttl(key);
      expect(left, key).toBeGreaterThan(0);
      expect(left, key).toBeLessThanOrEqual(ttl(key)!);
      expect(left, key).toBeGreaterThan(ttl(key)! - 10_000);
    }
    expect(await target.pttl('forever')).toBe(-1);
  });

  it('refuses a database that has keys, unless told to overwrite them', async () => {
    await source.set('k', 'new');
    await source.rpush('list', 'a');
    const snapshot = await dumpRedis(source);
    await target.set('k', 'old');
    await target.rpush('list', 'stale', 'items');
    await expect(restoreRedis(target, snapshot)).rejects.toThrow(/empty database/);
    expect(await target.get('k')).toBe('old');
    await restoreRedis(target, snapshot, { overwrite: true });
    expect(await target.get('k')).toBe('new');
    expect(await target.lrange('list', 0, -1)).toEqual(['a']);
  });

  it('lists keys in byte order, set members and hash fields sorted, so the same data dumps the same', async () => {
    await source.sadd('b-set', 'z', 'a', 'm');
    await source.hset('a-hash', 'z', '1', 'a', '2');
    await source.set('c', '1');
    const snapshot = await dumpRedis(source);
    expect(snapshot.keys.map((k) => k.key)).toEqual(['a-hash', 'b-set', 'c']);
    expect(snapshot.keys[0]).toMatchObject({
      value: [
        ['a', '2'],
        ['z', '1'],
      ],
    });
    expect(snapshot.keys[1]).toMatchObject({ value: ['a', 'm', 'z'] });
    expect(snapshot).toMatchObject({ format: 'redis-snapshot', version: 1, redis_version: /^\d+\./ });
  });
});
