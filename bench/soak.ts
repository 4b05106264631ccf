/**
 * The soak: `mixed` load (reads, votes and posts in the shares of `threadkit
 * loadtest mixed`) at about half of one instance's capacity against a real
 * server process for SOAK_MINUTES (default 30), with the server's RSS, each
 * kind's p99 and what Redis did in the background sampled every minute. Prints
 * a table and a verdict against the bounds below. `npm run soak`; not part of
 * `npm test`.
 *
 * The capacity is measured with autocannon, which costs far less CPU than the
 * open loop that then sends the mix (it turns the event loop until each due
 * time). On a machine whose cores the server, Redis and the load generator
 * share, half the capacity can be more than the machine has: see the send
 * lateness and the late count of each sample, and lower SOAK_LOAD.
 *
 * Knobs: SOAK_MINUTES, SOAK_SAMPLE_SECONDS (60), SOAK_LOAD (0.5 of capacity),
 * SOAK_APPENDFSYNC (`always`, as the managed Redis; or `everysec`).
 */
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { Pool } from 'undici';
import { DEFAULT_MIX, type Percentiles, pickByWeight, runOpenLoop } from '../packages/loadtest/src/index.js';
import { startRedis } from '../packages/testing/src/redis.js';
import {
  envNumber,
  formatTable,
  generateKeys,
  type LoadRequest,
  loadAverage,
  mib,
  ms,
  percentile,
  processMemory,
  type Row,
  redisPid,
  runLoad,
  sendLoadRequest,
  startServer,
  stopOnSignal,
} from './lib.js';
import { ApiClient, markdownComment, prng, seedThread } from './seed.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const MINUTES = envNumber('SOAK_MINUTES', 30, { integer: true });
const SAMPLE_SEC = envNumber('SOAK_SAMPLE_SECONDS', 60, { integer: true });
const LOAD = envNumber('SOAK_LOAD', 0.5);
/** When the soak's Redis syncs its append-only file: `always` (the managed Redis's) or `everysec`. */
const APPENDFSYNC = process.env.SOAK_APPENDFSYNC ?? 'always';
if (APPENDFSYNC !== 'always' && APPENDFSYNC !== 'everysec')
  throw new Error(`SOAK_APPENDFSYNC must be always or everysec, not ${APPENDFSYNC}`);
/** The mix of `threadkit loadtest mixed`: mostly thread reads, as comment traffic is. */
const WEIGHTS = [
  ['read', DEFAULT_MIX.reads],
  ['vote', DEFAULT_MIX.votes],
  ['post', DEFAULT_MIX.posts],
] as const;
type Kind = (typeof WEIGHTS)[number][0];
const KINDS: readonly Kind[] = WEIGHTS.map(([kind]) => kind);
/** Each kind's share of the mix. */
const MIX = Object.fromEntries(
  WEIGHTS.map(([kind, parts]) => [kind, parts / WEIGHTS.reduce((n, [, w]) => n + w, 0)]),
) as Record<Kind, number>;
const CALIBRATE_SEC = 5;

/** The bounds the verdict checks. RSS: after the first sample (warm caches, JIT), growth over the whole run. */
const MAX_RSS_GROWTH = 64 * 2 ** 20;
/** p99 of every later sample at most this many times the first sample's (and 5 ms, for noise on tiny figures). */
const MAX_P99_RATIO = 2;
const P99_FLOOR_MS = 5;

const say = (line: string) => process.stdout.write(`${line}\n`);

