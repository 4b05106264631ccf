import type { Redis } from 'ioredis';

/**
 * Every key of a Redis database as a portable JSON document, and back: for
 * fixtures that must outlive the code that wrote them (a data migration is
 * tested on a Redis filled by an older release). Unlike `DUMP`/`RESTORE`
 * payloads, which are tied to the RDB version of the server that made them,
 * the document is plain JSON that any Redis (6.2 or newer) can be filled from,
 * and it can be read and diffed.
 *
 * Single servers only: a cluster's keys are spread over its nodes (dump each
 * node, restore through a client that routes). Consumer groups keep their
 * names and positions, not their consumers or pending entries.
 */

/** Bytes as JSON carries them: the text when they are valid UTF-8, else base64. */
type SnapshotBytes = string | { base64: string };

interface SnapshotStream {
  /** Entry id and its fields and values, alternating. */
  entries: [id: string, fields: SnapshotBytes[]][];
  /** The id the next `XADD *` must exceed; may be past the last entry when entries were deleted. */
  last_id: string;
  /** Redis 7: the largest id ever deleted or trimmed (null on older servers). */
  max_deleted_id: string | null;
  /** Redis 7: how many entries were ever added (null on older servers). */
  entries_added: number | null;
  groups: { name: SnapshotBytes; last_delivered_id: string; entries_read: number | null }[];
}

interface Common {
  key: SnapshotBytes;
  /** Remaining time to live (ms) when the snapshot was taken; null: none. */
  ttl_ms: number | null;
}

/** One key. HyperLogLogs are strings to Redis, and are kept as their raw bytes. */
export type SnapshotEntry =
  | (Common & { type: 'string'; value: SnapshotBytes })
  | (Common & { type: 'hash'; value: [field: SnapshotBytes, value: SnapshotBytes][] })
  | (Common & { type: 'list'; value: SnapshotBytes[] })
  | (Common & { type: 'set'; value: SnapshotBytes[] })
  /** Scores as Redis prints them (`"inf"` included), so none is rounded on the way. */
  | (Common & { type: 'zset'; value: [member: SnapshotBytes, score: string][] })
  | (Common & { type: 'stream'; value: SnapshotStream });

