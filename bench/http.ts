/**
 * HTTP performance budgets (`BUDGET` below), measured against the real server
 * (`node packages/server/dist/cli.js start`) on a throwaway redis-server, with
 * autocannon on loopback. Run with `npm run bench`.
 *
 * Rows at an offered rate (a, c, e) run open-loop with the project's load
 * generator (@threadkit/loadtest, see openLoop in lib.ts): each request is due at
 * a fixed time and its latency counts from then, so a stall is not hidden;
 * saturated rows (b, b″, f, g, d) send as fast as their connections
 * allow. Reads send `Accept-Encoding: gzip, deflate, br` as the widget's browsers
 * always do, and get the shared thread pre-compressed; row b″ repeats the
 * saturated read without it (identity). The seed check makes sure both
 * encodings return the whole thread and measures their size on the wire.
 *
 * The yardstick: each saturated read (b, b″, f, g) is also run on a bare
 * node:http server (bench/reference-server.ts, its own process) that answers
 * the same request with the bytes ThreadKit sent for it, recorded at the seed
 * check (body and headers; gzip, identity, the 304, the signed-in view), under
 * the same autocannon settings, each side in two halves taken in turn
 * (ThreadKit, bare, bare, ThreadKit; see `sideBySide`). ThreadKit's server CPU per read divided by
 * the bare server's is what the framework, the plugins and the reader add:
 * anonymous cached read ≤ 1.3× (gzip and identity), signed-in read ≤ 2× (f, a
 * commenter's token: read fresh from Redis every time). The anonymous reads are
 * also run on a third server: the same answers from one Fastify route with no
 * plugin, hook or schema, which shows how much of the ratio is the framework's
 * own before ThreadKit adds anything. g sends If-None-Match
 * with the current ETag: a cached page's 304 must make no Redis call, so its
 * verdict is Redis commands per request (≈ 0; the server's own batched writes
 * are a few a second) and its ratio to the bare 304 is for information.
 *
 * Memory: the server's RSS (VmRSS from /proc, no forced GC: what the machine
 * sees) idle after start and seed, before any load, read after SETTLE_SECONDS
 * without requests (h, ≤ 100 MB), and right after the saturated runs (i,
 * ≤ 180 MB), with the peak (VmHWM), what a quiet spell then leaves, and the V8
 * heap by space (from the server's /metrics) beside each.
 *
 * Server and redis CPU come from /proc/<pid>/stat around each run, Redis
 * commands from INFO stats; the notes also give the server's own latency
 * histogram, the load generator's event-loop delay, the 1-minute load average
 * and a NOISY HOST marker when other processes used the same cores (kernel
 * softirq, mostly the bench's own loopback traffic, is shown apart).
 *
 * Prints each figure beside its budget. The exit code is 0 whether budgets pass
 * or fail (this is a report); it is non-zero only when the harness itself fails.
 *
 * Knobs (seconds): BENCH_DURATION (10), BENCH_WARMUP (5); BENCH_ONLY (a list of
 * scenarios, e.g. `b,b2,f`) runs only those, while working on one;
 * BENCH_RATIO_RATE (req/s) runs both sides of the ratio rows (b, b″, f, g) at
 * that offered rate instead of saturated, so that CPU per read is compared at
 * equal load: a server answering more requests per second also answers more
 * of them per wake-up, which lowers its cost per read.
 */
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { type RedisServerHandle, startRedis } from '../packages/testing/src/redis.js';
import {
  CLK_TCK,
  combineRuns,
  corePct,
  cpuNotes,
  cpuPerRequest,
  cpuTicks,
  envNumber,
  formatTable,
  generateKeys,
  type HeapFigures,
  heapFigures,
  invalidity,
  joinNotes,
  type LoadOptions,
  type LoadRequest,
  type LoadResult,
  loadAverage,
  mib,
  ms,
  noisy,
  otherPct,
  percentile,
  processMemory,
  type ReferenceProcess,
  type Row,
  rate,
  rawGet,
  redisPid,
  runLoad,
  type ServerProcess,
  sendLatenessNote,
  serverSideSummary,
  sleep,
  startReference,
  startServer,
  stopOnSignal,
  takeInTurns,
  ticksToMs,
} from './lib.js';
import type { RecordedResponse, ReferenceSpec } from './reference-protocol.js';
import {
  ApiClient,
  createGuests,
  type Guest,
  markdownComment,
  prng,
  type SeededComment,
  seedThread,
} from './seed.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const seconds = (name: string, fallback: number) => envNumber(name, fallback);
const DURATION = seconds('BENCH_DURATION', 10);
const WARMUP = seconds('BENCH_WARMUP', 5);
/** Both sides of a ratio row at this offered rate (req/s); 0 (unset): saturated. */
const RATIO_RATE = envNumber('BENCH_RATIO_RATE', 0);

