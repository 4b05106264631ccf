/**
 * WebSocket performance budgets (the limits this file checks), measured against the real
 * gateway (`node packages/server/dist/cli.js start ws`, its own process) and
 * HTTP API (`start http`), both on one throwaway redis-server, with client
 * worker processes (bench/ws-client.ts, the `ws` package, no compression) on
 * loopback. Run with `npm run bench` (after the HTTP bench) or `npx tsx bench/ws.ts`.
 *
 *   1. CONNECTIONS connections (10 000), each subscribed to one of PAGES pages,
 *      opened by WORKERS client processes with IN_FLIGHT handshakes in flight:
 *      the gateway's RSS growth (/proc/<pid>/status VmRSS before any connection
 *      and with all of them subscribed) against ≤ 50 MB. Both readings follow a
 *      full GC, asked for through the gateway's inspector (started with
 *      --inspect-port, opened by SIGUSR1 before the first reading), so that the
 *      figure is live memory and not how much garbage V8 happened to hold at
 *      that moment; the RSS without forcing a GC is printed beside it.
 *   2. Every connection also subscribes to one more page; one comment posted
 *      there through the HTTP API reaches all of them: delivered count and
 *      latency from just before the POST to each client's receipt (wall clock,
 *      performance.timeOrigin + performance.now(), in every process), against
 *      all delivered, p99 < 250 ms, over FANOUT_RUNS comments a second apart,
 *      after one warm-up comment that is not counted.
 *   3. Comments posted through the HTTP API at a steady offered rate, round-robin
 *      over the PAGES pages (CONNECTIONS / PAGES subscribers each): events/s
 *      published, messages/s delivered and delivery latency, at ascending rates
 *      up to the first one the machine does not keep up with (offered rate not
 *      met, not every message delivered within DRAIN_MS, or delivery p99 over
 *      KEEP_UP_P99_MS: a backlog built up). No budget: information.
 *
 * Server, Redis and client CPU come from /proc/<pid>/stat around each step, and
 * busy time no process of the bench accounts for is flagged as a NOISY HOST.
 * The clients also record the server's pings, to show that the server spreads
 * them over WS_PING_INTERVAL rather than pinging every connection at once.
 * Every process started here is stopped at the end, also on failure.
 *
 * Prints each figure beside its budget. The exit code is 0 whether budgets pass
 * or fail (this is a report); it is non-zero only when the harness itself fails.
 *
 * Knobs: BENCH_WS_CONNECTIONS (10000), BENCH_WS_WORKERS (4), BENCH_WS_PAGES (100),
 * BENCH_WS_FANOUT_RUNS (5), BENCH_WS_RATES (events/s, ascending: 100,200,300,400,500,600),
 * BENCH_WS_RATE_SECONDS (5), BENCH_WS_NODE_FLAGS (the gateway's node flags:
 * --max-semi-space-size=1; "none" for none).
 */
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { type Outcome, runOpenLoop } from '../packages/loadtest/src/index.js';
import { type RedisServerHandle, startRedis } from '../packages/testing/src/redis.js';
import {
  CLK_TCK,
  collectGarbage,
  cpuTicks,
  envNumber,
  formatTable,
  generateKeys,
  machineTicks,
  mib,
  ms,
  ORIGIN,
  percentile,
  processMemory,
  type Row,
  redisPid,
  type ServerProcess,
  sleep,
  startServer,
  stopOnSignal,
  ticksToMs,
  WsClientPool,
} from './lib.js';
import { ApiClient, createGuests, type Guest, prng } from './seed.js';
import { type OpenReport, probeContent, type WorkerStats } from './ws-protocol.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const knob = (name: string, fallback: number) => envNumber(name, fallback, { integer: true });
const CONNECTIONS = knob('BENCH_WS_CONNECTIONS', 10_000);
const WORKERS = knob('BENCH_WS_WORKERS', 4);
const PAGES = knob('BENCH_WS_PAGES', 100);
const FANOUT_RUNS = knob('BENCH_WS_FANOUT_RUNS', 5);
const RATE_SECONDS = knob('BENCH_WS_RATE_SECONDS', 5);
const RATES = (process.env.BENCH_WS_RATES ?? '100,200,300,400,500,600')
  .split(',')
  .map(Number)
  .filter((rate) => Number.isFinite(rate) && rate > 0);
const NODE_FLAGS =
  process.env.BENCH_WS_NODE_FLAGS === 'none'
    ? []
    : (process.env.BENCH_WS_NODE_FLAGS ?? '--max-semi-space-size=1').split(/\s+/).filter(Boolean);