async function main(): Promise<number> {
  // Redis records its own stalls over LATENCY_EVENT_MS (forks, fsyncs, slow commands): each sample says which it saw.
  const redis = await startRedis({
    appendonly: true,
    args: ['--appendfsync', APPENDFSYNC, '--latency-monitor-threshold', String(LATENCY_EVENT_MS)],
  });
  const redisClient = new Redis(redis.url);
  const keys = generateKeys();
  const server = await startServer({ root: ROOT, redisUrl: redis.url, ...keys, part: 'http' });
  stopOnSignal(async () => {
    redisClient.disconnect();
    await server.stop();
    await redis.stop();
  }, say);
  try {
    const api = new ApiClient(server.baseUrl, keys.publicKey);
    const random = prng(42);
    const guests = await Promise.all(Array.from({ length: 20 }, (_, i) => api.guest(`Soak ${i}`)));
    const readPage = 'https://bench.local/soak/read';
    const thread = await seedThread(api, {
      pageUrl: readPage,
      guests,
      total: 200,
      roots: 60,
      votes: 200,
      random,
    });
    const cpuPids = { server: server.pid, redis: await redisPid(redis.port) };

    let serial = 0;
    const requests: Record<Kind, LoadRequest> = {
      read: {
        method: 'GET',
        path: `/v1/comments?page_url=${encodeURIComponent(readPage)}&limit=50`,
        route: '/v1/comments',
        headers: { ...api.headers(), 'accept-encoding': 'gzip' },
      },
      vote: {
        method: 'POST',
        path: `/v1/comments/${thread[0]!.id}/vote`,
        route: '/v1/comments/:id/vote',
        headers: api.headers(guests[0]!.token),
        body: JSON.stringify({ direction: 'up' }),
        next: () => {
          const comment = thread[++serial % thread.length]!;
          let voter = guests[serial % guests.length]!;
          if (voter.userId === comment.authorId) voter = guests[(serial + 1) % guests.length]!;
          return {
            path: `/v1/comments/${comment.id}/vote`,
            headers: { authorization: `Bearer ${voter.token}` },
            body: JSON.stringify({ direction: random() < 0.8 ? 'up' : 'down' }),
          };
        },
      },
      post: {
        method: 'POST',
        path: '/v1/comments',
        route: '/v1/comments',
        headers: api.headers(guests[0]!.token),
        body: JSON.stringify({ page_url: 'https://bench.local/soak/0', content: 'first' }),
        // Spread over many pages, as a site's comments are; the read page stays as seeded.
        next: () => ({
          headers: { authorization: `Bearer ${guests[++serial % guests.length]!.token}` },
          body: JSON.stringify({
            page_url: `https://bench.local/soak/${serial % 500}`,
            content: markdownComment(random, serial),
          }),
        }),
      },
    };

    // Capacity of each kind alone, then of the mix: the time a request of the mix takes on average.
    const capacity: Record<Kind, number> = { read: 0, vote: 0, post: 0 };
    for (const kind of Object.keys(MIX) as Kind[]) {
      const result = await runLoad({
        baseUrl: server.baseUrl,
        request: requests[kind],
        connections: 16,
        durationSec: CALIBRATE_SEC,
        cpuPids,
      });
      capacity[kind] = result.ok / result.durationSec;
    }
    const mixCapacity = 1 / KINDS.reduce((t, k) => t + MIX[k] / capacity[k], 0);
    const target = mixCapacity * LOAD;
    say(
      `redis: appendonly yes, appendfsync ${APPENDFSYNC}; capacity alone: reads ${capacity.read.toFixed(0)}/s, votes ${capacity.vote.toFixed(0)}/s, posts ${capacity.post.toFixed(0)}/s; ` +
        `the mix ${mixCapacity.toFixed(0)}/s; soaking at ${target.toFixed(0)}/s for ${MINUTES} × ${SAMPLE_SEC} s (load average ${loadAverage()})`,
    );

    const samples: {
      rss: number;
      p99: Record<Kind, number>;
      ok: number;
      bad: number;
      background: RedisBackground;
    }[] = [];
    await redisBackground(redisClient);
    // Each kind on connections of its own, enough for its rate when answers take 20 ms.
    const connections = (kind: Kind) => Math.max(8, Math.ceil((target * MIX[kind]) / 50));
    const pools = Object.fromEntries(
      KINDS.map((kind) => [
        kind,
        new Pool(server.baseUrl, { connections: connections(kind), pipelining: 1 }),
      ]),
    ) as Record<Kind, Pool>;
    const slots = KINDS.reduce((n, kind) => n + connections(kind), 0);
    for (let minute = 1; minute <= MINUTES; minute++) {
      const { byKind, late, sendLateness, bad } = await mixFor(SAMPLE_SEC, target, requests, pools, slots);
      const sample = {
        rss: processMemory(server.pid).rss,
        p99: {
          read: percentile(byKind.read, 99),
          vote: percentile(byKind.vote, 99),
          post: percentile(byKind.post, 99),
        },
        ok: byKind.read.length + byKind.vote.length + byKind.post.length,
        bad,
        background: await redisBackground(redisClient),
      };
      samples.push(sample);
      say(
        `${String(minute).padStart(3)}  RSS ${mib(sample.rss)}  p99 read ${ms(sample.p99.read)}, vote ${ms(sample.p99.vote)}, ` +
          `post ${ms(sample.p99.post)}  ${(sample.ok / SAMPLE_SEC).toFixed(0)}/s ok, ${sample.bad} not; ` +
          `sent late (every connection busy) ${late}, send lateness p99 ${ms(sendLateness.p99)}; ` +
          `redis: ${describeBackground(sample.background)}`,
      );
    }

    const first = samples[0]!;
    const last = samples.at(-1)!;
    const rssGrowth = Math.max(...samples.map((s) => s.rss)) - first.rss;
    const rows: Row[] = [
      {
        scenario: 'soak: RSS growth after the first sample',
        figure: mib(rssGrowth),
        budget: `≤ ${mib(MAX_RSS_GROWTH)}`,
        verdict: rssGrowth <= MAX_RSS_GROWTH ? 'PASS' : 'FAIL',
        notes: `${mib(first.rss)} → ${mib(last.rss)}`,
      },
      ...KINDS.map((kind): Row => {
        const worst = Math.max(...samples.map((s) => s.p99[kind]));
        const bound = Math.max(first.p99[kind] * MAX_P99_RATIO, P99_FLOOR_MS);
        return {
          scenario: `soak: p99 of ${kind}s, worst sample`,
          figure: ms(worst),
          budget: `≤ ${ms(bound)}`,
          verdict: worst <= bound ? 'PASS' : 'FAIL',
          notes: `first ${ms(first.p99[kind])}, last ${ms(last.p99[kind])}`,
        };
      }),
      {
        // Below the offered rate the machine (or the load generator) was the limit, not the server: the run says little.
        scenario: 'soak: rate achieved, slowest sample',
        figure: `${(Math.min(...samples.map((s) => s.ok)) / SAMPLE_SEC).toFixed(0)}/s`,
        budget: `≥ ${(target * 0.9).toFixed(0)}/s`,
        verdict: samples.every((s) => s.ok / SAMPLE_SEC >= target * 0.9) ? 'info' : 'INVALID',
        notes: `offered ${target.toFixed(0)}/s; load average ${loadAverage()}`,
      },
      {
        scenario: 'soak: failed requests',
        figure: String(samples.reduce((n, s) => n + s.bad, 0)),
        budget: '0',
        verdict: samples.every((s) => s.bad === 0) ? 'PASS' : 'FAIL',
        notes: `${samples.reduce((n, s) => n + s.ok, 0)} answered as expected`,
      },
    ];
    await Promise.all(Object.values(pools).map((pool) => pool.destroy()));
    say(`\n${formatTable(rows)}`);
    say(`\n${rewriteCorrelation(samples)}`);
    const failed = rows.some((r) => r.verdict === 'FAIL');
    const invalid = rows.some((r) => r.verdict === 'INVALID');
    say(`\nverdict: ${failed ? 'FAIL' : invalid ? 'INVALID (the offered load was not reached)' : 'PASS'}`);
    return failed || invalid ? 1 : 0;
  } finally {
    redisClient.disconnect();
    await server.stop();
    await redis.stop();
  }
}