const READ_PAGE = 'https://bench.local/article';
const POST_RATE_PAGE = 'https://bench.local/post-rate';
const POST_SATURATED_PAGE = 'https://bench.local/post-saturated';
const THREAD_SIZE = 200;
const THREAD_ROOTS = 60;
const THREAD_AUTHORS = 50;
const EXTRA_GUESTS = 150; // more distinct posters and voters for the write scenarios
const SEED_VOTES = 300;

/** The budgets this bench checks (docs/architecture.md, "Where a cached read's CPU goes", quotes them). */
const BUDGET = {
  /** Saturated anonymous read, server CPU per request. */
  readCpuMs: 0.1,
  /** Server CPU per read over the bare node:http server's: anonymous cached read (gzip and identity). */
  anonymousRatio: 1.3,
  /** The same, signed in. */
  signedInRatio: 2,
  /**
   * Redis CPU per conditional read answered 304, in ms: none of its own. The rate limiter's
   * batched checks (a grant covers up to 100 requests of one client) cost about 0.0005 ms/req;
   * a single Redis command per request would cost several times this.
   */
  notModifiedRedisCpuMs: 0.002,
  idleRssMb: 100,
  loadedRssMb: 180,
};

const say = (line = '') => process.stdout.write(`${line}\n`);

interface Context {
  server: ServerProcess;
  redis: RedisServerHandle;
  redisPid: number;
  /** The bare node:http server answering the read with ThreadKit's recorded bytes. */
  reference: ReferenceProcess;
  /** The same answers from one bare Fastify route: the framework's own share. */
  framework: ReferenceProcess;
  api: ApiClient;
  guests: Guest[];
  thread: SeededComment[];
  postRoots: Map<string, string[]>;
  readPath: string;
  /** Body size of the read response on the wire, in bytes, per encoding (from the seed check). */
  readBytes: { gzip: number; identity: number };
  /** The anonymous thread's ETag, for the conditional reads. */
  etag: string;
  /** The commenter whose token the signed-in reads carry (one of the thread's authors). */
  reader: Guest;
}

async function main(): Promise<number> {
  const started = Date.now();
  say(
    `ThreadKit HTTP benchmark — ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? 'unknown'}), Node ${process.version}, CLK_TCK ${CLK_TCK}, load average ${loadAverage()}`,
  );
  say(`Runs: ${WARMUP} s warm-up + ${DURATION} s measured each.`);
  if (RATIO_RATE)
    say(`Ratio rows: both sides at ${RATIO_RATE} req/s offered (BENCH_RATIO_RATE), not saturated.`);
  say('');

  let redis: RedisServerHandle | undefined;
  let server: ServerProcess | undefined;
  let reference: ReferenceProcess | undefined;
  let framework: ReferenceProcess | undefined;
  const cleanup = async () => {
    await reference?.stop().catch((error: Error) => say(`stopping reference server: ${error.message}`));
    await framework?.stop().catch((error: Error) => say(`stopping bare Fastify server: ${error.message}`));
    await server?.stop().catch((error: Error) => say(`stopping server: ${error.message}`));
    await redis?.stop().catch((error: Error) => say(`stopping redis: ${error.message}`));
  };
  stopOnSignal(cleanup, say);

  try {
    redis = await startRedis({ args: ['--save', '', '--appendonly', 'no'] });
    const keys = generateKeys();
    server = await startServer({ root: ROOT, redisUrl: redis.url, ...keys });
    say(`server pid ${server.pid} on ${server.baseUrl}; redis on port ${redis.port}`);

    const seeded = await seed(server, redis, keys.publicKey);
    reference = await startReference({ root: ROOT, spec: seeded.spec });
    framework = await startReference({ root: ROOT, spec: seeded.spec, framework: 'fastify' });
    const ctx: Context = { ...seeded.context, reference, framework };
    say(`reference (bare node:http) pid ${reference.pid} on ${reference.baseUrl}`);
    say(`reference (bare Fastify) pid ${framework.pid} on ${framework.baseUrl}\n`);
    const idleBefore = await idleCpu(ctx);
    const idle = await settle(ctx);
    const rows = await scenarios(ctx, idle);
    const idleAfter = await idleCpu(ctx);

    say(`\n${formatTable(rows)}\n`);
    say('p99 figures are exact nearest-rank percentiles over every 2xx response time (fractional ms).');
    say('"paced" = open loop: requests due evenly over time at the offered rate, each timed from');
    say("when it was due (threadkit loadtest's scheduler), so waiting for a busy connection counts;");
    say('saturated rows use autocannon.');
    say(
      `Idle server CPU (${IDLE_SECONDS} s, no load): ${idleBefore.toFixed(1)}% of a core before the runs, ` +
        `${idleAfter.toFixed(1)}% after.`,
    );
    if (server.problems.length > 0) {
      say(`\nServer logged ${server.problems.length} warning/error line(s); first ones:`);
      for (const line of server.problems.slice(0, 10)) say(`  ${line.slice(0, 500)}`);
    } else {
      say('\nServer logged no warnings or errors.');
    }
    say(`Total bench time ${((Date.now() - started) / 1000).toFixed(1)} s; load average ${loadAverage()}.`);
    return 0;
  } finally {
    await cleanup();
  }
}