/** Handshakes (and subscribes) in flight at once, over all workers. */
const IN_FLIGHT = 200;
/** How long one connection may take to open and subscribe. */
const OPEN_TIMEOUT_MS = 20_000;
/** How long after its POST a fan-out may take to reach everyone before the rest count as lost. */
const FANOUT_TIMEOUT_MS = 10_000;
const SETTLE_MS = 3000;
/** How long after the last POST's answer the deliveries of a paced run may trail. */
const DRAIN_MS = 3000;
/** A paced run whose delivery p99 passes this let a backlog build up: the machine did not keep up. */
const KEEP_UP_P99_MS = 1000;
const POSTERS = 20;
const FANOUT_BUDGET_MS = 250;
const RSS_BUDGET_MB = 50;

const say = (line = '') => process.stdout.write(`${line}\n`);
const now = () => performance.timeOrigin + performance.now();
const pct = (cpuMs: number, wallMs: number) => `${((cpuMs / wallMs) * 100).toFixed(0)}%`;
const sum = (values: number[]) => values.reduce((total, value) => total + value, 0);

interface Context {
  redis: RedisServerHandle;
  redisPid: number;
  httpServer: ServerProcess;
  gateway: ServerProcess;
  api: ApiClient;
  posters: Guest[];
  pageUrls: string[];
  fanoutUrl: string;
  pool: WsClientPool;
  /** Connections each worker holds. */
  perWorker: number[];
  nextSerial: number;
}

