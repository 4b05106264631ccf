/**
 * Performance at scale, measured with the project's load generator
 * (@threadkit/loadtest, the `threadkit loadtest` scenarios) against servers this
 * script starts on 127.0.0.1, each run bounded in time; it stops everything it
 * started, also on Ctrl-C. Run with `npm run bench:scale`. Three questions:
 *
 * 1. Instances: the throughput of one server process (the HTTP API and the
 *    WebSocket gateway together) on one Redis, against two on the same Redis,
 *    the load split evenly between them as a load balancer would.
 * 2. Cluster: the same on a Redis Cluster of 3 masters.
 * 3. A large database: the read p99 at an offered rate on a Redis that first
 *    holds a generated site of `SCALE_CENSUS` × 1 000 000 comments (bench/census,
 *    the `npm run census` fill), with the fill's time.
 *
 * Throughput is the rate completed while far more is offered
 * (`SCALE_OFFERED`/s, open loop, 64 connections per instance): what the
 * deployment finishes per second when saturated. Beside each figure: the CPU
 * each process used (servers, Redis, the load generator) and the machine's
 * load, which say what the limit was. On a machine with few cores the load
 * generator, the servers and Redis share them, so a second instance can only
 * add what the cores have left.
 *
 * Knobs: SCALE_DURATION (s, 10), SCALE_OFFERED (4000), SCALE_SCENARIOS
 * (`read,mixed`; empty skips parts 1 and 2), SCALE_CENSUS (0.1; 0 skips part 3), SCALE_READ_RATE (1000),
 * SCALE_CENSUS_REDIS_URL (part 3 reads a Redis already filled by `npm run census -- --keep`
 * at scale SCALE_CENSUS instead of filling one: a million comments take half an hour to write).
 */
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { type LoadResult, parseOptions, runLoadTest } from '../packages/loadtest/src/index.js';
import {
  type RedisClusterHandle,
  type RedisServerHandle,
  startRedis,
  startRedisCluster,
} from '../packages/testing/src/redis.js';
import { sendCommand } from '../packages/testing/src/resp.js';
import { fillSite } from './census/fill.js';
import { planSite, targetsFor } from './census/shape.js';
import {
  cpuTicks,
  envNumber,
  formatTable,
  generateKeys,
  joinNotes,
  loadAverage,
  machineTicks,
  ORIGIN,
  type Row,
  redisPid,
  type ServerProcess,
  startServer,
  stopOnSignal,
  ticksToMs,
} from './lib.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const DURATION_S = envNumber('SCALE_DURATION', 10);
const OFFERED = envNumber('SCALE_OFFERED', 4000);
const SCENARIOS = (process.env.SCALE_SCENARIOS ?? 'read,mixed').split(',').filter(Boolean);
// `envNumber` takes only positive numbers; 0 is this knob's way to skip part 3.
const CENSUS_SCALE = process.env.SCALE_CENSUS === '0' ? 0 : envNumber('SCALE_CENSUS', 0.1);
const READ_RATE = envNumber('SCALE_READ_RATE', 1000);
const FILLED_URL = process.env.SCALE_CENSUS_REDIS_URL;
const CONNECTIONS = 64;

const say = (line: string) => process.stdout.write(`${line}\n`);

interface Deployment {
  name: string;
  servers: ServerProcess[];
  redisPids: readonly number[];
  keys: { publicKey: string; secretKey: string };
}

interface Measured {
  results: LoadResult[];
  completedPerSec: number;
  /** CPU per process kind during the run, in % of one core. */
  cpu: { servers: number[]; redis: number; generator: number; machine: number };
}

/** The share of one core `ticks` over `seconds` are. */
const pct = (ticks: number, seconds: number) => ticksToMs(ticks) / seconds / 10;