const IDLE_SECONDS = 2;

/** `BENCH_ONLY=b,b2,f`: only these scenarios (b2 is b″; i needs d). All when unset. */
const ONLY = new Set((process.env.BENCH_ONLY ?? '').split(',').filter(Boolean));
const wanted = (scenario: string) => ONLY.size === 0 || ONLY.has(scenario);

/** How long the server is left without requests before its idle RSS is read. */
const SETTLE_SECONDS = 15;

interface Settled {
  /** RSS as the quiet spell began. */
  before: number;
  /** RSS at its end, with the heap figures then. */
  rss: number;
  heap: HeapFigures;
}

/** The server's memory over a quiet spell: what it holds once idle, not in the wake of the last request. */
async function settle(ctx: Context): Promise<Settled> {
  const before = processMemory(ctx.server.pid).rss;
  await sleep(SETTLE_SECONDS * 1000);
  return { before, rss: processMemory(ctx.server.pid).rss, heap: await heapFigures(ctx.server.baseUrl) };
}

/** Server CPU with no load at all, in % of a core: a baseline for the per-request figures. */
async function idleCpu(ctx: Context): Promise<number> {
  const before = cpuTicks(ctx.server.pid);
  await sleep(IDLE_SECONDS * 1000);
  return ticksToMs(cpuTicks(ctx.server.pid) - before) / IDLE_SECONDS / 10;
}

// ---------------------------------------------------------------- seeding

async function seed(
  server: ServerProcess,
  redis: RedisServerHandle,
  publicKey: string,
): Promise<{ context: Omit<Context, 'reference' | 'framework'>; spec: ReferenceSpec }> {
  const t0 = Date.now();
  const random = prng(20240115);
  const api = new ApiClient(server.baseUrl, publicKey);
  const guests = await createGuests(api, THREAD_AUTHORS + EXTRA_GUESTS, random);
  const thread = await seedThread(api, {
    pageUrl: READ_PAGE,
    guests: guests.slice(0, THREAD_AUTHORS),
    total: THREAD_SIZE,
    roots: THREAD_ROOTS,
    votes: SEED_VOTES,
    random,
  });
  // A few roots on each write page, so that some of the load is replies.
  const postRoots = new Map<string, string[]>();
  for (const page of [POST_RATE_PAGE, POST_SATURATED_PAGE]) {
    const ids: string[] = [];
    for (let i = 0; i < 10; i++) {
      const author = guests[THREAD_AUTHORS + i]!;
      ids.push((await api.comment(author.token, page, markdownComment(random, i))).id);
    }
    postRoots.set(page, ids);
  }

  // The read must return the whole thread, or the figure is not about a 200-comment thread,
  // both as identity and gzip-compressed, the way the widget's browsers ask for it.
  const readPath = `/v1/comments?page_url=${encodeURIComponent(READ_PAGE)}&limit=200&replies=50`;
  const readUrl = `${server.baseUrl}${readPath}`;
  const identity = await rawGet(readUrl, readHeaders(publicKey, false));
  if (identity.status !== 200)
    throw new Error(
      `seed check: GET ${readPath} -> ${identity.status}: ${identity.body.toString().slice(0, 500)}`,
    );
  if (identity.headers['content-encoding'])
    throw new Error(`seed check: unasked-for content-encoding ${identity.headers['content-encoding']}`);
  const body = JSON.parse(identity.body.toString('utf8')) as { total: number; tree: { comments: Nested[] } };
  const shown = countNested(body.tree.comments);
  if (body.total !== THREAD_SIZE || shown !== THREAD_SIZE) {
    throw new Error(
      `seed check: expected ${THREAD_SIZE} comments, got total=${body.total}, in tree=${shown}`,
    );
  }
  const gzipResponse = await gzipRead(readUrl, publicKey);
  const gzipped = gzipResponse.body;
  const unzipped = JSON.parse(gunzipSync(gzipped).toString('utf8')) as typeof body;
  if (unzipped.total !== body.total || JSON.stringify(unzipped.tree) !== JSON.stringify(body.tree))
    throw new Error('seed check: the gzip response is not the same thread as the identity one');
  const readBytes = { gzip: gzipped.length, identity: identity.body.length };

  // What the reference server will answer with: ThreadKit's own bytes for each kind of read.
  const etag = identity.headers.etag;
  if (!etag) throw new Error('seed check: the read has no ETag');
  const notModified = await rawGet(readUrl, { ...readHeaders(publicKey, true), 'if-none-match': etag });
  if (notModified.status !== 304 || notModified.body.length > 0)
    throw new Error(`seed check: If-None-Match with the ETag -> ${notModified.status}, not an empty 304`);
  const reader = guests[0]!;
  const signedIn = await rawGet(readUrl, {
    ...readHeaders(publicKey, true),
    authorization: `Bearer ${reader.token}`,
  });
  if (signedIn.status !== 200)
    throw new Error(
      `seed check (signed in): GET -> ${signedIn.status}: ${signedIn.body.toString().slice(0, 500)}`,
    );
  const own = JSON.parse(
    (signedIn.headers['content-encoding'] === 'gzip' ? gunzipSync(signedIn.body) : signedIn.body).toString(
      'utf8',
    ),
  ) as typeof body;
  if (countNested(own.tree.comments) !== THREAD_SIZE)
    throw new Error(`seed check (signed in): ${countNested(own.tree.comments)} comments in the tree`);
  const spec: ReferenceSpec = {
    path: readPath,
    anonymous: {
      etag,
      identity: recorded(identity),
      gzip: recorded(gzipResponse),
      notModified: recorded(notModified),
    },
    signedIn: recorded(signedIn),
  };

  const depth = maxDepth(body.tree.comments);
  say(
    `seeded ${guests.length} guests, ${THREAD_SIZE} comments (${THREAD_ROOTS} roots, max depth ${depth}), ` +
      `${SEED_VOTES} votes in ${Date.now() - t0} ms; read response ${kib(readBytes.identity)} identity, ` +
      `${kib(readBytes.gzip)} gzip (${(readBytes.identity / readBytes.gzip).toFixed(1)}× smaller)\n`,
  );
  return {
    context: {
      server,
      redis,
      redisPid: await redisPid(redis.port),
      api,
      guests,
      thread,
      postRoots,
      readPath,
      readBytes,
      etag,
      reader,
    },
    spec,
  };
}

