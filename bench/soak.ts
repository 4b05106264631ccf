/**
 * The soak: mixed load (reads, votes, posts) at about half of one instance's
 * capacity against a real server process for SOAK_MINUTES (default 30), with the
 * server's RSS and each kind's p99 sampled every minute. Prints a table and a
 * verdict against the bounds below. `npm run soak`; not part of `npm test`.
 *
 * Knobs: SOAK_MINUTES, SOAK_SAMPLE_SECONDS (60), SOAK_LOAD (0.5 of capacity).
 */
import { fileURLToPath } from 'node:url';
import { startRedis } from '../packages/testing/src/redis.js';
import {
  envNumber,
  formatTable,
  generateKeys,
  type LoadRequest,
  type LoadResult,
  loadAverage,
  mib,
  ms,
  percentile,
  processMemory,
  type Row,
  redisPid,
  runLoad,
  startServer,
  stopOnSignal,
} from './lib.js';
import { ApiClient, markdownComment, prng, seedThread } from './seed.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const MINUTES = envNumber('SOAK_MINUTES', 30, { integer: true });
const SAMPLE_SEC = envNumber('SOAK_SAMPLE_SECONDS', 60, { integer: true });
const LOAD = envNumber('SOAK_LOAD', 0.5);
/** The mix: mostly thread reads, as comment traffic is. */
const MIX = { read: 0.7, vote: 0.2, post: 0.1 } as const;
type Kind = keyof typeof MIX;
const CALIBRATE_SEC = 5;

/** The bounds the verdict checks. RSS: after the first sample (warm caches, JIT), growth over the whole run. */
const MAX_RSS_GROWTH = 64 * 2 ** 20;
/** p99 of every later sample at most this many times the first sample's (and 5 ms, for noise on tiny figures). */
const MAX_P99_RATIO = 2;
const P99_FLOOR_MS = 5;

const say = (line: string) => process.stdout.write(`${line}\n`);

async function main(): Promise<number> {
  const redis = await startRedis({ appendonly: true, args: ['--appendfsync', 'always'] });
  const keys = generateKeys();
  const server = await startServer({ root: ROOT, redisUrl: redis.url, ...keys, part: 'http' });
  stopOnSignal(async () => {
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
    const mixCapacity = 1 / (Object.keys(MIX) as Kind[]).reduce((t, k) => t + MIX[k] / capacity[k], 0);
    const target = mixCapacity * LOAD;
    say(
      `capacity alone: reads ${capacity.read.toFixed(0)}/s, votes ${capacity.vote.toFixed(0)}/s, posts ${capacity.post.toFixed(0)}/s; ` +
        `the mix ${mixCapacity.toFixed(0)}/s; soaking at ${target.toFixed(0)}/s for ${MINUTES} × ${SAMPLE_SEC} s (load average ${loadAverage()})`,
    );

    const samples: { rss: number; p99: Record<Kind, number>; ok: number; bad: number }[] = [];
    for (let minute = 1; minute <= MINUTES; minute++) {
      const results = await Promise.all(
        (Object.keys(MIX) as Kind[]).map((kind) =>
          runLoad({
            baseUrl: server.baseUrl,
            request: requests[kind],
            // Enough connections for the paced rate even when answers take 20 ms: with too few, a
            // kind's requests queue in the load generator and its latency is that queue's.
            connections: Math.max(16, Math.ceil((target * MIX[kind]) / 50)),
            durationSec: SAMPLE_SEC,
            ratePerSec: Math.max(1, target * MIX[kind]),
            cpuPids,
          }).then((result) => [kind, result] as const),
        ),
      );
      const byKind = Object.fromEntries(results) as Record<Kind, LoadResult>;
      const sample = {
        rss: processMemory(server.pid).rss,
        p99: {
          read: percentile(byKind.read.latencies, 99),
          vote: percentile(byKind.vote.latencies, 99),
          post: percentile(byKind.post.latencies, 99),
        },
        ok: results.reduce((n, [, r]) => n + r.ok, 0),
        bad: results.reduce((n, [, r]) => n + r.unexpected + r.errors + r.timeouts, 0),
      };
      samples.push(sample);
      say(
        `${String(minute).padStart(3)}  RSS ${mib(sample.rss)}  p99 read ${ms(sample.p99.read)}, vote ${ms(sample.p99.vote)}, ` +
          `post ${ms(sample.p99.post)}  ${(sample.ok / SAMPLE_SEC).toFixed(0)}/s ok, ${sample.bad} not; ` +
          `sent late (every connection busy) ${results.reduce((n, [, r]) => n + r.late, 0)}, ` +
          `send lateness p99 ${ms(Math.max(...results.map(([, r]) => r.sendLateness?.p99 ?? 0)))}`,
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
      ...(Object.keys(MIX) as Kind[]).map((kind): Row => {
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
    say(`\n${formatTable(rows)}`);
    const failed = rows.some((r) => r.verdict === 'FAIL');
    const invalid = rows.some((r) => r.verdict === 'INVALID');
    say(`\nverdict: ${failed ? 'FAIL' : invalid ? 'INVALID (the offered load was not reached)' : 'PASS'}`);
    return failed || invalid ? 1 : 0;
  } finally {
    await server.stop();
    await redis.stop();
  }
}

process.exitCode = await main();