async function main(): Promise<number> {
  const started = Date.now();
  say(
    `ThreadKit WebSocket benchmark — ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? 'unknown'}), ` +
      `Node ${process.version}, CLK_TCK ${CLK_TCK}`,
  );
  say(
    `${CONNECTIONS} connections from ${WORKERS} client processes (${IN_FLIGHT} handshakes in flight), ` +
      `${PAGES} pages; ${FANOUT_RUNS} fan-out runs; paced events at ${RATES.join(', ')}/s for ${RATE_SECONDS} s each ` +
      '(up to the first rate not kept up with).',
  );
  say(
    `Gateway: its own process (\`start ws\`), node flags: ${NODE_FLAGS.length > 0 ? NODE_FLAGS.join(' ') : '(none)'}; ` +
      `WS_* settings at their defaults but the connection caps (every client is one address); ` +
      `HTTP API in another process (\`start http\`), same Redis.\n`,
  );

  let redis: RedisServerHandle | undefined;
  let httpServer: ServerProcess | undefined;
  let gateway: ServerProcess | undefined;
  let pool: WsClientPool | undefined;
  const cleanup = async () => {
    await pool?.stop().catch((error: Error) => say(`stopping client workers: ${error.message}`));
    await gateway?.stop().catch((error: Error) => say(`stopping gateway: ${error.message}`));
    await httpServer?.stop().catch((error: Error) => say(`stopping HTTP server: ${error.message}`));
    await redis?.stop().catch((error: Error) => say(`stopping redis: ${error.message}`));
  };
  stopOnSignal(cleanup, say);

  try {
    redis = await startRedis({ args: ['--save', '', '--appendonly', 'no'] });
    const keys = generateKeys();
    const common = { root: ROOT, redisUrl: redis.url, ...keys };
    // The HTTP API first: it creates the standalone site the gateway then finds.
    httpServer = await startServer({ ...common, part: 'http' });
    gateway = await startServer({
      ...common,
      part: 'ws',
      nodeArgs: NODE_FLAGS,
      raiseFdLimit: true,
      inspectPort: true,
      // Every client here is 127.0.0.1: the caps would refuse all but the first hundred.
      env: {
        WS_MAX_CONNECTIONS: String(CONNECTIONS + 100),
        WS_MAX_CONNECTIONS_PER_ADDRESS: String(CONNECTIONS + 100),
      },
    });
    const limits = processMemory(gateway.pid);
    say(
      `HTTP API pid ${httpServer.pid} on ${httpServer.baseUrl}; gateway pid ${gateway.pid} on ${gateway.wsUrl}/ws ` +
        `(open-files limit ${limits.fdLimit}); redis on port ${redis.port}`,
    );
    if (!(limits.fdLimit > CONNECTIONS + 100))
      throw new Error(
        `the gateway may open only ${limits.fdLimit} files; ${CONNECTIONS} connections need more (raise the hard limit: ulimit -Hn)`,
      );

    const api = new ApiClient(httpServer.baseUrl, keys.publicKey);
    const posters = await createGuests(api, POSTERS, prng(42));
    const pageUrls = Array.from({ length: PAGES }, (_, i) => `https://bench.local/ws/page-${i}`);
    const fanoutUrl = 'https://bench.local/ws/fan-out';

    pool = await WsClientPool.start({
      root: ROOT,
      url: `${gateway.wsUrl}/ws?project_id=${encodeURIComponent(keys.publicKey)}`,
      origin: ORIGIN,
      count: WORKERS,
    });
    const skew = Math.max(...pool.clockOffsets.map((c) => Math.abs(c.offsetMs) + c.errorMs));
    say(
      `${WORKERS} client workers (pids ${pool.pids.join(', ')}); their clocks agree with this one's ` +
        `within ${ms(skew, 3)} (offset + IPC round-trip uncertainty)\n`,
    );

    const perWorker = Array.from(
      { length: WORKERS },
      (_, i) => Math.floor(CONNECTIONS / WORKERS) + (i < CONNECTIONS % WORKERS ? 1 : 0),
    );
    const ctx: Context = {
      redis,
      redisPid: await redisPid(redis.port),
      httpServer,
      gateway,
      api,
      posters,
      pageUrls,
      fanoutUrl,
      pool,
      perWorker,
      nextSerial: 1,
    };
    const pageIds = await Promise.all(pageUrls.map((url) => pageId(api, url)));
    const fanoutPageId = await pageId(api, fanoutUrl);

    const rows: Row[] = [];
    rows.push(await connections(ctx, pageIds));
    rows.push(await fanout(ctx, fanoutPageId));
    // Ascending offered rates, up to the first the machine does not keep up with.
    let sustainedRate: string | null = null;
    for (const rate of RATES) {
      const { row, keptUp } = await sustained(ctx, rate);
      rows.push(row);
      if (!keptUp) break;
      sustainedRate = `${rate} events/s (${row.figure.split('→ ')[1]} delivered)`;
    }

    const stats = (await pool.all(() => ({ type: 'stats' as const }))).map((reply) => reply.stats);
    say(`\n${formatTable(rows)}\n`);
    say(
      `Sustained across ${PAGES} pages × ${CONNECTIONS / PAGES} subscribers on this machine: ${
        sustainedRate ?? `not even ${RATES[0]} events/s`
      }${sustainedRate && rows.at(-1)?.notes.startsWith('kept up') ? ` (the highest rate tried)` : ''}.`,
    );
    say(
      'Latencies run from just before the POST is sent to the moment each client process reads the message',
    );
    say(
      '(wall clock of each process); nearest-rank percentiles over every delivery. Clients, servers and Redis',
    );
    say(`share the machine's ${os.cpus().length} cores, so client CPU shows up in the latencies too.`);
    say(clientSummary(stats));
    say(pingSummary(stats));
    for (const [name, server] of [
      ['gateway', gateway],
      ['HTTP server', httpServer],
    ] as const) {
      if (server.problems.length > 0) {
        say(`\n${name} logged ${server.problems.length} warning/error line(s); first ones:`);
        for (const line of server.problems.slice(0, 10)) say(`  ${line.slice(0, 500)}`);
      } else {
        say(`${name} logged no warnings or errors.`);
      }
    }
    say(`Total WebSocket bench time ${((Date.now() - started) / 1000).toFixed(1)} s.`);
    return 0;
  } finally {
    await cleanup();
  }
}

/** The page id the API gives a page URL (a read creates nothing). */
async function pageId(api: ApiClient, url: string): Promise<string> {
  const body = await api.call<{ page_id: string }>(
    'GET',
    `/v1/comments?page_url=${encodeURIComponent(url)}&limit=1`,
    undefined,
  );
  return body.page_id;
}

// ---------------------------------------------------------------- 1. connections