/** Headers node:http writes by itself on every response, which the reference server must not repeat. */
const WRITTEN_BY_NODE = new Set(['date', 'connection', 'keep-alive', 'content-length', 'transfer-encoding']);

function recorded(response: Awaited<ReturnType<typeof rawGet>>): RecordedResponse {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(response.headers)) {
    if (value === undefined || WRITTEN_BY_NODE.has(name)) continue;
    headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return { status: response.status, headers, body: response.body.toString('base64') };
}

/**
 * The gzip body of the read. The server compresses the shared thread in the
 * background after a request finds it uncompressed, so ask again until a
 * response comes back gzip-encoded.
 */
async function gzipRead(url: string, publicKey: string): Promise<Awaited<ReturnType<typeof rawGet>>> {
  const deadline = Date.now() + 5000;
  const seen: string[] = [];
  for (;;) {
    const response = await rawGet(url, readHeaders(publicKey, true));
    if (response.status !== 200)
      throw new Error(
        `seed check (gzip): GET -> ${response.status}: ${response.body.toString().slice(0, 500)}`,
      );
    const encoding = response.headers['content-encoding'] ?? 'identity';
    if (encoding === 'gzip') return response;
    if (encoding !== 'identity')
      throw new Error(`seed check (gzip): unexpected content-encoding ${encoding}`);
    seen.push(encoding);
    if (Date.now() > deadline)
      throw new Error(`seed check (gzip): no gzip response within 5 s (${seen.length} identity responses)`);
    await sleep(25);
  }
}

const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;

interface Nested {
  r?: Nested[];
}
const countNested = (list: Nested[]): number => list.reduce((n, c) => n + 1 + countNested(c.r ?? []), 0);
const maxDepth = (list: Nested[]): number => Math.max(0, ...list.map((c) => 1 + maxDepth(c.r ?? [])));

/** Anonymous read headers; `gzip` adds the Accept-Encoding every browser sends. */
const readHeaders = (publicKey: string, gzip: boolean): Record<string, string> => ({
  projectid: publicKey,
  origin: 'http://bench.local',
  ...(gzip ? { 'accept-encoding': 'gzip, deflate, br' } : {}),
});

// ---------------------------------------------------------------- scenarios

