/**
 * The SaaS variant of the HTTP budgets: the same reads and posts as bench/http.ts
 * on a standalone server and on a `MODE=saas` server side by side, in one run,
 * on one throwaway redis-server; then the dashboard's own pages. Run with
 * `npm run bench` (after the others) or `npx tsx bench/saas.ts`.
 *
 * What runs: a redis-server, a PostgreSQL server, a standalone ThreadKit server
 * (its site from its environment, as http.ts starts it), a ThreadKit server in
 * `MODE=saas`, and the built dashboard under `next start` on that Postgres.
 * The bench opens the same Postgres with the dashboard's own modules
 * (bench/dashboard-data.ts) to make an owner with 100 sites, one of them the
 * SaaS server's bench site. The SaaS server asks the dashboard's internal API
 * about keys through a counting relay in this process (INTERNAL_API_URL points at
 * it), which is how the bench knows how often it asks: neither the server's
 * /metrics nor Next count those calls.
 *
 * Both servers get the same 200-comment thread (bench/seed.ts, same seed), then,
 * standalone first and SaaS right after for each row (row b in two halves each,
 * taken in turn: standalone, SaaS, SaaS, standalone):
 *
 * - a. read at 1 000 req/s offered, paced, gzip: p99 < 5 ms;
 * - b. read saturated (50 connections), gzip: server CPU per read ≤ 0.1 ms, and
 *   the SaaS server's CPU per read over the standalone one's (information: the
 *   directory's cache should make them the same);
 * - c. post at 200 req/s offered, paced: p99 < 15 ms (http.ts's row c); and the
 *   Redis script calls a SaaS post makes beyond a standalone one, with the site's
 *   plan limits on (Business): at most one more round trip, none expected.
 *
 * And, for the SaaS server alone: j, the first read with a key it has not seen
 * (it waits for the internal API's answer; information), each beside the
 * second read of that key and the internal API's own answer time; k, the
 * internal API calls it makes per read in steady state (≈ 0: a key's answer is
 * refreshed in the background once 3 s old, a site's sighting reported once a
 * minute), counted during row a and row b.
 *
 * r. Dashboard pages render on the server in under 200 ms (p95, warm) for an
 * owner of 100 sites: `/sites` (the list of 100), `/sites/<id>`, `/account`,
 * and the moderation console's `/sites/<id>/moderation` (the review queue) and
 * `/sites/<id>/moderation/audit`, which call the SaaS server as the owner (an
 * owner token). The audit log first gets 10 000 entries, made through the
 * server's moderation API with the site's secret key (pages locked and
 * unlocked); the server keeps the newest 1 000. Pages are requested over HTTP
 * with the owner's session cookie, one at a time, after a warm-up; each
 * response is checked to be the page itself (not a sign-in redirect, an error
 * or the console's notice that the comment server refused) and timed to its
 * last byte.
 *
 * CPU comes from /proc/<pid>/stat around each run, as in http.ts; notes carry
 * the server's own latency histogram, Redis commands per request and a NOISY
 * HOST marker when other processes used the same cores.
 *
 * Prints each figure beside its budget. The exit code is 0 whether budgets pass
 * or fail (this is a report); it is non-zero only when the harness itself fails.
 * Everything listens on 127.0.0.1.
 *
 * Knobs: BENCH_DURATION (10) and BENCH_WARMUP (2), seconds per load run;
 * BENCH_RENDER_REQUESTS (100), timed requests per dashboard page.
 */
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { keys } from '../packages/core/src/keys.js';
import { PLANS } from '../packages/core/src/plans.js';
import { createRedis, waitForRedis } from '../packages/core/src/store/redis.js';
import { UsageStore } from '../packages/core/src/store/usage-store.js';
import { type DashboardHandle, startDashboard } from '../packages/testing/src/dashboard.js';
import { type PostgresServerHandle, startPostgres } from '../packages/testing/src/postgres.js';
import { freePort } from '../packages/testing/src/process.js';
import { type RedisServerHandle, startRedis } from '../packages/testing/src/redis.js';
import {
  type DashboardData,
  type DashboardOwner,
  type DashboardSite,
  openDashboardData,
  SESSION_COOKIE,
} from './dashboard-data.js';
import {
  ALLOWED_ORIGINS,
  CLK_TCK,
  combineRuns,
  corePct,
  cpuNotes,
  cpuPerRequest,
  envNumber,
  formatTable,
  generateKeys,
  HOST,
  invalidity,
  joinNotes,
  type LoadOptions,
  type LoadRequest,
  type LoadResult,
  loadAverage,
  ms,
  noisy,
  ORIGIN,
  otherPct,
  percentile,
  type Row,
  rate,
  rawGet,
  redisPid,
  runLoad,
  type ServerProcess,
  sendLatenessNote,
  serverSideSummary,
  sleep,
  startServer,
  stopOnSignal,
  takeInTurns,
} from './lib.js';
import { ApiClient, createGuests, type Guest, markdownComment, prng, seedThread } from './seed.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const DURATION = envNumber('BENCH_DURATION', 10);
const WARMUP = envNumber('BENCH_WARMUP', 2);
const RENDER_REQUESTS = envNumber('BENCH_RENDER_REQUESTS', 100, { integer: true });
const RENDER_WARMUP = 10;