async function connections(ctx: Context, pageIds: string[]): Promise<Row> {
  const { gateway, pool } = ctx;
  await sleep(1000);
  const coldRaw = processMemory(gateway.pid);
  const cold = await settledMemory(ctx);
  const coldHeap = await gatewayGauge(ctx, 'threadkit_nodejs_heap_size_used_bytes');

  // A short warm-up (a few hundred connections, opened and closed) shows what is a one-time cost.
  const warmup = await openAll(ctx, (worker, k) => pageIds[(worker * 997 + k) % pageIds.length]!, 50);
  await pool.all(() => ({ type: 'drop' as const }));
  await sleep(1000);
  const warm = await settledMemory(ctx);

  const cpuBefore = cpuSample(ctx);
  const t0 = performance.now();
  let offset = 0;
  const offsets = ctx.perWorker.map((n) => {
    const at = offset;
    offset += n;
    return at;
  });
  const report = await openAll(ctx, (worker, k) => pageIds[(offsets[worker]! + k) % pageIds.length]!);
  const openMs = performance.now() - t0;
  const openCpu = cpuUse(cpuBefore, cpuSample(ctx));
  const openCpuMs = openCpu.gateway;
  await sleep(SETTLE_MS);
  const afterRaw = processMemory(gateway.pid);
  const after = await settledMemory(ctx);
  const serverCount = await gatewayGauge(ctx, 'threadkit_ws_connections');
  const channels = await gatewayGauge(ctx, 'threadkit_ws_page_channels');
  const heap = await gatewayGauge(ctx, 'threadkit_nodejs_heap_size_used_bytes');

  const growth = after.rss - cold.rss;
  const complete = report.ok === CONNECTIONS && serverCount === CONNECTIONS;
  say(
    `1. opened ${report.ok}/${CONNECTIONS} subscribed connections in ${(openMs / 1000).toFixed(1)} s ` +
      `(${((report.ok / openMs) * 1000).toFixed(0)}/s, gateway CPU ${pct(openCpuMs, openMs)} of a core)` +
      `${report.failed > 0 ? `; ${report.failed} failed: ${JSON.stringify(report.failures)}` : ''}; ` +
      `gateway counts ${serverCount} connections on ${channels} page channels, ${after.fds} open fds`,
  );
  say(
    `   gateway RSS after a full GC: ${mib(cold.rss)} before any connection, ${mib(warm.rss)} after a ` +
      `${warmup.ok}-connection warm-up, ${mib(after.rss)} with ${report.ok} connections; ` +
      `without forcing a GC: ${mib(coldRaw.rss)} → ${mib(afterRaw.rss)} after ${SETTLE_MS / 1000} s settling; ` +
      `peak ${mib(afterRaw.peakRss)}; JS heap used ${mib(coldHeap)} → ${mib(heap)}`,
  );
  return {
    scenario: `1. ${CONNECTIONS} WS connections, each subscribed (${PAGES} pages × ${CONNECTIONS / PAGES})`,
    figure: `RSS +${mib(growth)}`,
    budget: `≤ ${RSS_BUDGET_MB} MB`,
    verdict: !complete ? 'INVALID' : growth <= RSS_BUDGET_MB * 1024 * 1024 ? 'PASS' : 'FAIL',
    notes: joinNotes([
      complete ? null : `only ${report.ok} clients / ${serverCount} server connections open`,
      noisy(openCpu),
      `gateway node flags: ${NODE_FLAGS.length > 0 ? NODE_FLAGS.join(' ') : '(none)'}`,
      `VmRSS after a full GC ${mib(cold.rss)} before any connection → ${mib(after.rss)}`,
      `${(growth / Math.max(1, report.ok) / 1024).toFixed(2)} KiB per connection`,
      `+${mib(after.rss - warm.rss)} over the post-warm-up ${mib(warm.rss)}`,
      `without forcing a GC +${mib(afterRaw.rss - coldRaw.rss)} (${mib(coldRaw.rss)} → ${mib(afterRaw.rss)} after ${SETTLE_MS / 1000} s)`,
      `peak VmHWM ${mib(afterRaw.peakRss)}`,
      `JS heap used +${mib(heap - coldHeap)}`,
      `opening: ${cpuNotes(openCpu, 'orchestrator')}`,
    ]),
  };
}

/**
 * The gateway's memory once garbage is collected: a full GC through its inspector
 * (what V8's memory reducer does by itself some seconds after activity stops), then VmRSS.
 */
async function settledMemory(ctx: Context) {
  await collectGarbage(ctx.gateway);
  await sleep(500);
  return processMemory(ctx.gateway.pid);
}

/** Every worker opens its share of connections, connection k of worker w subscribed to page(w, k). */
async function openAll(
  ctx: Context,
  page: (worker: number, k: number) => string,
  count?: number,
): Promise<OpenReport> {
  const inFlight = Math.max(1, Math.floor(IN_FLIGHT / ctx.perWorker.length));
  const reports = await ctx.pool.all((worker) => ({
    type: 'open' as const,
    pages: Array.from({ length: count ?? ctx.perWorker[worker]! }, (_, k) => page(worker, k)),
    inFlight,
    timeoutMs: OPEN_TIMEOUT_MS,
  }));
  return mergeReports(reports.map((reply) => reply.report));
}