async function scenarios(ctx: Context, idle: Settled): Promise<Row[]> {
  const rows: Row[] = [];
  const readRequest = (gzip: boolean, extra: Record<string, string> = {}): LoadRequest => ({
    method: 'GET',
    path: ctx.readPath,
    route: '/v1/comments',
    headers: { ...readHeaders(ctx.api.publicKey, gzip), ...extra },
  });
  /**
   * A saturated run (at BENCH_RATIO_RATE when set) on ThreadKit beside the same on the bare
   * server (and on bare Fastify, when asked), each side in two halves taken in turn (`takeInTurns`).
   */
  const sideBySide = async (
    label: string,
    request: LoadRequest,
    { expectStatus, onFramework = false }: { expectStatus?: number; onFramework?: boolean } = {},
  ) => {
    const options = {
      request,
      connections: 50,
      ...(expectStatus ? { expectStatus } : {}),
      ...(RATIO_RATE ? { ratePerSec: RATIO_RATE } : {}),
    };
    const sides = [
      { label, target: 'server' as const },
      { label: `${label} on bare node:http`, target: 'reference' as const },
      ...(onFramework ? [{ label: `${label} on bare Fastify`, target: 'framework' as const }] : []),
    ];
    const halves = await takeInTurns(sides, (side, half) =>
      run(ctx, `${side.label} (half ${half})`, options, side.target, { durationSec: DURATION / 2 }),
    );
    const [server, reference, framework] = halves.map(combineRuns);
    return { server: server!, reference: reference!, framework: framework ?? null };
  };
  /** How much of ThreadKit's ratio the framework alone accounts for (information). */
  const frameworkRow = (label: string, server: LoadResult, reference: LoadResult, framework: LoadResult) => {
    const row = ratioRow(
      `${label} bare Fastify ÷ bare node:http`,
      framework,
      reference,
      null,
      'bare Fastify',
    );
    const added = cpuPerRequest(server) / cpuPerRequest(framework);
    return {
      ...row,
      notes: joinNotes([
        `the framework alone, one route, no plugin: ThreadKit's plugins and reader add ${added.toFixed(2)}× to it`,
        row.notes,
      ]),
    };
  };

  // a. Read at 1 000 req/s offered, as browsers ask for it (gzip).
  if (wanted('a')) {
    const result = await run(ctx, 'a. read @1000/s (paced, gzip)', {
      request: readRequest(true),
      connections: 20,
      ratePerSec: 1000,
    });
    rows.push(
      latencyRow(
        'a. read 200-comment thread @1000 req/s, paced, gzip',
        result,
        1000,
        5,
        wireNotes(ctx, result, true),
      ),
    );
  }

  // b. Read saturated, gzip; b″ the same without Accept-Encoding. Each beside the bare server.
  if (wanted('b')) {
    const { server, reference, framework } = await sideBySide('b. read saturated (gzip)', readRequest(true), {
      onFramework: true,
    });
    rows.push(readCpuRow(ctx, 'b. read saturated, 50 conns, gzip: server CPU', server, true));
    rows.push(ratioRow('b. the same ÷ bare node:http, same bytes', server, reference, BUDGET.anonymousRatio));
    rows.push(frameworkRow('b.', server, reference, framework!));
  }
  if (wanted('b2')) {
    const { server, reference, framework } = await sideBySide(
      'b″. read saturated (identity)',
      readRequest(false),
      { onFramework: true },
    );
    rows.push(readCpuRow(ctx, 'b″. read saturated, identity (no gzip)', server, false));
    rows.push(
      ratioRow('b″. the same ÷ bare node:http, same bytes', server, reference, BUDGET.anonymousRatio),
    );
    rows.push(frameworkRow('b″.', server, reference, framework!));
  }

  // f. Read saturated with a commenter's token: their own view, read fresh from Redis each time.
  if (wanted('f')) {
    const { server, reference } = await sideBySide(
      'f. read saturated (signed in)',
      readRequest(true, { authorization: `Bearer ${ctx.reader.token}` }),
    );
    rows.push({
      scenario: "f. read saturated, signed in (a commenter's token)",
      figure: `${cpuPerRequest(server).toFixed(4)} ms/req`,
      budget: '(see the ratio)',
      verdict: invalidity(server) ? 'INVALID' : 'info',
      notes: joinNotes([
        invalidity(server),
        noisy(server),
        `${rate(server).toFixed(0)} req/s achieved`,
        `p99 ${ms(percentile(server.latencies, 99))}`,
        `received ${encodingMix(server)}, mean ${meanSize(server)}/response with headers`,
        redisCommandNotes(server),
        cpuNotes(server),
      ]),
    });
    rows.push(ratioRow('f. the same ÷ bare node:http, same bytes', server, reference, BUDGET.signedInRatio));
  }

  // g. A conditional read of an unchanged page: 304, with no serialising and no Redis call.
  if (wanted('g')) {
    const { server, reference } = await sideBySide(
      'g. read saturated (If-None-Match → 304)',
      readRequest(true, { 'if-none-match': ctx.etag }),
      { expectStatus: 304 },
    );
    const bad = invalidity(server);
    const redisPerRequest = server.redisCpuMs / server.ok;
    rows.push({
      scenario: 'g. If-None-Match → 304 saturated: Redis CPU',
      figure: `${redisPerRequest.toFixed(4)} ms/req`,
      budget: `≤ ${BUDGET.notModifiedRedisCpuMs} ms/req (no call of its own)`,
      verdict: bad ? 'INVALID' : redisPerRequest <= BUDGET.notModifiedRedisCpuMs ? 'PASS' : 'FAIL',
      notes: joinNotes([
        bad,
        noisy(server),
        `server CPU ${cpuPerRequest(server).toFixed(4)} ms/req`,
        `${rate(server).toFixed(0)} req/s achieved`,
        `p99 ${ms(percentile(server.latencies, 99))}`,
        redisCommandNotes(server),
        cpuNotes(server),
      ]),
    });
    rows.push(ratioRow('g. the same ÷ bare node:http 304', server, reference, null));
  }
  const afterReads = processMemory(ctx.server.pid);

  // c. Post at 200 req/s offered.
  if (wanted('c')) {
    const result = await run(ctx, 'c. post @200/s (paced)', {
      request: postRequest(ctx, POST_RATE_PAGE, 1),
      connections: 10,
      ratePerSec: 200,
    });
    rows.push(latencyRow('c. post comment @200 req/s, paced', result, 200, 15));
  }

  // d. Post saturated.
  if (wanted('d')) {
    const result = await run(ctx, 'd. post saturated', {
      request: postRequest(ctx, POST_SATURATED_PAGE, 2),
      connections: 10,
    });
    const bad = invalidity(result);
    const perSec = rate(result);
    rows.push({
      scenario: 'd. post saturated, 10 conns',
      figure: `${perSec.toFixed(0)} comments/s`,
      budget: '≥ 2000 comments/s',
      verdict: bad ? 'INVALID' : perSec >= 2000 ? 'PASS' : 'FAIL',
      notes: joinNotes([
        bad,
        noisy(result),
        `${result.ok} comments in ${result.durationSec} s`,
        `p99 ${ms(percentile(result.latencies, 99))}`,
        cpuNotes(result),
      ]),
    });
  }
  const afterSaturated = processMemory(ctx.server.pid);
  const afterSaturatedHeap = await heapFigures(ctx.server.baseUrl);
  const afterQuiet = await settle(ctx);

  // e. Vote at 500 req/s offered.
  if (wanted('e')) {
    const result = await run(ctx, 'e. vote @500/s (paced)', {
      request: voteRequest(ctx),
      connections: 20,
      ratePerSec: 500,
    });
    rows.push(latencyRow('e. vote @500 req/s, paced', result, 500, 10));
  }

  const referenceRss = processMemory(ctx.reference.pid).rss;
  rows.push({
    scenario: 'h. server RSS idle (after start and seed)',
    figure: mib(idle.rss),
    budget: `≤ ${BUDGET.idleRssMb} MB`,
    verdict: idle.rss <= BUDGET.idleRssMb * MB ? 'PASS' : 'FAIL',
    notes:
      `after ${SETTLE_SECONDS} s without requests (${mib(idle.before)} as they began); no forced GC; ` +
      `${heapNotes(idle.rss, idle.heap)}; ` +
      `the bare node:http server (with the tsx loader) holds ${mib(referenceRss)}`,
  });
  if (wanted('d'))
    rows.push({
      scenario: 'i. server RSS after the saturated runs',
      figure: mib(afterSaturated.rss),
      budget: `≤ ${BUDGET.loadedRssMb} MB`,
      verdict: afterSaturated.rss <= BUDGET.loadedRssMb * MB ? 'PASS' : 'FAIL',
      notes:
        `right after the last one (d), no forced GC; after the saturated reads (b–g) ${mib(afterReads.rss)}; ` +
        `peak (VmHWM) ${mib(afterSaturated.peakRss)}; ${heapNotes(afterSaturated.rss, afterSaturatedHeap)}; ` +
        `after ${SETTLE_SECONDS} s without requests ${mib(afterQuiet.rss)}`,
    });
  return rows;
}