const READ_PAGE = 'https://bench.local/article';
const POST_PAGE = 'https://bench.local/post-rate';
const THREAD_SIZE = 200;
const THREAD_ROOTS = 60;
const THREAD_AUTHORS = 50;
const EXTRA_GUESTS = 150;
const SEED_VOTES = 300;
/** The owner's sites; the first is the SaaS server's bench site. */
const SITE_COUNT = 100;
/** Days and pages of usage the analytics row is measured over. */
const USAGE_DAYS = 365;
const USAGE_PAGES = 1000;
/** Sites a Business owner pays for (packages/core/src/plans.ts). */
const BUSINESS_SITES = PLANS.business.limits.sites;
/** Sites whose keys the SaaS server is first asked about in row j. */
const FIRST_READS = 20;
/** Moderation actions made on the SaaS bench site for its audit log; the server keeps the newest AUDIT_KEPT. */
const AUDIT_ENTRIES = 10_000;
const AUDIT_KEPT = 1000;

const READ_RATE = 1000;
const POST_RATE = 200;

/** The budgets checked here: bench/http.ts's rows a, b and c, and the dashboard's render budget. */
const BUDGET = {
  readP99Ms: 5,
  readCpuMs: 0.1,
  postP99Ms: 15,
  /** Internal API calls per read in steady state: about none (a refresh per key every 3 s). */
  internalCallsPerRead: 0.001,
  renderP95Ms: 200,
  /** The analytics page over 365 days for a site with 1 000 pages. */
  analyticsP95Ms: 300,
};

/** Generous, so that a bench on a loaded machine ends rather than hangs; exceeding it fails the harness. */
const TIME_BOUND_MS = (600 + 8 * (WARMUP + DURATION)) * 1000 + RENDER_REQUESTS * 5 * 2000;

const say = (line = '') => process.stdout.write(`${line}\n`);
/** Set when a signal or the time bound stops the bench. */
let interrupted = false;

type ModeName = 'standalone' | 'SaaS';

/** One server under test with its seeded data. */
interface Mode {
  name: ModeName;
  server: ServerProcess;
  api: ApiClient;
  guests: Guest[];
  postRoots: string[];
  readPath: string;
  readBytes: { gzip: number; identity: number };
}

interface Context {
  redis: RedisServerHandle;
  redisPid: number;
  standalone: Mode;
  saas: Mode;
  relay: Relay;
  dashboard: DashboardHandle;
  internalSecret: string;
  data: DashboardData;
  owner: DashboardOwner;
  benchSite: DashboardSite;
  /** The bench site's secret key: the owner's own credential with the comment server. */
  benchSecretKey: string;
  otherSites: DashboardSite[];
}

async function main(): Promise<number> {
  const started = Date.now();
  say(
    `ThreadKit SaaS benchmark — ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? 'unknown'}), Node ${process.version}, CLK_TCK ${CLK_TCK}, load average ${loadAverage()}`,
  );
  say(
    `Runs: ${WARMUP} s warm-up + ${DURATION} s measured each; ${RENDER_REQUESTS} timed requests per dashboard page.\n`,
  );

  let redis: RedisServerHandle | undefined;
  let postgres: PostgresServerHandle | undefined;
  let data: DashboardData | undefined;
  let relay: Relay | undefined;
  let standalone: ServerProcess | undefined;
  let saas: ServerProcess | undefined;
  let dashboard: DashboardHandle | undefined;
  const step = async (name: string, stop: (() => Promise<void>) | undefined) =>
    stop?.().catch((error: Error) => say(`stopping ${name}: ${error.message}`));
  let stopping: Promise<void> | undefined;
  // Once only: a signal or the time bound may start it while the bench is still running.
  const cleanup = () =>
    (stopping ??= (async () => {
      await step('the dashboard', dashboard?.stop);
      await step('the SaaS server', saas?.stop);
      await step('the standalone server', standalone?.stop);
      await step('the relay', relay?.stop);
      await step("the bench's database connection", data?.close);
      await step('postgres', postgres?.stop);
      await step('redis', redis?.stop);
    })());
  for (const signal of ['SIGINT', 'SIGTERM'] as const)
    process.once(signal, () => {
      interrupted = true;
    });
  stopOnSignal(cleanup, say);
  const watchdog = setTimeout(() => {
    interrupted = true;
    say(`\nbench harness failed: still running after ${TIME_BOUND_MS / 1000} s; stopping`);
    void cleanup().finally(() => process.exit(1));
  }, TIME_BOUND_MS);
  watchdog.unref();

  try {
    [redis, postgres] = await Promise.all([
      startRedis({ args: ['--save', '', '--appendonly', 'no'] }),
      startPostgres(),
    ]);
    const databaseUrl = await postgres.createDatabase('dashboard');
    data = await openDashboardData(ROOT, databaseUrl);
    const owner = await data.createOwner({ email: 'owner@bench.local', name: 'Bench owner' });
    await data.grantPlan(owner.id, 'business');
    const { site: benchSite, secretKey: benchSecretKey } = await data.createSite(owner, {
      name: 'Bench',
      domain: 'bench.local',
      allowedOrigins: [ALLOWED_ORIGINS],
    });
    // Business has room for 25 sites: the owner pays for 25 and co-owns the rest, each paid for
    // by an owner of its own plan, as an agency co-owns its clients' sites.
    const otherSites: DashboardSite[] = [];
    let payer = owner;
    for (let i = 2; i <= SITE_COUNT; i++) {
      if (i > BUSINESS_SITES && (i - 1) % BUSINESS_SITES === 0) {
        payer = await data.createOwner({ email: `client-${i}@bench.local`, name: `Client ${i}` });
        await data.grantPlan(payer.id, 'business');
      }
      const domain = `site-${i}.example`;
      const { site } = await data.createSite(payer, { name: `Site ${i}`, domain, allowedOrigins: [domain] });
      if (payer !== owner) await data.addOwner(site.id, owner.id);
      otherSites.push(site);
    }
    say(`dashboard database: owner with ${SITE_COUNT} sites on PostgreSQL port ${postgres.port}`);

    // The dashboard's port is chosen first: the SaaS server must know where to ask, the dashboard
    // where the SaaS server answers (for its moderation pages).
    const dashboardPort = await freePort();
    const internalSecret = randomBytes(32).toString('base64url');
    relay = await startRelay(`http://${HOST}:${dashboardPort}`);
    const standaloneKeys = generateKeys();
    standalone = await startServer({ root: ROOT, redisUrl: redis.url, ...standaloneKeys });
    saas = await startServer({
      root: ROOT,
      redisUrl: redis.url,
      publicKey: '',
      secretKey: '',
      env: {
        MODE: 'saas',
        INTERNAL_API_URL: `${relay.url}/api/internal`,
        INTERNAL_API_SECRET: internalSecret,
        // Standalone-only variables, unset (an empty value is no value).
        THREADKIT_PUBLIC_KEY: '',
        THREADKIT_SECRET_KEY: '',
        THREADKIT_ALLOWED_ORIGINS: '',
      },
    });
    dashboard = await startDashboard({
      databaseUrl,
      internalSecret,
      apiUrl: saas.baseUrl,
      port: dashboardPort,
    });
    say(`standalone server pid ${standalone.pid} on ${standalone.baseUrl}`);
    say(`SaaS server pid ${saas.pid} on ${saas.baseUrl}, asking ${relay.url}/api/internal`);
    say(`dashboard on ${dashboard.url}; redis on port ${redis.port}`);
    await internalAnswerTime(dashboard.url, internalSecret, benchSite.publicKey, 60_000);

    const ctx: Context = {
      redis,
      redisPid: await redisPid(redis.port),
      standalone: await seed('standalone', standalone, standaloneKeys.publicKey),
      saas: await seed('SaaS', saas, benchSite.publicKey),
      relay,
      dashboard,
      internalSecret,
      data,
      owner,
      benchSite,
      benchSecretKey,
      otherSites,
    };
    const rows = [...(await firstReads(ctx)), ...(await loadRows(ctx)), ...(await renderRows(ctx))];

    say(`\n${formatTable(rows)}\n`);
    say('p99 and p95 figures are exact nearest-rank percentiles over every response time (fractional ms).');
    say('"paced" = open loop: requests due evenly over time at the offered rate, each timed from when it');
    say("was due (threadkit loadtest's scheduler). Each load row runs standalone first, then SaaS, with the");
    say('same requests on the same thread.');
    for (const mode of [ctx.standalone, ctx.saas]) {
      const problems = mode.server.problems;
      if (problems.length > 0) {
        say(`\n${mode.name} server logged ${problems.length} warning/error line(s); first ones:`);
        for (const line of problems.slice(0, 10)) say(`  ${line.slice(0, 500)}`);
      } else {
        say(`\n${mode.name} server logged no warnings or errors.`);
      }
    }
    say(`Total bench time ${((Date.now() - started) / 1000).toFixed(1)} s; load average ${loadAverage()}.`);
    return 0;
  } finally {
    clearTimeout(watchdog);
    await cleanup();
  }
}