function mergeReports(reports: OpenReport[]): OpenReport {
  const failures: Record<string, number> = {};
  for (const report of reports)
    for (const [reason, count] of Object.entries(report.failures))
      failures[reason] = (failures[reason] ?? 0) + count;
  return {
    ok: sum(reports.map((r) => r.ok)),
    failed: sum(reports.map((r) => r.failed)),
    ms: Math.max(...reports.map((r) => r.ms)),
    failures,
  };
}

/** One unlabelled (or summed) series of the gateway's /metrics. */
async function gatewayGauge(ctx: Context, name: string): Promise<number> {
  const text = await fetch(`${ctx.gateway.baseUrl}/metrics`, { signal: AbortSignal.timeout(5000) }).then(
    (r) => r.text(),
  );
  let total = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith(`${name} `) || line.startsWith(`${name}{`)) total += Number(line.split(' ').at(-1));
  }
  return total;
}

// ---------------------------------------------------------------- 2. fan-out

async function fanout(ctx: Context, fanoutPageId: string): Promise<Row> {
  const { pool } = ctx;
  const t0 = performance.now();
  const subscribed = mergeReports(
    (
      await pool.all(() => ({
        type: 'subscribe' as const,
        pageId: fanoutPageId,
        inFlight: Math.max(1, Math.floor(IN_FLIGHT / ctx.perWorker.length)),
        timeoutMs: OPEN_TIMEOUT_MS,
      }))
    ).map((reply) => reply.report),
  );
  const subscribeMs = performance.now() - t0;
  await sleep(1000);
  const memory = await settledMemory(ctx);
  say(
    `\n2. ${subscribed.ok} connections also subscribed to the fan-out page in ${(subscribeMs / 1000).toFixed(1)} s` +
      `${subscribed.failed > 0 ? `; ${subscribed.failed} failed: ${JSON.stringify(subscribed.failures)}` : ''}; ` +
      `gateway RSS now ${mib(memory.rss)} after a full GC`,
  );
  const expected = subscribed.ok;
  // Each worker waits for the subscriptions it made.
  const stats = (await pool.all(() => ({ type: 'stats' as const }))).map((reply) => reply.stats.open);

  let fanoutCpu: CpuSample | undefined;
  const runs: {
    delivered: number;
    latencies: Float64Array;
    postMs: number;
    cpuMs: number;
    loopMs: number;
  }[] = [];
  // Run 0 warms the path up (JIT, first allocations) and is not counted, as in the HTTP bench.
  for (let run = 0; run <= FANOUT_RUNS; run++) {
    const serial = ctx.nextSerial++;
    const waiting = pool.all((worker) => ({
      type: 'await' as const,
      serial,
      expected: stats[worker]!,
      timeoutMs: FANOUT_TIMEOUT_MS,
    }));
    await sleep(50); // the await requests reach the workers before the comment exists
    const loopBefore = await gatewayGauge(ctx, 'threadkit_ws_fanout_seconds_sum');
    const cpuBefore = cpuSample(ctx);
    const poster = ctx.posters[run % ctx.posters.length]!;
    const sentAt = now();
    await ctx.api.call(
      'POST',
      '/v1/comments',
      { page_url: ctx.fanoutUrl, content: probeContent(serial) },
      poster.token,
      201,
    );
    const postMs = now() - sentAt;
    const replies = await waiting;
    const cpuAfter = cpuSample(ctx);
    const cpuMs = cpuAfter.gateway - cpuBefore.gateway;
    if (run > 0) fanoutCpu = cpuUse(cpuBefore, cpuAfter, fanoutCpu);
    // The gateway's own time to hand the message to every subscriber (its fan-out histogram).
    const loopMs = ((await gatewayGauge(ctx, 'threadkit_ws_fanout_seconds_sum')) - loopBefore) * 1000;
    const latencies = Float64Array.from(
      replies.flatMap((reply) => Array.from(reply.times, (t) => t - sentAt)),
    ).sort();
    if (run > 0) {
      runs.push({ delivered: latencies.length, latencies, postMs, cpuMs, loopMs });
    }
    say(
      `   ${run === 0 ? 'warm-up run (not counted)' : `run ${run}`}: delivered ${latencies.length}/${expected}; p50 ${ms(percentile(latencies, 50))}, ` +
        `p99 ${ms(percentile(latencies, 99))}, max ${ms(latencies.at(-1) ?? Number.NaN)}; ` +
        `POST answered in ${ms(postMs)}; gateway send loop ${ms(loopMs, 1)}, gateway CPU ${cpuMs.toFixed(0)} ms`,
    );
    await sleep(1000);
  }

  const all = Float64Array.from(runs.flatMap((run) => Array.from(run.latencies))).sort();
  const p99 = percentile(all, 99);
  const allDelivered = runs.every((run) => run.delivered === CONNECTIONS);
  const byP99 = [...runs].sort((a, b) => percentile(a.latencies, 99) - percentile(b.latencies, 99));
  const median = byP99[Math.floor(byP99.length / 2)]!;
  const cpuPerMessageUs =
    (sum(runs.map((r) => r.cpuMs)) * 1000) / Math.max(1, sum(runs.map((r) => r.delivered)));
  return {
    scenario: `2. one comment fanned out to ${CONNECTIONS} subscribers of one page (${FANOUT_RUNS} runs + warm-up)`,
    figure: `p99 ${ms(p99, 1)}`,
    budget: `all delivered, p99 < ${FANOUT_BUDGET_MS} ms`,
    verdict: expected !== CONNECTIONS ? 'INVALID' : allDelivered && p99 < FANOUT_BUDGET_MS ? 'PASS' : 'FAIL',
    notes: joinNotes([
      expected !== CONNECTIONS ? `only ${expected} subscribers` : null,
      fanoutCpu ? noisy(fanoutCpu) : null,
      `delivered ${runs.map((r) => r.delivered).join(', ')} of ${CONNECTIONS}`,
      `p99 over all ${all.length} deliveries; per run p99 ${runs.map((r) => percentile(r.latencies, 99).toFixed(0)).join(', ')} ms`,
      `median run p50 ${ms(percentile(median.latencies, 50), 1)}, p99 ${ms(percentile(median.latencies, 99), 1)}`,
      `overall p50 ${ms(percentile(all, 50), 1)}, max ${ms(all.at(-1) ?? Number.NaN, 1)}`,
      `POST answered in ${runs.map((r) => r.postMs.toFixed(0)).join(', ')} ms`,
      `gateway send loop (its fan-out histogram) ${runs.map((r) => r.loopMs.toFixed(0)).join(', ')} ms`,
      `gateway CPU ≈ ${cpuPerMessageUs.toFixed(1)} µs per delivered message (10 ms ticks)`,
      fanoutCpu ? `from each POST to its last delivery: ${cpuNotes(fanoutCpu, 'orchestrator')}` : null,
    ]),
  };
}