/** One scenario, its offered rate split evenly over the deployment's servers, all at once. */
async function measure(
  deployment: Deployment,
  scenario: string,
  rate: number,
  extra: string[] = [],
): Promise<Measured> {
  const servers = deployment.servers.map((s) => cpuTicks(s.pid));
  const redis = deployment.redisPids.map(cpuTicks);
  const generator = process.cpuUsage();
  const machine = machineTicks().busy;
  const started = performance.now();
  const results = await Promise.all(
    deployment.servers.map((server, i) => {
      const options = parseOptions([
        ...['--url', server.baseUrl, '--ws-url', server.wsUrl, '--key', deployment.keys.publicKey],
        ...['--origin', ORIGIN, '--scenario', scenario, '--rate', String(rate / deployment.servers.length)],
        ...['--duration', String(DURATION_S), '--connections', String(CONNECTIONS), '--quiet'],
        // Each instance's share on a page of its own, so their setups do not race.
        ...['--page', `scale-${scenario}-${i}`, ...extra],
      ]);
      if (options === 'help') throw new Error('unexpected help');
      return runLoadTest(options);
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(generator);
  return {
    results,
    completedPerSec: results.reduce((sum, r) => sum + r.completed / (r.duration_s || 1), 0),
    cpu: {
      servers: deployment.servers.map((s, i) => pct(cpuTicks(s.pid) - servers[i]!, seconds)),
      redis: deployment.redisPids.reduce((sum, pid, i) => sum + pct(cpuTicks(pid) - redis[i]!, seconds), 0),
      generator: (used.user + used.system) / 1000 / seconds / 10,
      machine: pct(machineTicks().busy - machine, seconds),
    },
  };
}

/** Operations answered with an error or not at all: the ones saturation leaves unsent are not among them. */
const errorsOf = (results: LoadResult[]) =>
  results.reduce(
    (sum, r) =>
      sum +
      Object.values(r.errors).reduce((a, b) => a + b, 0) +
      Object.entries(r.status.classes)
        .filter(([c]) => c !== '2xx')
        .reduce((a, [, n]) => a + n, 0),
    0,
  );

function cpuNote({ cpu }: Measured): string {
  return (
    `CPU: servers ${cpu.servers.map((c) => `${c.toFixed(0)}%`).join(' + ')}, Redis ${cpu.redis.toFixed(0)}%, ` +
    `load generator ${cpu.generator.toFixed(0)}%, whole machine ${cpu.machine.toFixed(0)}% of ${os.availableParallelism() * 100}%`
  );
}

async function startDeployment(
  name: string,
  instances: number,
  redis: { url: string; clusterNodes?: string; pids: readonly number[] },
): Promise<Deployment> {
  const keys = generateKeys();
  const servers: ServerProcess[] = [];
  // One after the other: the first creates the site, the others find it.
  for (let i = 0; i < instances; i++) {
    servers.push(
      await startServer({
        root: ROOT,
        redisUrl: redis.clusterNodes ? '' : redis.url,
        ...keys,
        env: {
          WS_MAX_CONNECTIONS_PER_ADDRESS: '100000',
          ...(redis.clusterNodes ? { REDIS_CLUSTER_NODES: redis.clusterNodes } : {}),
        },
      }),
    );
  }
  return { name, servers, redisPids: redis.pids, keys };
}

async function main(): Promise<number> {
  say(
    `ThreadKit at scale — ${os.availableParallelism()} CPUs (${os.cpus()[0]?.model.trim()}), Node ${process.version}, ` +
      `load average ${loadAverage()}`,
  );
  say(
    `Throughput: ${SCENARIOS.join(', ')} offered at ${OFFERED}/s for ${DURATION_S} s, ${CONNECTIONS} connections per instance.\n`,
  );
  const cleanups: (() => Promise<void>)[] = [];
  const cleanup = async () => {
    for (const step of cleanups.splice(0).reverse()) await step().catch(() => {});
  };
  stopOnSignal(cleanup, say);
  const rows: Row[] = [];
  try {
    // SCALE_SCENARIOS= (empty) skips the throughput runs.
    if (SCENARIOS.length > 0) {
      const single: RedisServerHandle = await startRedis();
      cleanups.push(() => single.stop());
      const singlePid = await redisPid(single.port);
      const cluster: RedisClusterHandle = await startRedisCluster({ masters: 3 });
      cleanups.push(() => cluster.stop());
      const clusterPids = await Promise.all(cluster.nodes.map((n) => redisPid(n.port)));
      const clusterNodes = cluster.nodes.map((n) => `${n.host}:${n.port}`).join(',');

      const throughput = new Map<string, number>();
      for (const [name, instances, redis] of [
        ['1 instance, one Redis', 1, { url: single.url, pids: [singlePid] }],
        ['2 instances, one Redis', 2, { url: single.url, pids: [singlePid] }],
        ['1 instance, Cluster of 3 masters', 1, { url: '', clusterNodes, pids: clusterPids }],
        ['2 instances, Cluster of 3 masters', 2, { url: '', clusterNodes, pids: clusterPids }],
      ] as const) {
        const deployment = await startDeployment(name, instances, redis);
        try {
          for (const scenario of SCENARIOS) {
            const m = await measure(deployment, scenario, OFFERED);
            throughput.set(`${scenario}|${name}`, m.completedPerSec);
            const base = throughput.get(`${scenario}|1 instance, one Redis`) ?? m.completedPerSec;
            const errors = errorsOf(m.results);
            // Offered far above what is answered, the queue left at the end is never sent: by design.
            const unsent = m.results.reduce((sum, r) => sum + r.unsent + r.unfinished, 0);
            say(
              `${scenario} on ${name}: ${m.completedPerSec.toFixed(0)}/s completed (${(m.completedPerSec / base).toFixed(2)}× one instance on one Redis), ${errors} failed, ${unsent} still queued at the end; ${cpuNote(m)}; load average ${loadAverage()}`,
            );
            rows.push({
              scenario: `${scenario}: ${name}`,
              figure: `${m.completedPerSec.toFixed(0)}/s`,
              budget: '(none: information)',
              verdict: errors > 0 ? 'INVALID' : 'info',
              notes: joinNotes([
                `${(m.completedPerSec / base).toFixed(2)}× one instance on one Redis`,
                errors > 0 ? `${errors} operations failed` : null,
                `${unsent} still queued at the end`,
                `p50 ${Math.max(...m.results.map((r) => r.latency_ms.p50)).toFixed(1)} ms (saturated: the queue's wait)`,
                m.results.some((r) => r.generator_behind)
                  ? `load generator behind (send lateness p99 ${Math.max(...m.results.map((r) => r.send_lateness_ms.p99)).toFixed(1)} ms)`
                  : null,
                cpuNote(m),
              ]),
            });
          }
        } finally {
          await Promise.all(deployment.servers.map((s) => s.stop()));
        }
      }
    }

    if (CENSUS_SCALE > 0) {
      const targets = targetsFor(CENSUS_SCALE, 1);
      let big: { url: string; host: string; port: number };
      let fill: string;
      if (FILLED_URL) {
        const url = new URL(FILLED_URL);
        big = { url: FILLED_URL, host: url.hostname, port: Number(url.port || 6379) };
        fill = 'filled beforehand';
        say(`\nreading the site of ${targets.comments} comments already in ${FILLED_URL}…`);
      } else {
        const started = await startRedis();
        cleanups.push(() => started.stop());
        big = started;
        const plan = planSite(targets);
        say(`\nfilling a site of ${targets.comments} comments (census scale ${CENSUS_SCALE})…`);
        const fillStart = performance.now();
        await fillSite({ redisUrl: big.url, plan, concurrency: 48 });
        fill = `fill ${((performance.now() - fillStart) / 1000).toFixed(0)} s`;
      }
      const memory = /used_memory:(\d+)/.exec(await sendCommand(big.host, big.port, ['INFO', 'memory']))?.[1];
      say(`${fill}; used_memory ${(Number(memory) / 2 ** 20).toFixed(0)} MiB`);
      const deployment = await startDeployment('1 instance on the filled Redis', 1, {
        url: big.url,
        pids: [await redisPid(big.port)],
      });
      try {
        const m = await measure(deployment, 'read', READ_RATE, ['--seed', '200', '--ramp', '2']);
        const [r] = m.results;
        say(
          `read @${READ_RATE}/s on the filled Redis: p50 ${r!.latency_ms.p50} ms, p99 ${r!.latency_ms.p99} ms; ${cpuNote(m)}`,
        );
        rows.push({
          scenario: `read p99 @${READ_RATE}/s, a 200-comment page among ${targets.comments} comments`,
          figure: `p99 ${r!.latency_ms.p99.toFixed(2)} ms`,
          budget: '(none: information)',
          verdict: errorsOf(m.results) > 0 ? 'INVALID' : 'info',
          notes: joinNotes([
            `p50 ${r!.latency_ms.p50.toFixed(2)} ms, p99.9 ${r!.latency_ms.p99_9.toFixed(2)} ms`,
            `${fill}, used_memory ${(Number(memory) / 2 ** 20).toFixed(0)} MiB`,
            `send lateness p99 ${r!.send_lateness_ms.p99.toFixed(2)} ms`,
            cpuNote(m),
          ]),
        });
      } finally {
        await Promise.all(deployment.servers.map((s) => s.stop()));
      }
    }
    say(`\n${formatTable(rows)}`);
    say(`\nload average at the end ${loadAverage()}`);
    return 0;
  } finally {
    await cleanup();
  }
}

process.exitCode = await main();