// ---------------------------------------------------------------- the internal API relay

interface Relay {
  url: string;
  /** Calls so far, by what they asked: `keys`, `sites`, `seen`, `other`. */
  counts(): Record<string, number>;
  stop(): Promise<void>;
}

/**
 * Forwards every request to `target` and counts them: the SaaS server's calls to
 * the dashboard's internal API, which neither side reports in its metrics. It
 * adds a loopback hop (well under a millisecond) to each call.
 */
async function startRelay(target: string): Promise<Relay> {
  const counts: Record<string, number> = { keys: 0, sites: 0, seen: 0, other: 0 };
  const agent = new http.Agent({ keepAlive: true });
  const server = http.createServer((request, response) => {
    const parts = (request.url ?? '').split('?')[0]!.split('/');
    // /api/internal/<resource>/<id>[/<action>]
    const kind = parts[5] === 'seen' ? 'seen' : parts[3] === 'keys' || parts[3] === 'sites' ? parts[3] : null;
    const kindOf = kind ?? 'other';
    counts[kindOf] = (counts[kindOf] ?? 0) + 1;
    const upstream = http.request(
      `${target}${request.url ?? '/'}`,
      { method: request.method, headers: request.headers, agent, timeout: 10_000 },
      (answer) => {
        response.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(response);
      },
    );
    upstream.on('timeout', () => upstream.destroy(new Error('no answer in 10 s')));
    upstream.on('error', () => {
      if (!response.headersSent) response.writeHead(502);
      response.end();
    });
    request.pipe(upstream);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, HOST, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${HOST}:${port}`,
    counts: () => ({ ...counts }),
    stop: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      agent.destroy();
    },
  };
}

const totalCalls = (counts: Record<string, number>) => Object.values(counts).reduce((n, c) => n + c, 0);
const callsSince = (before: Record<string, number>, after: Record<string, number>) =>
  Object.fromEntries(Object.entries(after).map(([kind, n]) => [kind, n - (before[kind] ?? 0)]));
const CALL_NAMES: Record<string, string> = {
  keys: 'GET keys/<key>',
  sites: 'GET sites/<id>',
  seen: 'POST sites/<id>/seen',
  other: 'other',
};
const describeCalls = (calls: Record<string, number>) =>
  Object.entries(calls)
    .filter(([, n]) => n > 0)
    .map(([kind, n]) => `${n}× ${CALL_NAMES[kind] ?? kind}`)
    .join(', ') || 'none';

/**
 * The dashboard's internal API answering `GET /keys/<key>` directly (not through
 * the relay), in ms; retried until `patienceMs` while the dashboard opens its database.
 */
async function internalAnswerTime(
  dashboardUrl: string,
  secret: string,
  key: string,
  patienceMs = 0,
): Promise<number> {
  const deadline = Date.now() + patienceMs;
  for (;;) {
    const t0 = performance.now();
    const response = await fetch(`${dashboardUrl}/api/internal/keys/${encodeURIComponent(key)}`, {
      headers: { authorization: `Bearer ${secret}` },
      signal: AbortSignal.timeout(10_000),
    }).catch((error: Error) => error);
    const elapsed = performance.now() - t0;
    if (!(response instanceof Error)) {
      const body = await response.text();
      if (response.status === 200) return elapsed;
      if (Date.now() > deadline)
        throw new Error(`the internal API answered ${response.status} for a key: ${body.slice(0, 300)}`);
    } else if (Date.now() > deadline) {
      throw new Error(`the internal API did not answer: ${response.message}`);
    }
    await sleep(250);
  }
}

// ---------------------------------------------------------------- seeding

/** The same thread on each server (same PRNG seed), checked whole, identity and gzip. */
async function seed(name: ModeName, server: ServerProcess, publicKey: string): Promise<Mode> {
  const t0 = Date.now();
  const random = prng(20240115);
  const api = new ApiClient(server.baseUrl, publicKey);
  const guests = await createGuests(api, THREAD_AUTHORS + EXTRA_GUESTS, random);
  await seedThread(api, {
    pageUrl: READ_PAGE,
    guests: guests.slice(0, THREAD_AUTHORS),
    total: THREAD_SIZE,
    roots: THREAD_ROOTS,
    votes: SEED_VOTES,
    random,
  });
  const postRoots: string[] = [];
  for (let i = 0; i < 10; i++) {
    const author = guests[THREAD_AUTHORS + i]!;
    postRoots.push((await api.comment(author.token, POST_PAGE, markdownComment(random, i))).id);
  }

  const readPath = `/v1/comments?page_url=${encodeURIComponent(READ_PAGE)}&limit=200&replies=50`;
  const readUrl = `${server.baseUrl}${readPath}`;
  const identity = await rawGet(readUrl, readHeaders(publicKey, false));
  if (identity.status !== 200)
    throw new Error(
      `${name} seed check: GET ${readPath} -> ${identity.status}: ${identity.body.toString().slice(0, 500)}`,
    );
  const body = JSON.parse(identity.body.toString('utf8')) as { total: number; tree: { comments: Nested[] } };
  const shown = countNested(body.tree.comments);
  if (body.total !== THREAD_SIZE || shown !== THREAD_SIZE)
    throw new Error(
      `${name} seed check: expected ${THREAD_SIZE} comments, got ${body.total}, ${shown} in tree`,
    );
  // The server compresses the shared thread in the background after a read finds it uncompressed.
  const deadline = Date.now() + 5000;
  let gzip = await rawGet(readUrl, readHeaders(publicKey, true));
  while (gzip.headers['content-encoding'] !== 'gzip') {
    if (gzip.status !== 200) throw new Error(`${name} seed check (gzip): GET -> ${gzip.status}`);
    if (Date.now() > deadline) throw new Error(`${name} seed check: no gzip response within 5 s`);
    await sleep(25);
    gzip = await rawGet(readUrl, readHeaders(publicKey, true));
  }
  const unzipped = JSON.parse(gunzipSync(gzip.body).toString('utf8')) as typeof body;
  if (countNested(unzipped.tree.comments) !== THREAD_SIZE)
    throw new Error(`${name} seed check: the gzip response is not the whole thread`);
  const readBytes = { gzip: gzip.body.length, identity: identity.body.length };
  say(
    `${name}: seeded ${guests.length} guests, ${THREAD_SIZE} comments, ${SEED_VOTES} votes in ${Date.now() - t0} ms; ` +
      `read response ${kib(readBytes.identity)} identity, ${kib(readBytes.gzip)} gzip`,
  );
  return { name, server, api, guests, postRoots, readPath, readBytes };
}

const thousands = (n: number) => n.toLocaleString('en-US').replaceAll(',', ' ');
const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;

interface Nested {
  r?: Nested[];
}
const countNested = (list: Nested[]): number => list.reduce((n, c) => n + 1 + countNested(c.r ?? []), 0);

/** Anonymous read headers from `origin`; `gzip` adds the Accept-Encoding every browser sends. */
const readHeaders = (publicKey: string, gzip: boolean, origin = ORIGIN): Record<string, string> => ({
  projectid: publicKey,
  origin,
  ...(gzip ? { 'accept-encoding': 'gzip, deflate, br' } : {}),
});

// ---------------------------------------------------------------- j. keys the SaaS server has not seen

/**
 * The first read with each of FIRST_READS keys the SaaS server was never asked
 * about (sites of the owner with no comment yet), beside the second read with
 * the same key and the internal API's own answer for another such key.
 */
async function firstReads(ctx: Context): Promise<Row[]> {
  const first: number[] = [];
  const second: number[] = [];
  const direct: number[] = [];
  const before = ctx.relay.counts();
  const sites = ctx.otherSites.slice(0, FIRST_READS);
  for (const [i, site] of sites.entries()) {
    const neighbour = ctx.otherSites[FIRST_READS + i]!;
    direct.push(await internalAnswerTime(ctx.dashboard.url, ctx.internalSecret, neighbour.publicKey));
    const url = `${ctx.saas.server.baseUrl}/v1/comments?page_url=${encodeURIComponent(`https://${site.domain}/post`)}`;
    const headers = readHeaders(site.publicKey, true, `https://${site.domain}`);
    for (const into of [first, second]) {
      const t0 = performance.now();
      const response = await rawGet(url, headers);
      into.push(performance.now() - t0);
      if (response.status !== 200)
        throw new Error(
          `first reads: GET ${url} -> ${response.status}: ${response.body.toString().slice(0, 300)}`,
        );
    }
  }
  const calls = callsSince(before, ctx.relay.counts());
  const sorted = (values: number[]) => Float64Array.from(values).sort();
  const [f, s, d] = [sorted(first), sorted(second), sorted(direct)];
  say(`j. first reads of ${sites.length} unseen keys: p50 ${ms(percentile(f, 50))}, max ${ms(f.at(-1)!)}`);
  return [
    {
      scenario: 'j. SaaS: first read of a key it has not seen',
      figure: `p50 ${ms(percentile(f, 50))}`,
      budget: '(information)',
      verdict: 'info',
      notes: joinNotes([
        `${sites.length} keys, one read each of an empty page, sequential: max ${ms(f.at(-1)!)}`,
        `the second read of the same key p50 ${ms(percentile(s, 50))}, max ${ms(s.at(-1)!)}`,
        `the internal API answering GET /keys/<key> directly p50 ${ms(percentile(d, 50))}, max ${ms(d.at(-1)!)}`,
        `internal API calls meanwhile: ${describeCalls(calls)} (a key each, and each site's sighting in the background)`,
      ]),
    },
  ];
}

// ---------------------------------------------------------------- a, b, c and k

async function loadRows(ctx: Context): Promise<Row[]> {
  const rows: Row[] = [];
  const modes = [ctx.standalone, ctx.saas];
  const readRequest = (mode: Mode): LoadRequest => ({
    method: 'GET',
    path: mode.readPath,
    route: '/v1/comments',
    headers: readHeaders(mode.api.publicKey, true),
  });

  const paced: Measured[] = [];
  for (const mode of modes)
    paced.push(
      await run(ctx, mode, `a. read @${READ_RATE}/s (paced, gzip)`, {
        request: readRequest(mode),
        connections: 20,
        ratePerSec: READ_RATE,
      }),
    );
  for (const [i, mode] of modes.entries())
    rows.push(
      latencyRow(
        `a. ${mode.name}: read 200-comment thread @${READ_RATE} req/s, paced, gzip`,
        paced[i]!.result,
        READ_RATE,
        BUDGET.readP99Ms,
        earlyNotes(paced[i]!),
      ),
    );

  // Each mode in two halves taken in turn (standalone, SaaS, SaaS, standalone): see `takeInTurns`.
  const halves = await takeInTurns(modes, (mode, half) =>
    run(
      ctx,
      mode,
      `b. read saturated (gzip, half ${half})`,
      { request: readRequest(mode), connections: 50 },
      { durationSec: DURATION / 2 },
    ),
  );
  const saturated = halves.map(combineMeasured);
  for (const [i, mode] of modes.entries()) rows.push(readCpuRow(mode, saturated[i]!));
  rows.push(modeRatioRow(saturated[0]!, saturated[1]!));

  const posts: Measured[] = [];
  for (const mode of modes)
    posts.push(
      await run(ctx, mode, `c. post @${POST_RATE}/s (paced)`, {
        request: postRequest(mode),
        connections: 10,
        ratePerSec: POST_RATE,
      }),
    );
  for (const [i, mode] of modes.entries())
    rows.push(
      latencyRow(
        `c. ${mode.name}: post comment @${POST_RATE} req/s, paced`,
        posts[i]!.result,
        POST_RATE,
        BUDGET.postP99Ms,
      ),
    );

  rows.push(postRatioRow(posts[0]!, posts[1]!));
  rows.push(internalCallsRow(paced[1]!, saturated[1]!));
  return rows;
}

/**
 * c: what the plan limit adds to a post. The SaaS site is on the Business plan, so its
 * month's comments are counted and checked inside `create_comment.lua`: the same script
 * calls per post as standalone, no extra round trip.
 */
function postRatioRow(standaloneRun: Measured, saasRun: Measured): Row {
  const [standalone, saas] = [standaloneRun.result, saasRun.result];
  const bad = invalidity(saas) ?? (invalidity(standalone) ? `standalone: ${invalidity(standalone)}` : null);
  const perPost = (result: LoadResult) => result.redisScriptCalls / result.ok;
  const extra = perPost(saas) - perPost(standalone);
  return {
    scenario: 'c. SaaS (plan limits on) − standalone: Redis script calls per post',
    figure: `${extra >= 0 ? '+' : ''}${extra.toFixed(4)} calls/post`,
    budget: '≤ +1 round trip',
    verdict: bad ? 'INVALID' : extra <= 1 ? 'PASS' : 'FAIL',
    notes: joinNotes([
      bad,
      `SaaS ${cpuPerRequest(saas).toFixed(4)} ms CPU/post, ${redisNotes(saas)}`,
      `standalone ${cpuPerRequest(standalone).toFixed(4)} ms CPU/post, ${redisNotes(standalone)}`,
      'the SaaS site is on the Business plan: each comment is counted and checked against its month in the write itself',
    ]),
  };
}

/** POST /v1/comments rotating over every guest token, with fresh Markdown; a third are replies. */
function postRequest(mode: Mode): LoadRequest {
  const random = prng(1);
  let serial = 0;
  return {
    method: 'POST',
    path: '/v1/comments',
    route: '/v1/comments',
    headers: mode.api.headers(mode.guests[0]!.token),
    body: JSON.stringify({ page_url: POST_PAGE, content: markdownComment(random, 0) }),
    next: () => {
      serial++;
      const guest = mode.guests[serial % mode.guests.length]!;
      const parent = serial % 3 === 0 ? mode.postRoots[serial % mode.postRoots.length] : undefined;
      return {
        headers: { authorization: `Bearer ${guest.token}` },
        body: JSON.stringify({
          page_url: POST_PAGE,
          content: markdownComment(random, serial),
          ...(parent ? { parent_id: parent } : {}),
        }),
      };
    },
  };
}

interface Measured {
  result: LoadResult;
  /** Internal API calls the SaaS server made during the measured run, by kind. */
  calls: Record<string, number>;
  /** Reads the server answered before routing (threadkit_http_cached_reads_total) during the measured run. */
  early: number;
}

/** The server's count of thread reads answered before routing, from its /metrics. */
async function earlyReads(server: ServerProcess): Promise<number> {
  const text = await fetch(`${server.baseUrl}/metrics`, { signal: AbortSignal.timeout(5000) }).then((r) =>
    r.text(),
  );
  const value = Number(/^threadkit_http_cached_reads_total (\S+)$/m.exec(text)?.[1]);
  if (!Number.isFinite(value)) throw new Error('/metrics has no threadkit_http_cached_reads_total');
  return value;
}

/** What share of a read run the server answered before routing: from memory, with the directory's cached key. */
const earlyNotes = (m: Measured) =>
  `${((m.early / Math.max(1, m.result.ok)) * 100).toFixed(1)}% answered before routing`;

/** A warm-up and a measured run of `options` on one server. */
async function run(
  ctx: Context,
  mode: Mode,
  label: string,
  options: Omit<LoadOptions, 'baseUrl' | 'cpuPids' | 'durationSec' | 'redisPort'>,
  { durationSec = DURATION }: { durationSec?: number } = {},
): Promise<Measured> {
  const base = {
    ...options,
    baseUrl: mode.server.baseUrl,
    cpuPids: { server: mode.server.pid, redis: ctx.redisPid },
    redisPort: ctx.redis.port,
  };
  const warm = await runLoad({ ...base, durationSec: WARMUP });
  const bad = invalidity(warm);
  if (bad) say(`  ${mode.name} ${label}: warm-up had problems: ${bad}`);
  const before = ctx.relay.counts();
  const earlyBefore = await earlyReads(mode.server);
  const result = await runLoad({ ...base, durationSec });
  const early = (await earlyReads(mode.server)) - earlyBefore;
  const calls = callsSince(before, ctx.relay.counts());
  say(
    `  ${mode.name} ${label}: ${result.ok} ok, ${result.unexpected} unexpected, ${result.errors} errors, ${result.timeouts} timeouts; ` +
      `${rate(result).toFixed(0)} req/s; p50 ${ms(percentile(result.latencies, 50))}, ` +
      `p99 ${ms(percentile(result.latencies, 99))}; server CPU ${cpuPerRequest(result).toFixed(4)} ms/req ` +
      `(${corePct(result.serverCpuMs, result).toFixed(0)}% of a core); internal API calls ${describeCalls(calls)}; ` +
      `other processes ${otherPct(result).toFixed(0)}% of a core; load average ${loadAverage()}`,
  );
  for (const [status, { count, sample }] of result.statuses)
    say(`    ${count}× HTTP ${status}, e.g. ${sample || '(empty body)'}`);
  return { result, calls, early };
}

/** Runs of one mode taken in parts, as one: see `combineRuns`. */
function combineMeasured(parts: readonly Measured[]): Measured {
  const calls: Record<string, number> = {};
  for (const part of parts)
    for (const [kind, count] of Object.entries(part.calls)) calls[kind] = (calls[kind] ?? 0) + count;
  return {
    result: combineRuns(parts.map((part) => part.result)),
    calls,
    early: parts.reduce((total, part) => total + part.early, 0),
  };
}

const redisNotes = (result: LoadResult) =>
  `redis ${(result.redisScriptCalls / result.ok).toFixed(4)} script calls/req, ` +
  `${(result.redisCommands / result.ok).toFixed(4)} commands/req`;

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

function readCpuRow(mode: Mode, measured: Measured): Row {
  const { result } = measured;
  const bad = invalidity(result);
  const perRequest = cpuPerRequest(result);
  return {
    scenario: `b. ${mode.name}: read saturated, 50 conns, gzip: server CPU`,
    figure: `${perRequest.toFixed(4)} ms/req`,
    budget: `≤ ${BUDGET.readCpuMs} ms/req`,
    verdict: bad ? 'INVALID' : perRequest <= BUDGET.readCpuMs ? 'PASS' : 'FAIL',
    notes: joinNotes([
      bad,
      noisy(result),
      `${(result.ok / (result.serverCpuMs / 1000)).toFixed(0)} req/s per server core`,
      `${rate(result).toFixed(0)} req/s achieved`,
      `p99 ${ms(percentile(result.latencies, 99))}`,
      `body on the wire ${kib(mode.readBytes.gzip)} gzip`,
      earlyNotes(measured),
      redisNotes(result),
      cpuNotes(result),
    ]),
  };
}

/** The SaaS server's CPU per read over the standalone one's, same request, same run. */
function modeRatioRow(standaloneRun: Measured, saasRun: Measured): Row {
  const [standalone, saas] = [standaloneRun.result, saasRun.result];
  const bad = invalidity(saas) ?? (invalidity(standalone) ? `standalone: ${invalidity(standalone)}` : null);
  const ratio = cpuPerRequest(saas) / cpuPerRequest(standalone);
  const side = (name: string, { result, ...m }: Measured) =>
    `${name} ${cpuPerRequest(result).toFixed(4)} ms/req (${corePct(result.serverCpuMs, result).toFixed(0)}% of a core, ` +
    `${rate(result).toFixed(0)} req/s, p99 ${ms(percentile(result.latencies, 99))}, ${earlyNotes({ result, ...m })})`;
  const standaloneNoise = noisy(standalone);
  return {
    scenario: 'b. SaaS ÷ standalone: server CPU per read',
    figure: `${ratio.toFixed(2)}×`,
    budget: '(information)',
    verdict: bad ? 'INVALID' : 'info',
    notes: joinNotes([
      bad,
      noisy(saas),
      standaloneNoise ? `standalone run: ${standaloneNoise}` : null,
      side('SaaS', saasRun),
      side('standalone', standaloneRun),
      `load average ${loadAverage()}`,
    ]),
  };
}

/** k: how often the SaaS server asks the dashboard while it serves reads. */
function internalCallsRow(paced: Measured, saturated: Measured): Row {
  const perRead = (m: Measured) => totalCalls(m.calls) / m.result.ok;
  const perSecond = (m: Measured) => totalCalls(m.calls) / m.result.durationSec;
  const bad = invalidity(paced.result);
  const figure = perRead(paced);
  return {
    scenario: 'k. SaaS: internal API calls per read, steady state',
    figure: `${figure.toFixed(5)} calls/read`,
    budget: `≈ 0 (≤ ${BUDGET.internalCallsPerRead})`,
    verdict: bad ? 'INVALID' : figure <= BUDGET.internalCallsPerRead ? 'PASS' : 'FAIL',
    notes: joinNotes([
      bad,
      `during row a: ${describeCalls(paced.calls)} in ${paced.result.durationSec} s ` +
        `(${perSecond(paced).toFixed(2)}/s) for ${paced.result.ok} reads`,
      `during row b: ${describeCalls(saturated.calls)} in ${saturated.result.durationSec} s ` +
        `(${perSecond(saturated).toFixed(2)}/s) for ${saturated.result.ok} reads ` +
        `(${perRead(saturated).toFixed(6)}/read)`,
      "a key's answer is refreshed in the background once 3 s old; a site's sighting reported once a minute",
      'counted by the relay in front of the dashboard',
    ]),
  };
}

// ---------------------------------------------------------------- r. dashboard pages

interface Page {
  path: string;
  /** What the page must show, so that the figure is about the page and not an error or a redirect. */
  check(html: string): string | null;
  notes?: string;
  /** Its own budget, where the page's is not the dashboard's usual one. */
  budgetMs?: number;
}

/**
 * AUDIT_ENTRIES moderation actions on the SaaS bench site, through the comment
 * server's moderation API as its owner (the secret key, from no browser: no
 * Origin): pages locked and unlocked, a few pages at once. The server keeps the
 * newest AUDIT_KEPT of them.
 */
async function produceAuditEntries(ctx: Context): Promise<{ kept: number; ms: number }> {
  const t0 = Date.now();
  const headers = { projectid: ctx.benchSecretKey, 'content-type': 'application/json' };
  const post = async (action: 'lock' | 'unlock', pageUrl: string) => {
    const response = await fetch(`${ctx.saas.server.baseUrl}/v1/moderation/${action}`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ page_url: pageUrl }),
      signal: AbortSignal.timeout(10_000),
    });
    if (response.status !== 204)
      throw new Error(
        `POST /v1/moderation/${action} -> ${response.status}: ${(await response.text()).slice(0, 300)}`,
      );
  };
  const workers = 8;
  const pairs = Math.ceil(AUDIT_ENTRIES / 2 / workers);
  await Promise.all(
    Array.from({ length: workers }, async (_, w) => {
      const pageUrl = `https://bench.local/locked-${w}`;
      for (let i = 0; i < pairs; i++) {
        await post('lock', pageUrl);
        await post('unlock', pageUrl);
      }
    }),
  );
  const response = await fetch(`${ctx.saas.server.baseUrl}/v1/moderation/audit?limit=1`, {
    headers,
    signal: AbortSignal.timeout(10_000),
  });
  const { total } = (await response.json()) as { total: number };
  if (response.status !== 200 || total !== AUDIT_KEPT)
    throw new Error(
      `the audit log holds ${total} entries after ${workers * pairs * 2} actions, not ${AUDIT_KEPT}`,
    );
  return { kept: total, ms: Date.now() - t0 };
}