// ---------------------------------------------------------------- 3. sustained events

async function sustained(ctx: Context, rate: number): Promise<{ row: Row; keptUp: boolean }> {
  const { pool, httpServer } = ctx;
  const subscribersPerPage = CONNECTIONS / PAGES;
  const first = ctx.nextSerial;
  const total = Math.round(rate * RATE_SECONDS);
  ctx.nextSerial += total;
  const sentAt = new Float64Array(total);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const url = new URL(httpServer.baseUrl);
  const statuses = new Map<number | string, number>();
  let ok = 0;
  let inFlight = 0;
  let maxInFlight = 0;

  const post = (index: number) => {
    const serial = first + index;
    const poster = ctx.posters[index % ctx.posters.length]!;
    const body = JSON.stringify({
      page_url: ctx.pageUrls[index % ctx.pageUrls.length],
      content: probeContent(serial),
    });
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    return new Promise<Outcome>((resolve) => {
      const done = (status: number | string) => {
        inFlight--;
        if (status === 201) ok++;
        else statuses.set(status, (statuses.get(status) ?? 0) + 1);
        resolve(typeof status === 'number' ? { status } : { error: status });
      };
      sentAt[index] = now();
      const request = http.request(
        {
          agent,
          host: url.hostname,
          port: url.port,
          method: 'POST',
          path: '/v1/comments',
          headers: { ...ctx.api.headers(poster.token), 'content-length': Buffer.byteLength(body) },
          timeout: 10_000,
        },
        (response) => {
          response.resume();
          response.on('end', () => done(response.statusCode ?? 0));
          response.on('error', () => done('response error'));
        },
      );
      request.on('timeout', () => request.destroy(new Error('timeout')));
      request.on('error', (error: Error & { code?: string }) => done(error.code ?? error.message));
      request.end(body);
    });
  };

  const sentBefore = await gatewayGauge(ctx, 'threadkit_ws_messages_sent_total');
  const before = cpuSample(ctx);
  const start = performance.now();
  // The project's open loop paces the POSTs (no cap on those in flight: the agent queues past 64).
  let sendMs = 0;
  const loop = await runOpenLoop(
    { rate, rampMs: 0, requests: total, maxInFlight: total, drainMs: 10_000 },
    (index) => {
      if (index === total - 1) sendMs = performance.now() - start;
      return post(index);
    },
    () => {},
  );
  const answeredMs = performance.now() - start;
  // Trailing deliveries: wait until every event reached its page's subscribers, or DRAIN_MS.
  const expected = ok * subscribersPerPage;
  let delivered = 0;
  const serials: number[] = [];
  const times: number[] = [];
  const deadline = performance.now() + DRAIN_MS;
  for (;;) {
    const replies = await pool.all(() => ({ type: 'collect' as const, from: first, to: first + total }));
    for (const reply of replies) {
      for (let i = 0; i < reply.serials.length; i++) {
        serials.push(reply.serials[i]!);
        times.push(reply.times[i]!);
      }
    }
    delivered = serials.length;
    if (delivered >= expected || performance.now() > deadline) break;
    await sleep(100);
  }
  const use = cpuUse(before, cpuSample(ctx));
  const gatewaySent = (await gatewayGauge(ctx, 'threadkit_ws_messages_sent_total')) - sentBefore;
  agent.destroy();

  const latencies = Float64Array.from(serials, (serial, i) => times[i]! - sentAt[serial - first]!).sort();
  let lastReceipt = 0;
  for (const t of times) lastReceipt = Math.max(lastReceipt, t);
  const spanMs = lastReceipt - (performance.timeOrigin + start);
  const published = (ok / sendMs) * 1000;
  const deliveredRate = (delivered / spanMs) * 1000;
  const failed = [...statuses].map(([status, count]) => `${count}× ${status}`).join(', ');
  const rateMet = ok === total && published >= rate * 0.95;
  const keptUp = rateMet && delivered === expected && percentile(latencies, 99) < KEEP_UP_P99_MS;
  say(
    `\n3. @${rate}/s offered: ${ok}/${total} comments posted in ${(sendMs / 1000).toFixed(1)} s ` +
      `(${published.toFixed(0)}/s; last answer after ${(answeredMs / 1000).toFixed(1)} s, at most ${maxInFlight} in flight)` +
      `${failed ? `, failed: ${failed}` : ''}; delivered ${delivered}/${expected} ` +
      `(${deliveredRate.toFixed(0)} messages/s; gateway counted ${gatewaySent} sent); ` +
      `delivery p50 ${ms(percentile(latencies, 50))}, p99 ${ms(percentile(latencies, 99))}, ` +
      `max ${ms(latencies.at(-1) ?? Number.NaN)}${keptUp ? '' : ' — did NOT keep up'}`,
  );
  return {
    keptUp,
    row: {
      scenario: `3. comments @${rate}/s offered over ${PAGES} pages × ${subscribersPerPage} subscribers`,
      figure: `${published.toFixed(0)} events/s → ${deliveredRate.toFixed(0)} msg/s`,
      budget: '(none: information)',
      verdict: 'info',
      notes: joinNotes([
        keptUp
          ? `kept up (rate met, all delivered, p99 < ${KEEP_UP_P99_MS / 1000} s)`
          : `did NOT keep up: ${[
              rateMet ? null : 'offered rate not met',
              delivered === expected ? null : 'not all delivered',
              percentile(latencies, 99) < KEEP_UP_P99_MS
                ? null
                : `p99 ≥ ${KEEP_UP_P99_MS / 1000} s, a backlog built up`,
            ]
              .filter(Boolean)
              .join(', ')}`,
        noisy(use),
        failed ? `POST failures: ${failed}` : null,
        published < rate * 0.95 ? `offered rate NOT met (${published.toFixed(0)}/s)` : null,
        `delivered ${delivered}/${expected}${delivered < expected ? ` within ${DRAIN_MS / 1000} s of the last POST's answer` : ''}`,
        `delivery p50 ${ms(percentile(latencies, 50), 1)}, p99 ${ms(percentile(latencies, 99), 1)}, max ${ms(latencies.at(-1) ?? Number.NaN, 1)}`,
        `at most ${maxInFlight} POSTs in flight`,
        `POST send lateness p99 ${ms(loop.sendLateness.p99)}, max ${ms(loop.sendLateness.max)}`,
        cpuNotes(use, 'load generator'),
      ]),
    },
  };
}

