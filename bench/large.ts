/**
 * Reads that must cost what they show, not what a page holds (docs/redis.md,
 * Listed and hidden): the first page of the largest thread of the 1M-comment
 * site (20 000 comments) and of a page with 100 000 hidden roots, read
 * anonymously and signed in at 200 requests/s, with every Redis script call of
 * a read timed by SLOWLOG. Run with `npm run bench` (or `tsx bench/large.ts`).
 *
 * The data: with BENCH_LARGE_REDIS_URL, a Redis filled by `npm run census --
 * --keep` (the whole 1M-comment site; its largest page is found by SCAN, and
 * the site's keys are rotated so the bench can use it); without, a throwaway
 * Redis holding just the two pages, which is what a read of them touches. The
 * hidden page is added either way: 100 000 roots by one guest, each held by
 * the link limit, as any guest can make them.
 *
 * Budgets (docs/capacity.md): p99 < 5 ms for each read at 200 req/s; no script
 * call of a read over 2 ms. Knobs (seconds): BENCH_DURATION (10), BENCH_WARMUP (2);
 * BENCH_LARGE_TOTAL (20 000 comments, 40 % roots) and BENCH_HIDDEN (100 000) for quicker tries.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { scripts } from '../packages/core/src/store/scripts.js';
import { type RedisServerHandle, startRedis } from '../packages/testing/src/redis.js';
import {
  ALLOWED_ORIGINS,
  envNumber,
  formatTable,
  generateKeys,
  type LoadResult,
  ms,
  percentile,
  type Row,
  redisPid,
  runLoad,
  type ServerProcess,
  startServer,
  stopOnSignal,
} from './lib.js';
import { ApiClient, type Guest, markdownComment, prng } from './seed.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const DURATION = envNumber('BENCH_DURATION', 10);
const WARMUP = envNumber('BENCH_WARMUP', 2);
const LARGE_TOTAL = envNumber('BENCH_LARGE_TOTAL', 20_000, { integer: true });
const LARGE_ROOTS = Math.round(LARGE_TOTAL * 0.4);
const HIDDEN = envNumber('BENCH_HIDDEN', 100_000, { integer: true });
const RATE = 200;
const P99_BUDGET_MS = 5;
const SCRIPT_BUDGET_US = 2_000;
const LARGE_PAGE = 'https://bench.local/largest';
const HIDDEN_PAGE = 'https://bench.local/hidden-spam';
/** Concurrent writes while seeding. */
const WRITERS = 16;

const say = (line = '') => process.stdout.write(`${line}\n`);
const exec = promisify(execFile);

interface Target {
  redis: Redis;
  redisUrl: string;
  redisPort: number;
  keys: { publicKey: string; secretKey: string };
  /** The page to read as the largest thread, by URL. */
  largeUrl: string | null;
  throwaway: RedisServerHandle | null;
}

async function main(): Promise<number> {
  say(`ThreadKit large-page benchmark: ${RATE} req/s, ${WARMUP} s warm-up + ${DURATION} s measured each.\n`);
  let target: Target | undefined;
  let server: ServerProcess | undefined;
  const cleanup = async () => {
    await server?.stop().catch(() => {});
    target?.redis.disconnect();
    await target?.throwaway?.stop().catch(() => {});
  };
  stopOnSignal(cleanup, say);
  try {
    target = await openTarget();
    server = await startServer({ root: ROOT, redisUrl: target.redisUrl, ...target.keys });
    const api = new ApiClient(server.baseUrl, target.keys.publicKey);
    const random = prng(20261206);
    const guests = await Promise.all(
      Array.from({ length: WRITERS }, (_, i) => api.guest(`Bench writer ${i}`)),
    );
    const t0 = Date.now();
    const largeUrl = target.largeUrl ?? (await seedLargeThread(api, guests, random));
    const seededLarge = Date.now() - t0;
    const spammer = guests[0]!;
    await seedHiddenPage(api, spammer, HIDDEN);
    say(
      `data: ${target.throwaway ? 'a throwaway Redis with the two pages' : `the filled Redis at ${target.redisUrl}`}; ` +
        `largest thread ${largeUrl}${target.largeUrl ? '' : ` (seeded in ${(seededLarge / 1000) | 0} s)`}; ` +
        `${HIDDEN} hidden roots seeded in ${((Date.now() - t0 - seededLarge) / 1000) | 0} s\n`,
    );
    const reader = guests[1]!;
    const rows: Row[] = [];
    const pid = await redisPid(target.redisPort);
    const read = async (label: string, pageUrl: string, token: string | null) => {
      const pathOf = `/v1/comments?page_url=${encodeURIComponent(pageUrl)}`;
      const headers: Record<string, string> = {
        ...api.headers(token ?? undefined),
        'accept-encoding': 'gzip',
      };
      delete headers['content-type'];
      const check = await fetch(`${server!.baseUrl}${pathOf}`, { headers });
      if (check.status !== 200)
        throw new Error(`${label}: ${check.status} ${(await check.text()).slice(0, 300)}`);
      const body = (await check.json()) as { total: number; tree: { comments: unknown[] } };
      const options = {
        baseUrl: server!.baseUrl,
        request: { method: 'GET' as const, path: pathOf, route: '/v1/comments', headers },
        connections: 8,
        ratePerSec: RATE,
        cpuPids: { server: server!.pid, redis: pid },
      };
      await runLoad({ ...options, durationSec: WARMUP });
      const result = await runLoad({ ...options, durationSec: DURATION });
      rows.push(
        row(label, result, `${body.tree.comments.length} roots shown of a page with ${body.total} published`),
      );
    };
    await read('Largest thread, anonymous', largeUrl, null);
    await read('Largest thread, signed in', largeUrl, reader.token);
    const hidden = `${HIDDEN.toLocaleString('en')} hidden roots`;
    await read(`${hidden}, anonymous`, HIDDEN_PAGE, null);
    await read(`${hidden}, signed in`, HIDDEN_PAGE, reader.token);
    await read(`${hidden}, their author (info)`, HIDDEN_PAGE, spammer.token);
    rows.at(-1)!.verdict = 'info';
    rows.push(await scriptTimes(target.redis, server, api, { largeUrl, reader, spammer }));
    say(formatTable(rows));
    say(
      "\nThe reads are served from each instance's cache; the script row times the reads that reach Redis.",
    );
    return 0;
  } finally {
    await cleanup();
  }
}