/** The console's page with nothing to show but a problem (the comment server refused, say) is not the page. */
const consoleProblem = (html: string) => /role="alert"[^>]*>([^<]*)/.exec(html)?.[1] ?? null;

/**
 * A year of the bench site's usage in Redis, as the comment servers would have
 * counted it: every day's counters and visitors, and views of each of 1 000
 * pages (the meter's batches, through `UsageStore`), and each day's comments
 * (which `create_comment.lua` counts); then the dashboard's own usage sync copies it.
 */
async function seedUsageHistory(ctx: Context): Promise<{ ms: number }> {
  const t0 = Date.now();
  const redis = createRedis({ url: ctx.redis.url, clusterNodes: [], sentinels: [], sentinelName: null });
  try {
    await waitForRedis(redis);
    const store = new UsageStore(redis);
    const random = prng(7);
    const siteId = ctx.benchSite.id;
    const today = Date.parse(`${new Date().toISOString().slice(0, 10)}T00:00:00Z`);
    for (let d = USAGE_DAYS - 1; d >= 0; d--) {
      const day = new Date(today - d * 86_400_000).toISOString().slice(0, 10);
      const pageViews = new Map<string, number>();
      for (let p = 0; p < USAGE_PAGES; p++) pageViews.set(`page-${p}`, 1 + Math.floor(random() * 20));
      const views = [...pageViews.values()].reduce((sum, n) => sum + n, 0);
      const visitors = Array.from({ length: 50 }, (_, v) => `${day}-${v}`);
      await store.add(siteId, day, {
        counts: new Map([
          ['pageviews', views],
          ['api_requests', views + 200],
          ['votes', Math.floor(random() * 300)],
          ['new_commenters', Math.floor(random() * 30)],
          ['held:akismet', Math.floor(random() * 10)],
          ['rejected:honeypot', Math.floor(random() * 5)],
          ['approved', Math.floor(random() * 20)],
        ]),
        monthVisitors: visitors,
        dayVisitors: visitors,
        pageViews,
      });
      const comments = Math.floor(random() * 120);
      await redis.hincrby(keys.usage(siteId, day), 'comments', comments);
      await redis.hincrby(keys.usage(siteId, day.slice(0, 7)), 'comments', comments);
    }
  } finally {
    redis.disconnect();
  }
  await ctx.data.syncUsage(ctx.benchSite.id, ctx.redis.url);
  return { ms: Date.now() - t0 };
}

