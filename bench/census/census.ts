/**
 * The memory census: every key SCANned, classified into a family by its name,
 * and measured exactly (`MEMORY USAGE key SAMPLES 0`, pipelined a batch at a
 * time), with its TTL and encoding; then Redis's own view (`INFO memory`).
 * Optionally the steady state: keys that expire soon (event logs, upvote
 * windows, codes, limits) deleted and the memory read again.
 */
import type { Redis } from 'ioredis';
import { FAMILIES, type Family, familyOf, OTHER } from './families.js';
import { duration, fmt } from './run.js';

export interface FamilyCount {
  name: string;
  description: string;
  /** The Redis type of a key of the family (from one of its keys). */
  type: string;
  keys: number;
  bytes: number;
  /** Keys with a TTL, their bytes, and the shortest and longest TTL seen (ms). */
  ttlKeys: number;
  ttlBytes: number;
  ttlMin: number;
  ttlMax: number;
  encodings: Record<string, number>;
  /** A few keys of the family (for "other", what did not match). */
  examples: string[];
}

export interface MemoryInfo {
  used_memory: number;
  used_memory_dataset: number;
  used_memory_overhead: number;
  used_memory_scripts: number;
  used_memory_rss: number;
}

export interface Census {
  families: FamilyCount[];
  keys: number;
  bytes: number;
  memory: MemoryInfo;
  redisVersion: string;
  /** The server's compact-encoding limits, which decide many families' sizes. */
  encodingSettings: Record<string, string>;
  seconds: number;
  /** Keys whose TTL was at most the steady-state limit, for `steadyState` to delete, and their bytes. */
  shortLived: string[];
  shortLivedBytes: number;
  /** The limit those were chosen by (ms). */
  shortLivedTtlMs: number;
}

export interface CensusOptions {
  /** Keys per SCAN batch (each batch is one pipeline of 3 commands a key). */
  batch?: number;
  /** Keys with a TTL up to this (ms) count as short-lived: the steady state goes without them. */
  shortLivedTtlMs?: number;
  families?: readonly Family[];
  /** Where a line of progress goes every 10 s. */
  progress?: NodeJS.WritableStream | undefined;
}

const EXAMPLES_OF_OTHER = 10;
export const DAY_MS = 86_400_000;

export async function takeCensus(redis: Redis, options: CensusOptions = {}): Promise<Census> {
  const started = performance.now();
  const families = options.families ?? FAMILIES;
  const batch = options.batch ?? 2000;
  const shortLivedTtlMs = options.shortLivedTtlMs ?? DAY_MS;
  const counts = new Map<string, FamilyCount>();
  const shortLived: string[] = [];
  let shortLivedBytes = 0;
  const countFor = (family: Family | null): FamilyCount => {
    const name = family?.name ?? OTHER;
    let count = counts.get(name);
    if (!count) {
      count = {
        name,
        description: family?.description ?? 'keys no family matches',
        type: '',
        keys: 0,
        bytes: 0,
        ttlKeys: 0,
        ttlBytes: 0,
        ttlMin: Number.POSITIVE_INFINITY,
        ttlMax: 0,
        encodings: {},
        examples: [],
      };
      counts.set(name, count);
    }
    return count;
  };

  let seen = 0;
  const timer = options.progress
    ? setInterval(() => options.progress!.write(`census: ${fmt(seen)} keys measured\n`), 10_000)
    : null;
  timer?.unref();
  try {
    // The next SCAN is on its way while a batch is measured.
    let scanning = redis.scan('0', 'COUNT', batch);
    for (;;) {
      const [cursor, keys] = await scanning;
      if (cursor !== '0') scanning = redis.scan(cursor, 'COUNT', batch);
      if (keys.length > 0) {
        const pipeline = redis.pipeline();
        for (const key of keys) {
          pipeline.call('MEMORY', 'USAGE', key, 'SAMPLES', '0');
          pipeline.pttl(key);
          pipeline.call('OBJECT', 'ENCODING', key);
        }
        const replies = (await pipeline.exec()) ?? [];
        for (let k = 0; k < keys.length; k++) {
          const [usageError, usage] = replies[3 * k] ?? [];
          const [, ttl] = replies[3 * k + 1] ?? [];
          const [, encoding] = replies[3 * k + 2] ?? [];
          // Gone since the SCAN (expired or deleted): not there to count.
          if (usageError || usage === null || usage === undefined) continue;
          const key = keys[k]!;
          const bytes = Number(usage);
          const count = countFor(familyOf(key, families));
          count.keys++;
          count.bytes += bytes;
          const encodingName = typeof encoding === 'string' ? encoding : '?';
          count.encodings[encodingName] = (count.encodings[encodingName] ?? 0) + 1;
          if (count.examples.length < (count.name === OTHER ? EXAMPLES_OF_OTHER : 1))
            count.examples.push(key);
          const ttlMs = Number(ttl);
          if (ttlMs > 0) {
            count.ttlKeys++;
            count.ttlBytes += bytes;
            count.ttlMin = Math.min(count.ttlMin, ttlMs);
            count.ttlMax = Math.max(count.ttlMax, ttlMs);
            if (ttlMs <= shortLivedTtlMs) {
              shortLived.push(key);
              shortLivedBytes += bytes;
            }
          }
        }
        seen += keys.length;
      }
      if (cursor === '0') break;
    }
  } finally {
    if (timer) clearInterval(timer);
  }

  for (const count of counts.values()) if (count.ttlKeys === 0) count.ttlMin = 0;
  // The type of each family, from its first key (families are one type each, presence aside).
  const typed = [...counts.values()];
  const types = await Promise.all(typed.map((c) => (c.examples[0] ? redis.type(c.examples[0]) : '')));
  typed.forEach((count, i) => {
    count.type = types[i] === 'none' ? '?' : (types[i] ?? '');
  });

  const order = new Map(families.map((family, i) => [family.name, i]));
  const ordered = typed.sort((a, b) => (order.get(a.name) ?? 1e9) - (order.get(b.name) ?? 1e9));
  const info = await redis.info('server');
  return {
    families: ordered,
    keys: ordered.reduce((sum, c) => sum + c.keys, 0),
    bytes: ordered.reduce((sum, c) => sum + c.bytes, 0),
    memory: await memoryInfo(redis),
    redisVersion: /redis_version:(\S+)/.exec(info)?.[1] ?? '?',
    encodingSettings: await encodingSettings(redis),
    seconds: (performance.now() - started) / 1000,
    shortLived,
    shortLivedBytes,
    shortLivedTtlMs,
  };
}