const MB = 1024 * 1024;

/** Where an RSS figure goes: V8's heap by space (committed/used), memory outside it, and the rest. */
function heapNotes(rss: number, heap: HeapFigures): string {
  const spaces = ['new', 'old', 'code', 'large_object']
    .map((name) => {
      const space = heap.spaces.get(name);
      return space ? `${name} ${mib(space.size)}/${mib(space.used)}` : null;
    })
    .filter((part): part is string => part !== null)
    .join(', ');
  return (
    `V8 heap ${mib(heap.total)} committed, ${mib(heap.used)} used (${spaces}); external ${mib(heap.external)}; ` +
    `the rest of the RSS (node's own code and data, native allocations) ${mib(rss - heap.total - heap.external)}`
  );
}

/** POST /v1/comments rotating over every guest token, with fresh Markdown; a third are replies. */
function postRequest(ctx: Context, pageUrl: string, seed: number): LoadRequest {
  const random = prng(seed);
  const roots = ctx.postRoots.get(pageUrl) ?? [];
  let serial = 0;
  return {
    method: 'POST',
    path: '/v1/comments',
    route: '/v1/comments',
    headers: ctx.api.headers(ctx.guests[0]!.token),
    body: JSON.stringify({ page_url: pageUrl, content: markdownComment(random, 0) }),
    next: () => {
      serial++;
      const guest = ctx.guests[serial % ctx.guests.length]!;
      const parent = serial % 3 === 0 && roots.length > 0 ? roots[serial % roots.length] : undefined;
      return {
        headers: { authorization: `Bearer ${guest.token}` },
        body: JSON.stringify({
          page_url: pageUrl,
          content: markdownComment(random, serial),
          ...(parent ? { parent_id: parent } : {}),
        }),
      };
    },
  };
}