/** What Redis did beside answering during a sample: rewrites of its append-only file, and the stalls it recorded. */
interface RedisBackground {
  rewrites: number;
  /** The last fork's time (a rewrite forks), ms. */
  forkMs: number;
  /** Latency events over LATENCY_EVENT_MS: the event's name and its worst, ms. */
  events: { name: string; maxMs: number }[];
}

const LATENCY_EVENT_MS = 20;
let rewritesSeen = 0;

/** The background work since the last call (the latency events are reset for the next). */
async function redisBackground(client: Redis): Promise<RedisBackground> {
  const info = await client.info('persistence');
  const field = (name: string) => Number(new RegExp(`^${name}:(\\d+)`, 'm').exec(info)?.[1] ?? 0);
  const rewrites = field('aof_rewrites');
  const forkMs = Number(/^latest_fork_usec:(\d+)/m.exec(await client.info('stats'))?.[1] ?? 0) / 1000;
  const latest = (await client.call('LATENCY', 'LATEST')) as [string, number, number, number][];
  await client.call('LATENCY', 'RESET');
  const since = rewrites - rewritesSeen;
  rewritesSeen = rewrites;
  return { rewrites: since, forkMs, events: latest.map(([name, , , maxMs]) => ({ name, maxMs })) };
}

function describeBackground({ rewrites, forkMs, events }: RedisBackground): string {
  const stalls = events.map((e) => `${e.name} ${e.maxMs} ms`).join(', ') || 'no stall';
  return `${rewrites} AOF rewrite(s)${rewrites > 0 ? ` (fork ${forkMs.toFixed(1)} ms)` : ''}, ${stalls}`;
}