export async function memoryInfo(redis: Redis): Promise<MemoryInfo> {
  const text = await redis.info('memory');
  const field = (name: string) => Number(new RegExp(`^${name}:(\\d+)`, 'm').exec(text)?.[1] ?? Number.NaN);
  return {
    used_memory: field('used_memory'),
    used_memory_dataset: field('used_memory_dataset'),
    used_memory_overhead: field('used_memory_overhead'),
    used_memory_scripts: field('used_memory_scripts'),
    used_memory_rss: field('used_memory_rss'),
  };
}

export interface SteadyState {
  deletedKeys: number;
  deletedBytes: number;
  memory: MemoryInfo;
}

/** Deletes the census's short-lived keys (DEL, not UNLINK, so the memory is freed before it is read). */
export async function steadyState(redis: Redis, census: Census): Promise<SteadyState> {
  let deletedKeys = 0;
  for (let i = 0; i < census.shortLived.length; i += 1000) {
    deletedKeys += await redis.del(...census.shortLived.slice(i, i + 1000));
  }
  return { deletedKeys, deletedBytes: census.shortLivedBytes, memory: await memoryInfo(redis) };
}

export interface ReportExtras {
  /** What "per comment" divides by, and where that number comes from. */
  comments: number;
  commentsSource: string;
  rdb?: { path: string; bytes: number } | null;
  steady?: SteadyState | null;
  /** Why there is no steady state, when there is none. */
  steadySkipped?: string;
}