function row(scenario: string, result: LoadResult, notes: string): Row {
  const p99 = percentile(result.latencies, 99);
  const failed = result.unexpected + result.errors + result.timeouts;
  return {
    scenario: `${scenario}, ${RATE}/s`,
    figure: `p99 ${ms(p99)}`,
    budget: `< ${P99_BUDGET_MS} ms`,
    verdict: failed > 0 ? 'INVALID' : p99 < P99_BUDGET_MS ? 'PASS' : 'FAIL',
    notes: `${notes}; ${result.ok} reads${failed > 0 ? `, ${failed} failed` : ''}; server ${(result.serverCpuMs / Math.max(result.ok, 1)).toFixed(3)} ms CPU/read`,
  };
}

/**
 * Every script call a read makes, timed by Redis itself: SLOWLOG with a 0 µs
 * threshold while readers that miss the cache (each asks for another page
 * size, which the cache keys on) read both pages, signed in and not.
 */
async function scriptTimes(
  redis: Redis,
  server: ServerProcess,
  api: ApiClient,
  who: { largeUrl: string; reader: Guest; spammer: Guest },
): Promise<Row> {
  await redis.config('SET', 'slowlog-log-slower-than', '0');
  await redis.config('SET', 'slowlog-max-len', '10000');
  await redis.slowlog('RESET');
  for (let limit = 20; limit < 60; limit++) {
    for (const [pageUrl, token] of [
      [who.largeUrl, null],
      [who.largeUrl, who.reader.token],
      [HIDDEN_PAGE, who.reader.token],
      [HIDDEN_PAGE, who.spammer.token],
    ] as const) {
      const headers = api.headers(token ?? undefined);
      const response = await fetch(
        `${server.baseUrl}/v1/comments?page_url=${encodeURIComponent(pageUrl)}&limit=${limit}`,
        { headers },
      );
      if (response.status !== 200) throw new Error(`script timing read: ${response.status}`);
      await response.arrayBuffer();
    }
  }
  const entries = (await redis.slowlog('GET', 10000)) as [number, number, number, string[]][];
  await redis.config('SET', 'slowlog-log-slower-than', '10000');
  const names = new Map(Object.entries(scripts()).map(([name, script]) => [script.sha, name]));
  const calls = entries
    .filter((entry) => /^EVAL/i.test(String(entry[3][0] ?? '')))
    .map((entry) => ({ us: entry[2], name: names.get(String(entry[3][1])) ?? 'eval' }));
  const durations = calls.map((call) => call.us).sort((a, b) => a - b);
  const max = durations.at(-1) ?? 0;
  const p99 = durations[Math.min(durations.length - 1, Math.floor(durations.length * 0.99))] ?? 0;
  const worst = new Map<string, number>();
  for (const call of calls) worst.set(call.name, Math.max(worst.get(call.name) ?? 0, call.us));
  return {
    scenario: 'Script calls of uncached reads (SLOWLOG)',
    figure: `max ${(max / 1000).toFixed(2)} ms`,
    budget: `≤ ${SCRIPT_BUDGET_US / 1000} ms`,
    verdict: durations.length === 0 ? 'INVALID' : max <= SCRIPT_BUDGET_US ? 'PASS' : 'FAIL',
    notes: `${durations.length} calls, p99 ${(p99 / 1000).toFixed(2)} ms; slowest of each: ${[...worst]
      .map(([name, us]) => `${name} ${(us / 1000).toFixed(2)} ms`)
      .join(', ')}`,
  };
}