async function renderRows(ctx: Context): Promise<Row[]> {
  const audit = await produceAuditEntries(ctx);
  say(
    `  ${thousands(AUDIT_ENTRIES)} moderation actions on the SaaS site in ${audit.ms} ms; its audit log keeps ${thousands(audit.kept)}`,
  );
  const usage = await seedUsageHistory(ctx);
  say(
    `  ${USAGE_DAYS} days of usage over ${thousands(USAGE_PAGES)} pages seeded and copied by the usage sync in ${usage.ms} ms`,
  );
  const token = await ctx.data.startSession(ctx.owner.id);
  const cookie = `${SESSION_COOKIE}=${token}`;
  const site = ctx.benchSite;
  const pages: Page[] = [
    {
      path: '/sites',
      check: (html) => {
        const links = new Set(html.match(/href="\/sites\/[^"/]+"/g) ?? []).size;
        return links === SITE_COUNT ? null : `${links} site links, not ${SITE_COUNT}`;
      },
      notes: `the list of the owner's ${SITE_COUNT} sites`,
    },
    {
      path: `/sites/${site.id}`,
      check: (html) => (html.includes(site.publicKey) ? null : "the site's public key is not on its page"),
      notes: "a site's page (keys, embed code, settings, owners)",
    },
    {
      path: '/account',
      check: (html) => (html.includes(ctx.owner.email) ? null : "the owner's address is not on the page"),
    },
    {
      path: `/sites/${site.id}/moderation`,
      check: (html) =>
        consoleProblem(html) ??
        (html.includes('Waiting for a decision') ? null : 'no review queue on the page'),
      notes: "the moderation console's review queue, from the comment server called as the owner",
    },
    {
      path: `/sites/${site.id}/moderation/audit`,
      check: (html) => {
        const problem = consoleProblem(html);
        if (problem) return problem;
        const total = /Audit log \((?:<!-- -->)?(\d+)/.exec(html)?.[1];
        const shown = (html.match(/<tr/g) ?? []).length - 1;
        return total === String(AUDIT_KEPT) && shown > 0
          ? null
          : `the audit log shows ${total ?? 'no'} entries in all, ${shown} on the page`;
      },
      notes:
        `the audit log's first page (50 entries) from the comment server; ${thousands(AUDIT_ENTRIES)} moderation ` +
        `actions made, of which the server keeps the newest ${thousands(AUDIT_KEPT)} (docs/moderation.md)`,
    },
    {
      path: `/sites/${site.id}/analytics?days=365`,
      budgetMs: BUDGET.analyticsP95Ms,
      check: (html) => {
        const charts = (html.match(/<figure class="chart"/g) ?? []).length;
        const pagesShown = (html.match(/page-\d+/g) ?? []).length;
        return charts === 5 && pagesShown > 0
          ? null
          : `${charts} charts and ${pagesShown} top pages on the page`;
      },
      notes: `a site's analytics over 365 days: five daily charts with their tables, top pages of ${thousands(USAGE_PAGES)}, moderation, from the usage the sync copied`,
    },
  ];
  const rows: Row[] = [];
  for (const page of pages) {
    const url = `${ctx.dashboard.url}${page.path}`;
    const times: number[] = [];
    for (let i = 0; i < RENDER_WARMUP + RENDER_REQUESTS; i++) {
      const t0 = performance.now();
      const response = await fetch(url, {
        headers: { cookie },
        redirect: 'manual',
        signal: AbortSignal.timeout(30_000),
      });
      const html = await response.text();
      const elapsed = performance.now() - t0;
      if (response.status !== 200)
        throw new Error(`GET ${page.path} -> ${response.status} ${response.headers.get('location') ?? ''}`);
      if (i === 0 || i === RENDER_WARMUP) {
        const problem = page.check(html);
        if (problem) throw new Error(`GET ${page.path}: ${problem}`);
      }
      if (i >= RENDER_WARMUP) times.push(elapsed);
    }
    const sorted = Float64Array.from(times).sort();
    const p95 = percentile(sorted, 95);
    say(`  r. ${page.path}: p50 ${ms(percentile(sorted, 50))}, p95 ${ms(p95)}`);
    rows.push({
      scenario: `r. dashboard ${page.path.replaceAll(site.id, '<id>')}`,
      figure: `p95 ${ms(p95, 1)}`,
      budget: `p95 ≤ ${page.budgetMs ?? BUDGET.renderP95Ms} ms`,
      verdict: p95 <= (page.budgetMs ?? BUDGET.renderP95Ms) ? 'PASS' : 'FAIL',
      notes: joinNotes([
        page.notes ?? null,
        `p50 ${ms(percentile(sorted, 50), 1)}, max ${ms(sorted.at(-1)!, 1)}`,
        `${RENDER_REQUESTS} requests one at a time after ${RENDER_WARMUP} to warm up, to the last byte`,
      ]),
    });
  }
  return rows;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    // Stopped from outside: what failed was the bench being taken down under it.
    if (interrupted) return;
    say(`\nbench harness failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exitCode = 1;
  },
);