export function formatCensus(census: Census, extras: ReportExtras): string {
  const lines: string[] = [];
  const perComment = (bytes: number) => (extras.comments > 0 ? (bytes / extras.comments).toFixed(1) : '-');
  const share = (bytes: number) => `${((100 * bytes) / Math.max(1, census.bytes)).toFixed(1)} %`;
  lines.push(
    `ThreadKit memory census: Redis ${census.redisVersion}, ${fmt(census.keys)} keys, measured in ${duration(census.seconds)}`,
  );
  lines.push(
    `Encoding limits: ${Object.entries(census.encodingSettings)
      .map(([name, value]) => `${name} ${value}`)
      .join(', ')}`,
  );
  lines.push(`Per comment: divided by ${fmt(extras.comments)} comments (${extras.commentsSource})`);
  lines.push('');
  const rows: string[][] = [
    ['family', 'type', 'keys', 'bytes', 'MB', 'B/comment', 'share', 'encodings', 'TTL', 'what'],
  ];
  for (const f of census.families) {
    rows.push([
      f.name,
      f.type,
      fmt(f.keys),
      fmt(f.bytes),
      mb(f.bytes),
      perComment(f.bytes),
      share(f.bytes),
      encodingSummary(f.encodings, f.keys),
      f.ttlKeys === 0 ? '' : `${f.ttlKeys === f.keys ? 'all' : fmt(f.ttlKeys)} ${ttlRange(f)}`,
      f.description,
    ]);
  }
  rows.push([
    'total',
    '',
    fmt(census.keys),
    fmt(census.bytes),
    mb(census.bytes),
    perComment(census.bytes),
    '100 %',
    '',
    '',
    'sum of MEMORY USAGE',
  ]);
  lines.push(...table(rows, [false, false, true, true, true, true, true, false, false, false]));
  lines.push('');
  const m = census.memory;
  const memoryRows = [
    ['used_memory', fmt(m.used_memory), mb(m.used_memory), perComment(m.used_memory), ''],
    [
      'used_memory_dataset',
      fmt(m.used_memory_dataset),
      mb(m.used_memory_dataset),
      perComment(m.used_memory_dataset),
      `census total is ${((100 * census.bytes) / m.used_memory_dataset).toFixed(1)} % of it`,
    ],
    [
      'used_memory_overhead',
      fmt(m.used_memory_overhead),
      mb(m.used_memory_overhead),
      '',
      'key tables, clients, buffers, scripts',
    ],
    [
      'used_memory_rss',
      fmt(m.used_memory_rss),
      mb(m.used_memory_rss),
      '',
      'resident, fragmentation included',
    ],
  ];
  if (extras.rdb) {
    memoryRows.push([
      'RDB snapshot',
      fmt(extras.rdb.bytes),
      mb(extras.rdb.bytes),
      perComment(extras.rdb.bytes),
      extras.rdb.path,
    ]);
  }
  lines.push(
    ...table([['memory', 'bytes', 'MB', 'B/comment', ''], ...memoryRows], [false, true, true, true, false]),
  );

  const expiring = census.families.filter((f) => f.ttlKeys > 0);
  lines.push('');
  lines.push(`Families with a TTL (short-lived: TTL at most ${duration(census.shortLivedTtlMs / 1000)})`);
  if (expiring.length === 0) lines.push('  none');
  else {
    const ttlRows = [['family', 'keys with TTL', 'bytes', 'MB', 'TTL left', 'steady state']];
    for (const f of expiring) {
      ttlRows.push([
        f.name,
        fmt(f.ttlKeys),
        fmt(f.ttlBytes),
        mb(f.ttlBytes),
        ttlRange(f),
        f.ttlMax <= census.shortLivedTtlMs
          ? 'gone'
          : f.ttlMin <= census.shortLivedTtlMs
            ? 'partly gone'
            : 'stays',
      ]);
    }
    lines.push(...table(ttlRows, [false, true, true, true, false, false]));
  }

  lines.push('');
  if (extras.steady) {
    const s = extras.steady;
    lines.push(
      `Steady state: ${fmt(s.deletedKeys)} short-lived keys deleted (${mb(s.deletedBytes)} MB by the census), then`,
    );
    lines.push(
      ...table(
        [
          ['memory', 'bytes', 'MB', 'B/comment', 'change'],
          [
            'used_memory',
            fmt(s.memory.used_memory),
            mb(s.memory.used_memory),
            perComment(s.memory.used_memory),
            mb(s.memory.used_memory - m.used_memory),
          ],
          [
            'used_memory_dataset',
            fmt(s.memory.used_memory_dataset),
            mb(s.memory.used_memory_dataset),
            perComment(s.memory.used_memory_dataset),
            mb(s.memory.used_memory_dataset - m.used_memory_dataset),
          ],
        ],
        [false, true, true, true, true],
      ),
    );
  } else {
    lines.push(`Steady state: not measured (${extras.steadySkipped ?? 'not asked for'})`);
  }

  const other = census.families.find((f) => f.name === OTHER);
  lines.push('');
  if (other) {
    lines.push(`Keys no family matches (${fmt(other.keys)}), for example:`);
    for (const key of other.examples) lines.push(`  ${key}`);
  } else {
    lines.push('Every key belongs to a family.');
  }
  return `${lines.join('\n')}\n`;
}

const mb = (bytes: number) => (Number.isFinite(bytes) ? (bytes / 1024 / 1024).toFixed(1) : '?');

function ttlRange(f: FamilyCount): string {
  const [shortest, longest] = [duration(f.ttlMin / 1000), duration(f.ttlMax / 1000)];
  return shortest === longest ? shortest : `${shortest}…${longest}`;
}

function encodingSummary(encodings: Record<string, number>, total: number): string {
  const entries = Object.entries(encodings).sort((a, b) => b[1] - a[1]);
  if (entries.length === 1) return entries[0]![0];
  return entries
    .slice(0, 3)
    .map(([name, n]) => `${name} ${Math.round((100 * n) / total)}%`)
    .join(', ');
}

function table(rows: string[][], rightAligned: boolean[]): string[] {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => [...(row[column] ?? '')].length)));
  return rows.map((row) =>
    row
      .map((cell, column) => {
        const pad = ' '.repeat(widths[column]! - [...cell].length);
        return rightAligned[column] ? pad + cell : cell + pad;
      })
      .join('  ')
      .trimEnd(),
  );
}

/** The compact-encoding limits in force (`CONFIG GET`), or '?' where the server does not say. */
async function encodingSettings(redis: Redis): Promise<Record<string, string>> {
  const names = [
    'zset-max-listpack-entries',
    'zset-max-listpack-value',
    'hash-max-listpack-entries',
    'hash-max-listpack-value',
  ];
  const settings: Record<string, string> = {};
  for (const name of names) {
    const answer = (await redis.config('GET', name).catch(() => [])) as string[];
    settings[name] = answer[1] ?? '?';
  }
  return settings;
}