/** The Redis to read from: a filled one (BENCH_LARGE_REDIS_URL), or a throwaway one. */
async function openTarget(): Promise<Target> {
  const given = process.env.BENCH_LARGE_REDIS_URL;
  if (!given) {
    const throwaway = await startRedis({ args: ['--save', '', '--appendonly', 'no'] });
    return {
      redis: new Redis(throwaway.url),
      redisUrl: throwaway.url,
      redisPort: throwaway.port,
      keys: generateKeys(),
      largeUrl: null,
      throwaway,
    };
  }
  const url = new URL(given);
  if (url.port === '' || url.port === '6379')
    throw new Error('BENCH_LARGE_REDIS_URL must not be the default port');
  const redis = new Redis(given);
  // The filled site's keys are stored hashed: new ones, printed by the CLI, let the bench in.
  const { stdout } = await exec(
    'node',
    [path.join(ROOT, 'packages/server/dist/cli.js'), 'site', 'rotate-keys'],
    {
      env: { ...process.env, REDIS_URL: given },
    },
  );
  const publicKey = /tk_pub_\w+/.exec(stdout)?.[0];
  const secretKey = /tk_sec_\w+/.exec(stdout)?.[0];
  if (!publicKey || !secretKey) throw new Error(`could not read the rotated keys: ${stdout}`);
  await exec(
    'node',
    [path.join(ROOT, 'packages/server/dist/cli.js'), 'site', 'set', 'allowed_origins', ALLOWED_ORIGINS],
    {
      env: { ...process.env, REDIS_URL: given },
    },
  );
  return {
    redis,
    redisUrl: given,
    redisPort: Number(url.port),
    keys: { publicKey, secretKey },
    largeUrl: await largestPage(redis),
    throwaway: null,
  };
}

/** The URL of the page with the most published comments. */
async function largestPage(redis: Redis): Promise<string> {
  let best = { count: -1, key: '' };
  let cursor = '0';
  do {
    const [next, found] = await redis.scan(cursor, 'MATCH', 'tk:{*}:p:*', 'COUNT', 2000, 'TYPE', 'hash');
    cursor = next;
    const counts = await Promise.all(found.map((key) => redis.hget(key, 'count')));
    counts.forEach((count, i) => {
      if (Number(count) > best.count) best = { count: Number(count), key: found[i]! };
    });
  } while (cursor !== '0');
  const url = await redis.hget(best.key, 'url');
  if (!url) throw new Error('the filled Redis has no page with a URL');
  return url;
}

/** 20 000 comments on one page: `LARGE_ROOTS` roots, the rest replies to earlier comments. */
async function seedLargeThread(api: ApiClient, guests: Guest[], random: () => number): Promise<string> {
  const ids: string[] = [];
  for (let start = 0; start < LARGE_TOTAL; start += WRITERS) {
    const batch = Array.from({ length: Math.min(WRITERS, LARGE_TOTAL - start) }, (_, k) => start + k);
    const made = await Promise.all(
      batch.map((n) => {
        const parent =
          n >= LARGE_ROOTS && ids.length > 0 ? ids[Math.floor(random() * ids.length)] : undefined;
        return api.comment(guests[n % guests.length]!.token, LARGE_PAGE, markdownComment(random, n), parent);
      }),
    );
    for (const comment of made) ids.push(comment.id);
  }
  return LARGE_PAGE;
}

/** `count` roots by one guest, each with more links than the site allows: held for review, so hidden. */
async function seedHiddenPage(api: ApiClient, spammer: Guest, count: number): Promise<void> {
  // A page where people talk too: a few published comments among the spam.
  for (let i = 0; i < 20; i++) await api.comment(spammer.token, HIDDEN_PAGE, `A real comment ${i}`);
  const links = Array.from({ length: 6 }, (_, i) => `https://spam.example/${i}`).join(' ');
  for (let start = 0; start < count; start += WRITERS * 4) {
    const batch = Array.from({ length: Math.min(WRITERS * 4, count - start) }, (_, k) => start + k);
    await Promise.all(batch.map((n) => api.comment(spammer.token, HIDDEN_PAGE, `Buy now ${n}: ${links}`)));
  }
}

process.exitCode = await main().catch((error: Error) => {
  say(`large-page benchmark failed: ${error.stack ?? error.message}`);
  return 1;
});