// ---------------------------------------------------------------- CPU

interface CpuSample {
  wallMs: number;
  gateway: number;
  http: number;
  redis: number;
  clients: number;
  /** This process: the orchestrator and, in step 3, the load generator. */
  self: number;
  busy: number;
  softirq: number;
  steal: number;
}

/** CPU used so far, in ms, by each process of the bench and by the whole machine (/proc). */
function cpuSample(ctx: Context): CpuSample {
  const machine = machineTicks();
  const self = process.cpuUsage();
  return {
    wallMs: performance.now(),
    gateway: ticksToMs(cpuTicks(ctx.gateway.pid)),
    http: ticksToMs(cpuTicks(ctx.httpServer.pid)),
    redis: ticksToMs(cpuTicks(ctx.redisPid)),
    clients: ticksToMs(sum(ctx.pool.pids.map(cpuTicks))),
    self: (self.user + self.system) / 1000,
    busy: ticksToMs(machine.busy),
    softirq: ticksToMs(machine.softirq),
    steal: ticksToMs(machine.steal),
  };
}

/** CPU used between two samples; several intervals can be added up. */
function cpuUse(before: CpuSample, after: CpuSample, into?: CpuSample): CpuSample {
  const out = { ...(into ?? { ...before, ...Object.fromEntries(Object.keys(before).map((k) => [k, 0])) }) };
  for (const key of Object.keys(before) as (keyof CpuSample)[]) out[key] += after[key] - before[key];
  return out;
}