/**
 * Whether the slow samples are the ones in which Redis rewrote its append-only
 * file: each rewrite forks and writes the whole dataset from a child process,
 * which on a machine without a spare core takes CPU from everything else.
 */
function rewriteCorrelation(samples: { p99: Record<Kind, number>; background: RedisBackground }[]): string {
  const worst = (s: (typeof samples)[number]) => Math.max(s.p99.read, s.p99.vote, s.p99.post);
  const median = (values: number[]) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;
  const withRewrite = samples.filter((s) => s.background.rewrites > 0).map(worst);
  const without = samples.filter((s) => s.background.rewrites === 0).map(worst);
  const stalls = new Map<string, number>();
  for (const s of samples)
    for (const e of s.background.events) stalls.set(e.name, Math.max(stalls.get(e.name) ?? 0, e.maxMs));
  return (
    `Redis background work: ${withRewrite.length} of ${samples.length} samples had an AOF rewrite; ` +
    `the worst p99 of a sample was ${withRewrite.length ? ms(median(withRewrite)) : '-'} (median) with one, ` +
    `${without.length ? ms(median(without)) : '-'} without. Stalls Redis recorded (over ${LATENCY_EVENT_MS} ms, worst): ` +
    `${[...stalls].map(([name, max]) => `${name} ${max} ms`).join(', ') || 'none'}.`
  );
}

/** One sample of the mix at `rate` a second, open loop: each kind's latencies (ms, sorted), from when each request was due. */
async function mixFor(
  seconds: number,
  rate: number,
  requests: Record<Kind, LoadRequest>,
  pools: Record<Kind, Pool>,
  slots: number,
): Promise<{ byKind: Record<Kind, Float64Array>; late: number; sendLateness: Percentiles; bad: number }> {
  const byKind: Record<Kind, number[]> = { read: [], vote: [], post: [] };
  let bad = 0;
  const report = await runOpenLoop(
    {
      rate,
      rampMs: 0,
      durationMs: seconds * 1000,
      maxInFlight: slots,
      drainMs: 10_000,
    },
    async (index) => {
      // One open loop sends every kind, spread evenly (one loop per kind would each turn the
      // load generator's event loop and hold up the others).
      const kind = pickByWeight(index, WEIGHTS);
      const response = await sendLoadRequest(pools[kind], requests[kind]);
      await response.body.dump();
      return { status: response.statusCode, operation: kind };
    },
    (outcome, latencyMs) => {
      if ('status' in outcome && outcome.status >= 200 && outcome.status < 300)
        byKind[outcome.operation as Kind].push(latencyMs);
      else bad++;
    },
  );
  const sorted = (kind: Kind) => Float64Array.from(byKind[kind]).sort();
  return {
    byKind: { read: sorted('read'), vote: sorted('vote'), post: sorted('post') },
    late: report.late,
    sendLateness: report.sendLateness,
    bad: bad + report.unsent + report.unfinished,
  };
}

process.exitCode = await main();