export interface RedisSnapshot {
  format: 'redis-snapshot';
  version: 1;
  redis_version: string;
  /** When it was taken (ms since the epoch). TTLs count from here, and restart from the restore. */
  taken_at: number;
  /** Sorted by key (bytewise), so two snapshots of the same data are the same text. */
  keys: SnapshotEntry[];
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

export function encodeBytes(bytes: Buffer): SnapshotBytes {
  try {
    return utf8.decode(bytes);
  } catch {
    return { base64: bytes.toString('base64') };
  }
}

export function decodeBytes(value: SnapshotBytes): Buffer {
  return typeof value === 'string' ? Buffer.from(value, 'utf8') : Buffer.from(value.base64, 'base64');
}

const text = (reply: unknown): string => (Buffer.isBuffer(reply) ? reply.toString('utf8') : String(reply));

const pairs = <T>(flat: T[]): [T, T][] => {
  const out: [T, T][] = [];
  for (let i = 0; i + 1 < flat.length; i += 2) out.push([flat[i]!, flat[i + 1]!]);
  return out;
};

/** `XINFO` answers name, value, name, value…: as a map by name. */
const infoMap = (reply: unknown): Map<string, unknown> =>
  new Map(pairs(reply as unknown[]).map(([name, value]) => [text(name), value]));

const byBytes = (a: Buffer, b: Buffer) => Buffer.compare(a, b);

/** Runs a MULTI and returns each reply, throwing the first error (e.g. the key changed type meanwhile). */
async function transaction(redis: Redis, commands: [string, ...(string | Buffer | number)[]][]) {
  const multi = redis.multi();
  for (const [name, ...args] of commands) multi.callBuffer(name, ...args);
  const replies = (await multi.exec()) ?? [];
  return replies.map(([error, reply]) => {
    if (error) throw error;
    return reply;
  });
}

async function allKeys(redis: Redis): Promise<Buffer[]> {
  const seen = new Map<string, Buffer>();
  let cursor = '0';
  do {
    const [next, batch] = (await redis.callBuffer('SCAN', cursor, 'COUNT', 1000)) as [Buffer, Buffer[]];
    cursor = text(next);
    // SCAN may return a key twice (while the keyspace is rehashed).
    for (const key of batch) seen.set(key.toString('hex'), key);
  } while (cursor !== '0');
  return [...seen.values()].sort(byBytes);
}

async function readStream(redis: Redis, key: Buffer): Promise<{ ttl: number; value: SnapshotStream }> {
  const [ttl, info, groups] = await transaction(redis, [
    ['PTTL', key],
    ['XINFO', 'STREAM', key],
    ['XINFO', 'GROUPS', key],
  ]);
  const entries: SnapshotStream['entries'] = [];
  let start = '-';
  for (;;) {
    const page = (await redis.callBuffer('XRANGE', key, start, '+', 'COUNT', 1000)) as [Buffer, Buffer[]][];
    for (const [id, fields] of page) entries.push([text(id), fields.map(encodeBytes)]);
    if (page.length < 1000) break;
    start = `(${text(page.at(-1)![0])}`;
  }
  const stream = infoMap(info);
  const maxDeleted = stream.get('max-deleted-entry-id');
  const added = stream.get('entries-added');
  return {
    ttl: Number(ttl),
    value: {
      entries,
      last_id: text(stream.get('last-generated-id')),
      max_deleted_id: maxDeleted === undefined ? null : text(maxDeleted),
      entries_added: added === undefined ? null : Number(added),
      groups: (groups as unknown[]).map((reply) => {
        const group = infoMap(reply);
        const read = group.get('entries-read');
        return {
          name: encodeBytes(group.get('name') as Buffer),
          last_delivered_id: text(group.get('last-delivered-id')),
          entries_read: read === undefined || read === null ? null : Number(read),
        };
      }),
    },
  };
}

async function readKey(redis: Redis, key: Buffer): Promise<SnapshotEntry | null> {
  const type = text(await redis.callBuffer('TYPE', key));
  if (type === 'none') return null; // expired or deleted since the scan
  if (type === 'stream') {
    const { ttl, value } = await readStream(redis, key);
    return ttl === -2 ? null : { key: encodeBytes(key), ttl_ms: ttl < 0 ? null : ttl, type, value };
  }
  const read: Record<string, [string, ...(string | Buffer | number)[]]> = {
    string: ['GET', key],
    hash: ['HGETALL', key],
    list: ['LRANGE', key, 0, -1],
    set: ['SMEMBERS', key],
    zset: ['ZRANGE', key, 0, -1, 'WITHSCORES'],
  };
  const command = read[type];
  if (!command) throw new Error(`cannot snapshot ${key.toString('utf8')}: type ${type} is not supported`);
  const [rawTtl, reply] = await transaction(redis, [['PTTL', key], command]);
  const ttl = Number(rawTtl);
  if (ttl === -2) return null;
  const common = { key: encodeBytes(key), ttl_ms: ttl < 0 ? null : ttl };
  switch (type) {
    case 'string':
      return { ...common, type, value: encodeBytes(reply as Buffer) };
    case 'hash':
      return {
        ...common,
        type,
        value: pairs(reply as Buffer[])
          .sort(([a], [b]) => byBytes(a, b))
          .map(([field, value]) => [encodeBytes(field), encodeBytes(value)]),
      };
    case 'list':
      return { ...common, type, value: (reply as Buffer[]).map(encodeBytes) };
    case 'set':
      return { ...common, type, value: (reply as Buffer[]).sort(byBytes).map(encodeBytes) };
    default:
      return {
        ...common,
        type: 'zset',
        value: pairs(reply as Buffer[]).map(([member, score]) => [encodeBytes(member), text(score)]),
      };
  }
}

/** Reads every key of the client's database. Take it while nothing writes, for a consistent picture. */
export async function dumpRedis(redis: Redis): Promise<RedisSnapshot> {
  const info = text(await redis.callBuffer('INFO', 'server'));
  const takenAt = Date.now();
  const entries: SnapshotEntry[] = [];
  for (const key of await allKeys(redis)) {
    const entry = await readKey(redis, key);
    if (entry) entries.push(entry);
  }
  return {
    format: 'redis-snapshot',
    version: 1,
    redis_version: /redis_version:([^\r\n]+)/.exec(info)?.[1] ?? 'unknown',
    taken_at: takenAt,
    keys: entries,
  };
}

/** Variadic writes are sent in slices of this many arguments. */
const CHUNK = 512;

function chunks<T>(items: T[], size = CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

type Command = [string, ...(string | Buffer | number)[]];

function writeCommands(entry: SnapshotEntry): Command[] {
  const key = decodeBytes(entry.key);
  switch (entry.type) {
    case 'string':
      return [['SET', key, decodeBytes(entry.value)]];
    case 'hash':
      return chunks(entry.value).map(
        (slice): Command => [
          'HSET',
          key,
          ...slice.flatMap(([field, value]) => [decodeBytes(field), decodeBytes(value)]),
        ],
      );
    case 'list':
      return chunks(entry.value).map((slice): Command => ['RPUSH', key, ...slice.map(decodeBytes)]);
    case 'set':
      return chunks(entry.value).map((slice): Command => ['SADD', key, ...slice.map(decodeBytes)]);
    case 'zset':
      return chunks(entry.value).map(
        (slice): Command => [
          'ZADD',
          key,
          ...slice.flatMap(([member, score]) => [score, decodeBytes(member)]),
        ],
      );
    case 'stream':
      return streamCommands(key, entry.value);
  }
}

/** A scratch group name for making an empty stream, removed at once. */
const SCRATCH_GROUP = 'redis-snapshot:restore';

function streamCommands(key: Buffer, stream: SnapshotStream): Command[] {
  const commands: Command[] = stream.entries.map(
    ([id, fields]): Command => ['XADD', key, id, ...fields.map(decodeBytes)],
  );
  // XADD cannot make a stream without entries; MKSTREAM can, without touching its counters.
  if (stream.entries.length === 0) {
    commands.push(['XGROUP', 'CREATE', key, SCRATCH_GROUP, '0', 'MKSTREAM']);
    commands.push(['XGROUP', 'DESTROY', key, SCRATCH_GROUP]);
  }
  // Readers that resume from an id (or trust max-deleted-id to tell what was trimmed) need the
  // stream's counters as they were, not as the replayed XADDs left them.
  const setId: Command = ['XSETID', key, stream.last_id];
  if (stream.entries_added !== null) setId.push('ENTRIESADDED', stream.entries_added);
  if (stream.max_deleted_id !== null) setId.push('MAXDELETEDID', stream.max_deleted_id);
  commands.push(setId);
  for (const group of stream.groups) {
    const create: Command = ['XGROUP', 'CREATE', key, decodeBytes(group.name), group.last_delivered_id];
    if (group.entries_read !== null) create.push('ENTRIESREAD', group.entries_read);
    commands.push(create);
  }
  return commands;
}

interface RestoreOptions {
  /** Replace keys the target already has, instead of refusing a non-empty database. */
  overwrite?: boolean;
}

/**
 * Writes every key of the snapshot, each in one transaction with its TTL: the
 * remaining time it had when the snapshot was taken, counted from now. Refuses
 * a database that already holds keys unless `overwrite` is set.
 */
export async function restoreRedis(
  redis: Redis,
  snapshot: RedisSnapshot,
  options: RestoreOptions = {},
): Promise<void> {
  if (snapshot.format !== 'redis-snapshot' || snapshot.version !== 1)
    throw new Error(`not a redis-snapshot version 1 document (${snapshot.format} ${snapshot.version})`);
  if (!options.overwrite) {
    const size = Number(await redis.callBuffer('DBSIZE'));
    if (size > 0) throw new Error(`restore needs an empty database; this one has ${size} keys`);
  }
  for (const entry of snapshot.keys) {
    const key = decodeBytes(entry.key);
    const commands = writeCommands(entry);
    if (options.overwrite) commands.unshift(['DEL', key]);
    if (entry.ttl_ms !== null) commands.push(['PEXPIRE', key, Math.max(entry.ttl_ms, 1)]);
    await transaction(redis, commands);
  }
}