/** Busy time no process of the bench accounts for (kernel softirq and steal apart). */
const otherCpu = (use: CpuSample) =>
  Math.max(
    0,
    use.busy - use.gateway - use.http - use.redis - use.clients - use.self - use.softirq - use.steal,
  );

function cpuNotes(use: CpuSample, selfName: string): string {
  const share = (value: number) => pct(value, use.wallMs);
  return (
    `CPU (% of a core over ${(use.wallMs / 1000).toFixed(1)} s): gateway ${share(use.gateway)}, ` +
    `HTTP server ${share(use.http)}, redis ${share(use.redis)}, ${WORKERS} clients ${share(use.clients)}, ` +
    `${selfName} ${share(use.self)}, kernel softirq ${share(use.softirq)}, steal ${share(use.steal)}, ` +
    `other processes ${share(otherCpu(use))}`
  );
}

/** Neighbours (builds, tests) on the same cores skew every figure; say so where it happened. */
const NOISY_PCT = 25;
const noisy = (use: CpuSample) => {
  const other = (otherCpu(use) / use.wallMs) * 100;
  return other > NOISY_PCT ? `NOISY HOST: other processes used ${other.toFixed(0)}% of a core` : null;
};

// ---------------------------------------------------------------- report

/** Server pings as the clients saw them: how many, and the most within any 100 ms. */
function pingSummary(stats: WorkerStats[]): string {
  const times = Float64Array.from(stats.flatMap((s) => Array.from(s.pings))).sort();
  let densest = 0;
  for (let start = 0, end = 0; end < times.length; end++) {
    while (times[end]! - times[start]! > 100) start++;
    densest = Math.max(densest, end - start + 1);
  }
  return `Server pings the clients saw: ${times.length}, at most ${densest} within any 100 ms (spread over WS_PING_INTERVAL).`;
}

function clientSummary(stats: WorkerStats[]): string {
  const merge = (pick: (s: WorkerStats) => Record<string, number>) => {
    const out: Record<string, number> = {};
    for (const s of stats)
      for (const [key, count] of Object.entries(pick(s))) out[key] = (out[key] ?? 0) + count;
    return Object.entries(out)
      .map(([key, count]) => `${count}× ${key}`)
      .join(', ');
  };
  const closed = merge((s) => s.closedByServer);
  const errors = merge((s) => s.errors);
  return (
    `Clients at the end: ${sum(stats.map((s) => s.open))} connections open, ${sum(stats.map((s) => s.messages))} messages ` +
    `received; closed by the server: ${closed || 'none'}; error messages: ${errors || 'none'}; ` +
    `client worker RSS ${stats.map((s) => mib(s.rssBytes, 0)).join(', ')}.`
  );
}

const joinNotes = (notes: (string | null)[]) => notes.filter((n): n is string => !!n).join('; ');

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    say(`\nbench harness failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exitCode = 1;
  },
);