/** POST /v1/comments/:id/vote over shuffled (voter, comment) pairs of the read thread; never one's own comment. */
function voteRequest(ctx: Context): LoadRequest {
  const random = prng(7);
  const pairs: { token: string; commentId: string }[] = [];
  for (const guest of ctx.guests) {
    for (const comment of ctx.thread) {
      if (comment.authorId !== guest.userId) pairs.push({ token: guest.token, commentId: comment.id });
    }
  }
  for (let i = pairs.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [pairs[i], pairs[j]] = [pairs[j]!, pairs[i]!];
  }
  let index = 0;
  const first = pairs[0]!;
  return {
    method: 'POST',
    path: `/v1/comments/${first.commentId}/vote`,
    route: '/v1/comments/:id/vote',
    headers: ctx.api.headers(first.token),
    body: JSON.stringify({ direction: 'up' }),
    next: () => {
      const pair = pairs[++index % pairs.length]!;
      return {
        path: `/v1/comments/${pair.commentId}/vote`,
        headers: { authorization: `Bearer ${pair.token}` },
        body: JSON.stringify({ direction: random() < 0.8 ? 'up' : 'down' }),
      };
    },
  };
}

async function run(
  ctx: Context,
  label: string,
  options: Omit<LoadOptions, 'baseUrl' | 'cpuPids' | 'durationSec' | 'redisPort'>,
  target: 'server' | 'reference' | 'framework' = 'server',
  { durationSec = DURATION }: { durationSec?: number } = {},
): Promise<LoadResult> {
  const answering = target === 'server' ? ctx.server : ctx[target];
  const base = {
    ...options,
    // The reference servers have no /metrics to read a histogram from.
    request: target === 'server' ? options.request : { ...options.request, route: undefined },
    baseUrl: answering.baseUrl,
    cpuPids: { server: answering.pid, redis: ctx.redisPid },
    redisPort: ctx.redis.port,
  };
  const warm = await runLoad({ ...base, durationSec: WARMUP });
  const bad = invalidity(warm);
  if (bad) say(`  ${label}: warm-up had problems: ${bad}`);
  printStatusSamples(label, warm, 'warm-up');
  const result = await runLoad({ ...base, durationSec });
  say(
    `  ${label}: ${result.ok} ok, ${result.unexpected} unexpected, ${result.errors} errors, ${result.timeouts} timeouts; ` +
      `${rate(result).toFixed(0)} req/s; p50 ${ms(percentile(result.latencies, 50))}, ` +
      `p99 ${ms(percentile(result.latencies, 99))}; server CPU ${cpuPerRequest(result).toFixed(4)} ms/req ` +
      `(${corePct(result.serverCpuMs, result).toFixed(0)}% of a core); redis ${(result.redisScriptCalls / result.ok).toFixed(4)} script calls/req, ` +
      `${(result.redisCommands / result.ok).toFixed(4)} commands/req; ` +
      `other processes on the host ${otherPct(result).toFixed(0)}% of a core; load average ${loadAverage()}`,
  );
  printStatusSamples(label, result, 'run');
  return result;
}

function printStatusSamples(label: string, result: LoadResult, phase: string) {
  for (const [status, { count, sample }] of result.statuses) {
    say(`    ${label} (${phase}): ${count}× HTTP ${status}, e.g. ${sample || '(empty body)'}`);
  }
}

function latencyRow(
  scenario: string,
  result: LoadResult,
  offered: number,
  budgetMs: number,
  extra: string | null = null,
): Row {
  const bad = invalidity(result);
  const p99 = percentile(result.latencies, 99);
  const achieved = rate(result);
  const underRate = achieved < offered * 0.95 ? `offered rate NOT met (${achieved.toFixed(0)}/s)` : null;
  return {
    scenario,
    figure: `p99 ${ms(p99)}`,
    budget: `p99 < ${budgetMs} ms`,
    verdict: bad || underRate ? 'INVALID' : p99 < budgetMs ? 'PASS' : 'FAIL',
    notes: joinNotes([
      bad,
      noisy(result),
      underRate,
      `${achieved.toFixed(0)} req/s achieved`,
      `p50 ${ms(percentile(result.latencies, 50))}, p99.9 ${ms(percentile(result.latencies, 99.9))}, max ${ms(result.latencies.at(-1) ?? Number.NaN)}`,
      result.late > 0 ? `${result.late} requests sent late (every connection busy; their wait counts)` : null,
      sendLatenessNote(result),
      serverSideSummary(result, budgetMs),
      `generator loop delay p99 ${ms(result.generatorLoopP99Ms)}`,
      extra,
      cpuNotes(result),
    ]),
  };
}

/** Saturated read: server CPU per request against the budget; the identity run (b″) is for information only. */
function readCpuRow(ctx: Context, scenario: string, result: LoadResult, gzip: boolean): Row {
  const bad = invalidity(result);
  const perRequest = cpuPerRequest(result);
  const perCore = result.ok / (result.serverCpuMs / 1000);
  const within = perRequest <= BUDGET.readCpuMs;
  return {
    scenario,
    figure: `${perRequest.toFixed(4)} ms/req`,
    budget: `≤ ${BUDGET.readCpuMs} ms/req`,
    verdict: bad ? 'INVALID' : !gzip ? 'info' : within ? 'PASS' : 'FAIL',
    notes: joinNotes([
      bad,
      noisy(result),
      gzip
        ? null
        : `informative, not a verdict (browsers send Accept-Encoding): ${within ? 'within' : 'over'} budget`,
      `${perCore.toFixed(0)} req/s per server core (budget ≥ ${1 / BUDGET.readCpuMs}k)`,
      `${rate(result).toFixed(0)} req/s achieved`,
      `p99 ${ms(percentile(result.latencies, 99))}`,
      wireNotes(ctx, result, gzip),
      redisCommandNotes(result),
      cpuNotes(result),
    ]),
  };
}

/** Read body size on the wire for this run's encoding, and what the run actually received. */
function wireNotes(ctx: Context, result: LoadResult, gzip: boolean): string {
  const { gzip: gz, identity } = ctx.readBytes;
  const size = gzip
    ? `body on the wire ${kib(gz)} gzip (identity ${kib(identity)}, ${(identity / gz).toFixed(1)}× larger)`
    : `body on the wire ${kib(identity)} identity (gzip ${kib(gz)})`;
  return `${size}; received ${encodingMix(result)}, mean ${meanSize(result)}/response with headers`;
}

function encodingMix(result: LoadResult): string {
  const total = [...result.encodings.values()].reduce((n, c) => n + c, 0);
  if (total === 0) return 'encodings not seen';
  return [...result.encodings]
    .sort((x, y) => y[1] - x[1])
    .map(([encoding, count]) => `${((count / total) * 100).toFixed(1)}% ${encoding}`)
    .join(', ');
}

const meanSize = (result: LoadResult) => (result.ok > 0 ? kib(result.okBytes / result.ok) : 'n/a');

const redisCommandNotes = (result: LoadResult) =>
  `redis ${(result.redisScriptCalls / result.ok).toFixed(4)} script calls/req, ` +
  `${(result.redisCommands / result.ok).toFixed(4)} commands/req counting those run by scripts ` +
  `(${result.redisScriptCalls} and ${result.redisCommands} in ${result.durationSec} s)`;

/** ThreadKit's server CPU per request over the bare server's, on the same request in the same bench. */
function ratioRow(
  scenario: string,
  server: LoadResult,
  reference: LoadResult,
  budget: number | null,
  serverName = 'ThreadKit',
): Row {
  const badServer = invalidity(server);
  const badReference = invalidity(reference);
  const bad = badServer ?? (badReference ? `reference: ${badReference}` : null);
  const ratio = cpuPerRequest(server) / cpuPerRequest(reference);
  const side = (name: string, result: LoadResult) =>
    `${name} ${cpuPerRequest(result).toFixed(4)} ms/req (${corePct(result.serverCpuMs, result).toFixed(0)}% of a core, ` +
    `${rate(result).toFixed(0)} req/s, p99 ${ms(percentile(result.latencies, 99))})`;
  const reverseNoise = noisy(reference);
  return {
    scenario,
    figure: `${ratio.toFixed(2)}×`,
    budget: budget === null ? '(information)' : `≤ ${budget}×`,
    verdict: bad ? 'INVALID' : budget === null ? 'info' : ratio <= budget ? 'PASS' : 'FAIL',
    notes: joinNotes([
      bad,
      noisy(server),
      reverseNoise ? `reference run: ${reverseNoise}` : null,
      side(serverName, server),
      side('bare node:http', reference),
      `load generator ${corePct(server.generatorCpuMs, server).toFixed(0)}% / ${corePct(reference.generatorCpuMs, reference).toFixed(0)}% of a core`,
      `load average ${loadAverage()}`,
    ]),
  };
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    say(`\nbench harness failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exitCode = 1;
  },
);
