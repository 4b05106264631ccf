/**
 * Plumbing for the benchmarks: the server child processes (HTTP API, WebSocket
 * gateway or both), CPU and memory accounting from /proc, a load runner (autocannon
 * when saturating, the open loop of @threadkit/loadtest at an offered rate), a raw GET that shows the bytes on the
 * wire, WebSocket client worker processes, and the report table. Everything
 * listens on and talks to 127.0.0.1 only.
 */
import { type ChildProcess, execFileSync, type SpawnOptions, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { appendFileSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import autocannon from 'autocannon';
import { Pool } from 'undici';
import WebSocket from 'ws';
import { GENERATOR_BEHIND_MS, type Percentiles, runOpenLoop } from '../packages/loadtest/src/index.js';
import { freePort } from '../packages/testing/src/process.js';
import { sendCommand } from '../packages/testing/src/resp.js';
import type { ReferenceSpec } from './reference-protocol.js';
import type { WorkerReply, WorkerRequest } from './ws-protocol.js';

export const HOST = '127.0.0.1';
export const ORIGIN = 'http://bench.local';
/** The bench site's allowed origins: its host with any scheme, as its pages are `https://bench.local/…`. */
export const ALLOWED_ORIGINS = 'bench.local';

// ---------------------------------------------------------------- keys

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** `length` uniformly random base62 characters (rejection sampling, no modulo bias). */
export function randomBase62(length: number): string {
  let out = '';
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      if (byte < 248) out += BASE62[byte % 62];
      if (out.length === length) break;
    }
  }
  return out;
}

export const generateKeys = () => ({
  publicKey: `tk_pub_${randomBase62(43)}`,
  secretKey: `tk_sec_${randomBase62(43)}`,
});

// ---------------------------------------------------------------- CPU from /proc

/** Clock ticks per second for /proc/<pid>/stat times (`getconf CLK_TCK`, usually 100). */
export const CLK_TCK: number = (() => {
  try {
    const value = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
    return Number.isInteger(value) && value > 0 ? value : 100;
  } catch {
    return 100;
  }
})();

/** utime + stime of a process (all its threads), in clock ticks. */
export function cpuTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) is in parentheses and may contain spaces; fields 3.. follow the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[14 - 3]);
  const stime = Number(fields[15 - 3]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) throw new Error(`cannot parse /proc/${pid}/stat`);
  return utime + stime;
}

export const ticksToMs = (ticks: number) => (ticks * 1000) / CLK_TCK;

/**
 * The machine's busy time in clock ticks, from /proc/stat, with two parts no process is charged
 * for: `softirq` (much of the kernel's network work, loopback included) and `steal` (time the
 * hypervisor gave to other guests).
 */
export function machineTicks(): { busy: number; softirq: number; steal: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
  // cpu  user nice system idle iowait irq softirq steal guest guest_nice
  const [user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).slice(1).map(Number);
  return {
    busy: [user, nice, system, irq, softirq, steal].reduce<number>((sum, v) => sum + (v ?? 0), 0),
    softirq: softirq ?? 0,
    steal: steal ?? 0,
  };
}

/** The pid of a redis-server, from INFO server. */
export async function redisPid(port: number): Promise<number> {
  const info = await sendCommand(HOST, port, ['INFO', 'server']);
  const match = /process_id:(\d+)/.exec(info);
  if (!match) throw new Error('INFO server did not report process_id');
  return Number(match[1]);
}

/** Memory and descriptors of a process from /proc/<pid>/status and /proc/<pid>/fd, in bytes. */
export function processMemory(pid: number): { rss: number; peakRss: number; fds: number; fdLimit: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (field: string) => {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(status);
    if (!match) throw new Error(`cannot read ${field} of /proc/${pid}/status`);
    return Number(match[1]) * 1024;
  };
  const limits = readFileSync(`/proc/${pid}/limits`, 'utf8');
  const fdLimit = Number(/^Max open files\s+(\d+)/m.exec(limits)?.[1] ?? Number.NaN);
  return { rss: kib('VmRSS'), peakRss: kib('VmHWM'), fds: readdirSync(`/proc/${pid}/fd`).length, fdLimit };
}

/** What the server's V8 heap holds, from its own /metrics (prom-client's process metrics), in bytes. */
export interface HeapFigures {
  total: number;
  used: number;
  external: number;
  /** Committed size and used size per heap space: new, old, code, large_object, … */
  spaces: Map<string, { size: number; used: number }>;
}

export async function heapFigures(baseUrl: string): Promise<HeapFigures> {
  const text = await fetch(`${baseUrl}/metrics`, { signal: AbortSignal.timeout(5000) }).then((r) => r.text());
  const value = (name: string) =>
    Number(new RegExp(`^threadkit_${name} (\\S+)$`, 'm').exec(text)?.[1] ?? Number.NaN);
  const spaces = new Map<string, { size: number; used: number }>();
  for (const match of text.matchAll(
    /^threadkit_nodejs_heap_space_size_(total|used)_bytes\{space="(\w+)"\} (\S+)$/gm,
  )) {
    const space = spaces.get(match[2]!) ?? { size: 0, used: 0 };
    if (match[1] === 'total') space.size = Number(match[3]);
    else space.used = Number(match[3]);
    spaces.set(match[2]!, space);
  }
  return {
    total: value('nodejs_heap_size_total_bytes'),
    used: value('nodejs_heap_size_used_bytes'),
    external: value('nodejs_external_memory_bytes'),
    spaces,
  };
}

export const mib = (bytes: number, digits = 1) => `${(bytes / 1024 / 1024).toFixed(digits)} MB`;

// ---------------------------------------------------------------- the server under test

export interface ServerProcess {
  pid: number;
  /** Where the process answers plain HTTP: the API, or for a gateway-only process its /health and /metrics. */
  baseUrl: string;
  port: number;
  /** The gateway's `ws://host:port` (its endpoint is `/ws`); it only answers when the process runs the gateway. */
  wsUrl: string;
  wsPort: number;
  /** pino lines at warn or above (and anything on stderr but the inspector's notices) seen after start-up. */
  problems: string[];
  /** With `inspectPort`: the port the inspector opens on when sent SIGUSR1 (see collectGarbage). */
  inspectPort: number | null;
  stop(): Promise<void>;
}

const liveServers = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of liveServers) child.kill('SIGKILL');
});

/** Environment variables that would change what the server does; cleared so the bench starts from a known state. */
const THREADKIT_ENV =
  /^(MODE|REDIS_.*|HTTP_.*|WS_.*|JWT_SECRET|ACCESS_TOKEN_TTL|SESSION_TTL|DATA_DIR|LOG_LEVEL|TRUST_PROXY|RATE_LIMITS|THREADKIT_.*)$/;

/**
 * Runs `node [nodeArgs] packages/server/dist/cli.js start [part]` and waits until
 * /health answers 200 (the API's, or the gateway's for `part: 'ws'`). `env`
 * overrides the bench defaults (e.g. WS_* limits). With `raiseFdLimit` the
 * process starts with its soft open-files limit raised to the hard limit.
 */
export async function startServer(options: {
  root: string;
  redisUrl: string;
  publicKey: string;
  secretKey: string;
  part?: 'http' | 'ws';
  nodeArgs?: string[];
  env?: Record<string, string>;
  raiseFdLimit?: boolean;
  /** Start with `--inspect-port` (the inspector stays off until SIGUSR1), for collectGarbage. */
  inspectPort?: boolean;
  timeoutMs?: number;
}): Promise<ServerProcess> {
  const port = await freePort();
  let wsPort = await freePort();
  while (wsPort === port) wsPort = await freePort();
  let inspectPort: number | null = null;
  while (options.inspectPort && (inspectPort === null || inspectPort === port || inspectPort === wsPort))
    inspectPort = await freePort();
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'threadkit-bench-'));
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) if (!THREADKIT_ENV.test(name)) env[name] = value;
  Object.assign(env, {
    REDIS_URL: options.redisUrl,
    HTTP_HOST: HOST,
    HTTP_PORT: String(port),
    WS_HOST: HOST,
    WS_PORT: String(wsPort),
    DATA_DIR: dataDir,
    LOG_LEVEL: 'warn',
    THREADKIT_PUBLIC_KEY: options.publicKey,
    THREADKIT_SECRET_KEY: options.secretKey,
    THREADKIT_ALLOWED_ORIGINS: ALLOWED_ORIGINS,
    // One client address sends everything: budgets far above the load, so every request is
    // still counted by the limiter (its cost is part of the figures) and none is refused.
    RATE_LIMITS: 'reads=10000000,writes=10000000,auth=10000000,key=10000000',
    ...options.env,
  });

  const args = [
    ...(options.nodeArgs ?? []),
    // e.g. `--cpu-prof --cpu-prof-dir=<dir>` to profile the servers a bench starts.
    ...(process.env.BENCH_SERVER_NODE_ARGS ?? '').split(/\s+/).filter(Boolean),
    ...(inspectPort === null ? [] : [`--inspect-port=${HOST}:${inspectPort}`]),
    path.join(options.root, 'packages/server/dist/cli.js'),
    'start',
    ...(options.part ? [options.part] : []),
  ];
  const child = spawnNode(args, {
    cwd: options.root,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
    raiseFdLimit: options.raiseFdLimit ?? false,
  });
  liveServers.add(child);
  const output: string[] = [];
  const problems: string[] = [];
  let exitInfo: string | null = null;
  const exited = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      exitInfo = `exited with ${signal ?? `code ${code}`}`;
      liveServers.delete(child);
      resolve();
    });
    child.once('error', (error) => {
      exitInfo = `failed to spawn: ${error.message}`;
      liveServers.delete(child);
      resolve();
    });
  });
  const collect = (stream: NodeJS.ReadableStream, isStderr: boolean) => {
    let partial = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      const lines = (partial + chunk).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) {
        if (!line.trim()) continue;
        // e.g. with `--trace-gc` in BENCH_SERVER_NODE_ARGS: the server's output, kept whole.
        if (process.env.BENCH_SERVER_OUTPUT) appendFileSync(process.env.BENCH_SERVER_OUTPUT, `${line}\n`);
        output.push(line);
        if (output.length > 200) output.shift();
        if (isStderr && INSPECTOR_NOTICE.test(line)) continue;
        if (isStderr || pinoLevel(line) >= 40) problems.push(line);
      }
    });
  };
  collect(child.stdout!, false);
  collect(child.stderr!, true);

  const baseUrl = `http://${HOST}:${options.part === 'ws' ? wsPort : port}`;
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    if (exitInfo === null) {
      child.kill('SIGTERM');
      let timer: NodeJS.Timeout | undefined;
      const hung = await Promise.race([
        exited.then(() => false),
        new Promise<boolean>((resolve) => {
          timer = setTimeout(() => resolve(true), 5000);
        }),
      ]);
      clearTimeout(timer);
      if (hung) {
        problems.push('server did not exit within 5 s of SIGTERM; killed');
        child.kill('SIGKILL');
        await exited;
      }
    }
    await rm(dataDir, { recursive: true, force: true });
  };

  const deadline = Date.now() + (options.timeoutMs ?? 20_000);
  try {
    for (;;) {
      if (exitInfo !== null) throw new Error(`server ${exitInfo} during start-up`);
      const status = await fetch(`${baseUrl}/health`, { signal: AbortSignal.timeout(1000) }).then(
        (r) => r.status,
        () => 0,
      );
      if (status === 200) break;
      if (Date.now() > deadline)
        throw new Error(`server not healthy after ${options.timeoutMs ?? 20_000} ms`);
      await sleep(50);
    }
  } catch (error) {
    await stop();
    throw new Error(`${(error as Error).message}\n--- server output ---\n${output.join('\n')}`);
  }
  if (child.pid === undefined) throw new Error('server has no pid');
  problems.length = 0; // start-up chatter is not a problem
  return {
    pid: child.pid,
    baseUrl,
    port,
    wsUrl: `ws://${HOST}:${wsPort}`,
    wsPort,
    problems,
    inspectPort,
    stop,
  };
}

/** The reference server of bench/reference-server.ts, running in its own process. */
export interface ReferenceProcess {
  pid: number;
  baseUrl: string;
  stop(): Promise<void>;
}

/** Starts bench/reference-server.ts on `spec` (as bare node:http or bare Fastify) and waits until it listens. */
export async function startReference(options: {
  root: string;
  spec: ReferenceSpec;
  /** bare node:http (default), or one Fastify route with nothing else. */
  framework?: 'node' | 'fastify';
}): Promise<ReferenceProcess> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'threadkit-reference-'));
  const specPath = path.join(dir, 'spec.json');
  await writeFile(specPath, JSON.stringify(options.spec));
  const child = spawnNode(
    [
      // Like BENCH_SERVER_NODE_ARGS, for the reference servers (to profile both sides of a ratio).
      ...(process.env.BENCH_REFERENCE_NODE_ARGS ?? '').split(/\s+/).filter(Boolean),
      '--import',
      'tsx',
      path.join(options.root, 'bench/reference-server.ts'),
      specPath,
      options.framework ?? 'node',
    ],
    {
      cwd: options.root,
      stdio: ['ignore', 'pipe', 'inherit'],
      raiseFdLimit: false,
    },
  );
  liveServers.add(child);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  void exited.then(() => liveServers.delete(child));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    await rm(dir, { recursive: true, force: true });
  };
  try {
    const port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error('reference server did not listen within 20 s')),
        20_000,
      );
      let seen = '';
      child.stdout!.setEncoding('utf8');
      child.stdout!.on('data', (chunk: string) => {
        seen += chunk;
        const match = /^listening (\d+)$/m.exec(seen);
        if (match) {
          clearTimeout(timer);
          resolve(Number(match[1]));
        }
      });
      void exited.then(() => {
        clearTimeout(timer);
        reject(new Error(`reference server exited during start-up: ${seen}`));
      });
    });
    if (child.pid === undefined) throw new Error('reference server has no pid');
    return { pid: child.pid, baseUrl: `http://${HOST}:${port}`, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** What node prints on stderr when its inspector opens, is attached to and closes: not a problem. */
const INSPECTOR_NOTICE =
  /^(Debugger listening on |Debugger attached\.|Debugger ending on |For help, see: https:\/\/nodejs\.org)/;

/**
 * A full, memory-reducing garbage collection in a server started with `inspectPort`,
 * so that its RSS shows live memory rather than garbage not yet collected. The first
 * call opens the inspector (SIGUSR1); each call attaches, asks V8 to collect
 * (HeapProfiler.collectGarbage, as DevTools' "collect garbage" button) and detaches.
 */
export async function collectGarbage(server: ServerProcess): Promise<void> {
  if (server.inspectPort === null) throw new Error('collectGarbage needs a server started with inspectPort');
  const listUrl = `http://${HOST}:${server.inspectPort}/json/list`;
  const list = async () =>
    fetch(listUrl, { signal: AbortSignal.timeout(1000) })
      .then((r) => r.json() as Promise<{ webSocketDebuggerUrl: string }[]>)
      .catch(() => null);
  let targets = await list();
  if (!targets) {
    process.kill(server.pid, 'SIGUSR1');
    const deadline = Date.now() + 5000;
    while (!targets && Date.now() < deadline) {
      await sleep(50);
      targets = await list();
    }
  }
  const target = targets?.[0]?.webSocketDebuggerUrl;
  if (!target)
    throw new Error(`the inspector of pid ${server.pid} did not open on port ${server.inspectPort}`);
  const socket = new WebSocket(target, { perMessageDeflate: false });
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('collectGarbage: no answer within 20 s')), 20_000);
      socket.once('error', reject);
      socket.once('open', () =>
        socket.send(JSON.stringify({ id: 1, method: 'HeapProfiler.collectGarbage' })),
      );
      socket.on('message', (data) => {
        const reply = JSON.parse(String(data)) as { id?: number; error?: { message: string } };
        if (reply.id !== 1) return;
        clearTimeout(timer);
        if (reply.error) reject(new Error(`collectGarbage: ${reply.error.message}`));
        else resolve();
      });
    });
  } finally {
    socket.close();
  }
}

/**
 * Spawns `node <args>`. With `raiseFdLimit` it goes through `sh -c 'ulimit -n <hard>; exec node …'`,
 * so the child (same pid: `exec`) may open as many sockets as the hard limit allows.
 */
export function spawnNode(args: string[], options: SpawnOptions & { raiseFdLimit: boolean }): ChildProcess {
  const { raiseFdLimit, ...spawnOptions } = options;
  if (!raiseFdLimit) return spawn(process.execPath, args, spawnOptions);
  return spawn(
    '/bin/sh',
    ['-c', 'ulimit -n "$(ulimit -Hn)" 2>/dev/null; exec "$@"', 'sh', process.execPath, ...args],
    spawnOptions,
  );
}

function pinoLevel(line: string): number {
  if (!line.startsWith('{')) return 0;
  try {
    const level = (JSON.parse(line) as { level?: unknown }).level;
    return typeof level === 'number' ? level : 0;
  } catch {
    return 0;
  }
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A GET with node:http, which (unlike fetch) neither adds Accept-Encoding nor decompresses: the body as sent. */
export function rawGet(
  url: string,
  headers: Record<string, string>,
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const request = http.get(url, { headers, timeout: 10_000 }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () =>
        resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks) }),
      );
      response.on('error', reject);
    });
    request.on('timeout', () => request.destroy(new Error(`GET ${url}: no response in 10 s`)));
    request.on('error', reject);
  });
}

// ---------------------------------------------------------------- load

/** The parts of autocannon's Client used here (not in its public typings). */
interface ClientInternals {
  on(event: 'headers', listener: (info: { statusCode?: number; headers?: string[] }) => void): unknown;
  _doRequest: (...args: unknown[]) => void;
  destroyed: boolean;
  pipelinedRequests?: {
    peek(): { body: string; headers: { statusCode?: number } } | undefined;
    addBody?: (data: Buffer) => void;
  };
}

/**
 * autocannon appends every response body to a string, even when nothing reads it:
 * for a 120 KiB thread at thousands of req/s that garbage makes the load generator
 * (on the same cores) pause for GC and inflates measured latency. Keep bodies of
 * non-2xx responses only, which are all the report needs.
 */
function keepErrorBodiesOnly(client: autocannon.Client) {
  const queue = (client as unknown as ClientInternals).pipelinedRequests;
  if (!queue || typeof queue.addBody !== 'function' || typeof queue.peek !== 'function') return;
  queue.addBody = (data: Buffer) => {
    const pending = queue.peek();
    const status = pending?.headers.statusCode;
    if (pending && (status === undefined || status < 200 || status >= 300)) pending.body += data;
  };
}

export interface LoadRequest {
  method: 'GET' | 'POST';
  path: string;
  /** The server's route pattern, to read its latency histogram from /metrics around the run; absent for a server without /metrics. */
  route?: string;
  headers: Record<string, string>;
  body?: string;
  /** Builds each request (called for every request, except autocannon builds the first one once per connection). */
  next?: () => { path?: string; headers?: Record<string, string>; body?: string };
}

/** Sends the next request of `request` on `pool` (its `next()` applied over the defaults). */
export function sendLoadRequest(pool: Pool, request: LoadRequest) {
  const made = request.next?.() ?? {};
  return pool.request({
    method: request.method,
    path: made.path ?? request.path,
    headers: { ...request.headers, ...made.headers },
    body: made.body ?? request.body,
  });
}

/**
 * Measures each side in two halves taken in turn (A, B, B, A; with three
 * sides A, B, C, C, B, A): what drifts during a run (the load generator's
 * own code warming up, the host) then weighs on every side alike. Measured
 * one after the other, whichever side went first came out up to a fifth
 * dearer. Returns each side's two halves, in the order of `sides`.
 */
export async function takeInTurns<S, R>(
  sides: readonly S[],
  measure: (side: S, half: 1 | 2) => Promise<R>,
): Promise<R[][]> {
  const halves = sides.map((): R[] => []);
  for (const i of [...sides.keys(), ...[...sides.keys()].reverse()]) {
    const done = halves[i]!;
    done.push(await measure(sides[i]!, done.length === 0 ? 1 : 2));
  }
  return halves;
}

export interface LoadOptions {
  baseUrl: string;
  request: LoadRequest;
  connections: number;
  durationSec: number;
  /**
   * Offered rate in requests per second: each request is due at its fixed time from the start and
   * its latency counts from then (open loop, @threadkit/loadtest); absent = as fast as the connections allow.
   */
  ratePerSec?: number;
  /** pids to measure CPU of during the run. */
  cpuPids: { server: number; redis: number };
  /** The redis-server's port, to count the commands it processed during the run. */
  redisPort?: number;
  /** The status every response should have (304 for conditional reads); absent: any 2xx. */
  expectStatus?: number;
}

export interface LoadResult {
  durationSec: number;
  /** Responses with the expected status (any 2xx unless `expectStatus`). */
  ok: number;
  /** Responses with any other status. */
  unexpected: number;
  errors: number;
  timeouts: number;
  statuses: Map<number, { count: number; sample: string }>;
  /** Response times of expected responses in ms, fractional, sorted ascending. */
  latencies: Float64Array;
  /** Bytes received for expected responses, status line and headers included. */
  okBytes: number;
  /** Content-Encoding of 2xx responses ('identity' when none), with counts. */
  encodings: Map<string, number>;
  /** autocannon's own result, for saturated runs (null for runs at an offered rate). */
  autocannon: autocannon.Result | null;
  serverCpuMs: number;
  redisCpuMs: number;
  /** Commands the redis-server processed during the run, those run inside scripts included (with `redisPort`; else NaN). */
  redisCommands: number;
  /** Of those, script calls (EVALSHA, EVAL): round trips that run a script. */
  redisScriptCalls: number;
  generatorCpuMs: number;
  /** CPU used by every other process on the machine during the run, in ms (noise from neighbours). */
  otherCpuMs: number;
  /** Kernel time no process is charged for, in ms: softirq (loopback networking, mostly the bench's own) and steal. */
  softirqMs: number;
  stealMs: number;
  /** p99 event-loop delay of the load generator during the run, in ms. */
  generatorLoopP99Ms: number;
  /** Requests at an offered rate sent after their due time because every connection was busy. */
  late: number;
  /**
   * At an offered rate, how late the load generator handed each request on after its due time
   * (before any wait for a connection); every latency includes it. Null for saturated runs.
   */
  sendLateness: Percentiles | null;
  /** The server's own request-duration histogram for the route during the run (cumulative, le in ms). */
  serverHistogram: { le: number; count: number }[];
}

/** What the load generator saw of a run, before the machine's figures are added. */
interface Generated {
  durationSec: number;
  /** Latencies of expected responses, ms. */
  latencies: number[];
  okBytes: number;
  unexpected: number;
  errors: number;
  timeouts: number;
  statuses: LoadResult['statuses'];
  encodings: Map<string, number>;
  late: number;
  sendLateness: Percentiles | null;
  autocannon: autocannon.Result | null;
}

export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const { request } = options;
  const expected = (status: number) =>
    options.expectStatus === undefined ? status >= 200 && status < 300 : status === options.expectStatus;

  const histogram = () =>
    request.route === undefined
      ? Promise.resolve([])
      : serverHistogram(options.baseUrl, request.method, request.route);
  const commands = () =>
    options.redisPort === undefined
      ? Promise.resolve({ commands: Number.NaN, scripts: Number.NaN })
      : redisCommandCounts(options.redisPort);
  const histogramBefore = await histogram();
  const commandsBefore = await commands();
  const loop = monitorEventLoopDelay({ resolution: 1 });
  loop.enable();
  const serverBefore = cpuTicks(options.cpuPids.server);
  const redisBefore = cpuTicks(options.cpuPids.redis);
  const generatorBefore = process.cpuUsage();
  const machineBefore = machineTicks();
  const generated = options.ratePerSec
    ? await openLoop(options, options.ratePerSec, expected)
    : await saturate(options, expected);
  const serverAfter = cpuTicks(options.cpuPids.server);
  const redisAfter = cpuTicks(options.cpuPids.redis);
  const generator = process.cpuUsage(generatorBefore);
  const machineAfter = machineTicks();
  const machineMs = ticksToMs(machineAfter.busy - machineBefore.busy);
  const softirqMs = ticksToMs(machineAfter.softirq - machineBefore.softirq);
  const stealMs = ticksToMs(machineAfter.steal - machineBefore.steal);
  loop.disable();
  const commandsAfter = await commands();
  const histogramAfter = await histogram();

  return {
    durationSec: generated.durationSec,
    ok: generated.latencies.length,
    unexpected: generated.unexpected,
    errors: generated.errors,
    timeouts: generated.timeouts,
    statuses: generated.statuses,
    latencies: Float64Array.from(generated.latencies).sort(),
    okBytes: generated.okBytes,
    encodings: generated.encodings,
    autocannon: generated.autocannon,
    serverCpuMs: ticksToMs(serverAfter - serverBefore),
    redisCpuMs: ticksToMs(redisAfter - redisBefore),
    // The INFO call that reads the counts is itself counted once.
    redisCommands: commandsAfter.commands - commandsBefore.commands - 1,
    redisScriptCalls: commandsAfter.scripts - commandsBefore.scripts,
    generatorCpuMs: (generator.user + generator.system) / 1000,
    otherCpuMs: Math.max(
      0,
      machineMs -
        softirqMs -
        stealMs -
        ticksToMs(serverAfter - serverBefore) -
        ticksToMs(redisAfter - redisBefore) -
        (generator.user + generator.system) / 1000,
    ),
    softirqMs,
    stealMs,
    generatorLoopP99Ms: loop.percentile(99) / 1e6,
    late: generated.late,
    sendLateness: generated.sendLateness,
    serverHistogram: histogramAfter.map(({ le, count }) => ({
      le,
      count: count - (histogramBefore.find((b) => b.le === le)?.count ?? 0),
    })),
  };
}

/**
 * Several runs of one load as one result: counts, CPU and bytes
 * added up, latencies pooled. For runs split into parts taken in turn with
 * another side's (`takeInTurns`). Runs at an offered rate combine too, but
 * without their send lateness (each run's is its own).
 */
export function combineRuns(parts: readonly LoadResult[]): LoadResult {
  const [first, ...rest] = parts;
  if (!first) throw new Error('combineRuns needs at least one run');
  const sum = (pick: (part: LoadResult) => number) => parts.reduce((total, part) => total + pick(part), 0);
  const statuses: LoadResult['statuses'] = new Map();
  const encodings = new Map<string, number>();
  for (const part of parts) {
    for (const [status, seen] of part.statuses) {
      const known = statuses.get(status);
      if (known) known.count += seen.count;
      else statuses.set(status, { ...seen });
    }
    for (const [encoding, count] of part.encodings)
      encodings.set(encoding, (encodings.get(encoding) ?? 0) + count);
  }
  const latencies = new Float64Array(sum((part) => part.latencies.length));
  let at = 0;
  for (const part of parts) {
    latencies.set(part.latencies, at);
    at += part.latencies.length;
  }
  return {
    durationSec: sum((part) => part.durationSec),
    ok: sum((part) => part.ok),
    unexpected: sum((part) => part.unexpected),
    errors: sum((part) => part.errors),
    timeouts: sum((part) => part.timeouts),
    statuses,
    latencies: latencies.sort(),
    okBytes: sum((part) => part.okBytes),
    encodings,
    autocannon: first.autocannon,
    serverCpuMs: sum((part) => part.serverCpuMs),
    redisCpuMs: sum((part) => part.redisCpuMs),
    redisCommands: sum((part) => part.redisCommands),
    redisScriptCalls: sum((part) => part.redisScriptCalls),
    generatorCpuMs: sum((part) => part.generatorCpuMs),
    otherCpuMs: sum((part) => part.otherCpuMs),
    softirqMs: sum((part) => part.softirqMs),
    stealMs: sum((part) => part.stealMs),
    generatorLoopP99Ms: Math.max(...parts.map((part) => part.generatorLoopP99Ms)),
    late: sum((part) => part.late),
    sendLateness: null,
    serverHistogram: first.serverHistogram.map(({ le, count }) => ({
      le,
      count:
        count +
        rest.reduce((total, part) => total + (part.serverHistogram.find((b) => b.le === le)?.count ?? 0), 0),
    })),
  };
}

function noteStatus(statuses: LoadResult['statuses'], status: number, body: string) {
  const seen = statuses.get(status);
  if (seen) seen.count++;
  else statuses.set(status, { count: 1, sample: body.slice(0, 400) });
}

/** As fast as the connections allow: autocannon. */
async function saturate(options: LoadOptions, expected: (status: number) => boolean): Promise<Generated> {
  const url = new URL(options.baseUrl);
  const { request } = options;
  const statuses: LoadResult['statuses'] = new Map();
  const latencies: number[] = [];
  let okBytes = 0;
  let unexpected = 0;
  const encodings = new Map<string, number>();

  const acRequest: autocannon.Request = {
    method: request.method,
    path: request.path,
    headers: request.headers,
    ...(request.body === undefined ? {} : { body: request.body }),
    onResponse: (status: number, body: string) => {
      if (!expected(status)) noteStatus(statuses, status, body);
    },
  };
  const next = request.next;
  if (next) {
    acRequest.setupRequest = (req: autocannon.Request) => {
      const made = next();
      return {
        ...req,
        path: made.path ?? req.path,
        headers: { ...req.headers, ...made.headers },
        body: made.body ?? req.body,
      };
    };
  }

  const opts: autocannon.Options = {
    url: `${url.protocol}//${HOST}:${url.port}`,
    connections: options.connections,
    duration: options.durationSec,
    pipelining: 1,
    timeout: 10,
    requests: [acRequest],
  };
  opts.setupClient = (client) => {
    keepErrorBodiesOnly(client);
    countEncodings(client, encodings);
  };
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(opts, (error: unknown, res: autocannon.Result) =>
      error ? reject(error) : resolve(res),
    );
    instance.on('response', (_client, statusCode, bytes, responseTime) => {
      if (!expected(statusCode)) {
        unexpected++;
        return;
      }
      latencies.push(responseTime);
      okBytes += bytes;
    });
  });
  return {
    durationSec: result.duration,
    latencies,
    okBytes,
    unexpected,
    errors: result.errors,
    timeouts: result.timeouts,
    statuses,
    encodings,
    late: 0,
    sendLateness: null,
    autocannon: result,
  };
}

/**
 * At an offered rate: the project's load generator's open loop (packages/loadtest), over a
 * kept-alive undici pool. Each request's latency runs from its due time, so requests queued
 * behind busy connections count their wait; those are also counted as late.
 */
async function openLoop(
  options: LoadOptions,
  rate: number,
  expected: (status: number) => boolean,
): Promise<Generated> {
  const url = new URL(options.baseUrl);
  const { request } = options;
  const pool = new Pool(`${url.protocol}//${HOST}:${url.port}`, {
    connections: options.connections,
    pipelining: 1,
    headersTimeout: 10_000,
    bodyTimeout: 10_000,
  });
  const generated: Generated = {
    durationSec: 0,
    latencies: [],
    okBytes: 0,
    unexpected: 0,
    errors: 0,
    timeouts: 0,
    statuses: new Map(),
    encodings: new Map(),
    late: 0,
    sendLateness: null,
    autocannon: null,
  };
  try {
    const report = await runOpenLoop(
      {
        rate,
        rampMs: 0,
        durationMs: options.durationSec * 1000,
        maxInFlight: options.connections,
        drainMs: 10_000,
      },
      async () => {
        const response = await sendLoadRequest(pool, request);
        const status = response.statusCode;
        if (!expected(status)) {
          noteStatus(generated.statuses, status, await response.body.text());
          return { status };
        }
        let bytes = 0;
        for await (const chunk of response.body) bytes += (chunk as Buffer).length;
        // The status line and headers as they came on the wire, as autocannon counts them.
        bytes += `HTTP/1.1 ${status} \r\n\r\n`.length;
        for (const [name, value] of Object.entries(response.headers)) {
          for (const one of Array.isArray(value) ? value : [value]) bytes += `${name}: ${one}\r\n`.length;
        }
        generated.okBytes += bytes;
        if (status >= 200 && status < 300) {
          const encoding = String(response.headers['content-encoding'] ?? 'identity').toLowerCase();
          generated.encodings.set(encoding, (generated.encodings.get(encoding) ?? 0) + 1);
        }
        return { status };
      },
      (outcome, latencyMs) => {
        if ('error' in outcome) {
          if (outcome.error.includes('TIMEOUT')) generated.timeouts++;
          else generated.errors++;
        } else if (expected(outcome.status)) generated.latencies.push(latencyMs);
        else generated.unexpected++;
      },
    );
    generated.durationSec = (report.endedAt - report.startedAt) / 1000;
    generated.late = report.late;
    generated.sendLateness = report.sendLateness;
    generated.errors += report.unsent + report.unfinished;
    return generated;
  } finally {
    await pool.destroy();
  }
}

const SCRIPT_COMMANDS = new Set(['eval', 'evalsha', 'eval_ro', 'evalsha_ro', 'fcall', 'fcall_ro']);

/**
 * Commands a redis-server has run since it started (INFO commandstats), and how many of them
 * were script calls. Commands a script runs count too, each under its own name.
 */
export async function redisCommandCounts(port: number): Promise<{ commands: number; scripts: number }> {
  const info = await sendCommand(HOST, port, ['INFO', 'commandstats']);
  let commands = 0;
  let scripts = 0;
  for (const match of info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) {
    const calls = Number(match[2]);
    commands += calls;
    if (SCRIPT_COMMANDS.has(match[1]!)) scripts += calls;
  }
  return { commands, scripts };
}

/** Tallies the Content-Encoding of each 2xx response a client receives (headers arrive as [name, value, ...]). */
function countEncodings(client: autocannon.Client, into: Map<string, number>) {
  (client as unknown as ClientInternals).on('headers', (info) => {
    // http-parser-js passes one info object (its default mode); anything else is not counted.
    if (typeof info !== 'object' || !Array.isArray(info.headers)) return;
    const status = info.statusCode ?? 0;
    if (status < 200 || status >= 300) return;
    const list = info.headers;
    let encoding = 'identity';
    for (let i = 0; i < list.length; i += 2) {
      if (list[i]!.toLowerCase() === 'content-encoding') encoding = list[i + 1]!.trim().toLowerCase();
    }
    into.set(encoding, (into.get(encoding) ?? 0) + 1);
  });
}

/** Cumulative buckets of threadkit_http_request_duration_seconds for one route, le in ms. */
async function serverHistogram(
  baseUrl: string,
  method: string,
  route: string,
): Promise<{ le: number; count: number }[]> {
  const text = await fetch(`${baseUrl}/metrics`, { signal: AbortSignal.timeout(5000) }).then((r) => r.text());
  const buckets: { le: number; count: number }[] = [];
  for (const line of text.split('\n')) {
    const match = /^threadkit_http_request_duration_seconds_bucket\{(.*)\} (\d+(?:\.\d+)?)$/.exec(line);
    if (!match) continue;
    const labels = Object.fromEntries([...match[1]!.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    if (labels.method !== method || labels.route !== route) continue;
    buckets.push({
      le: labels.le === '+Inf' ? Number.POSITIVE_INFINITY : Number(labels.le) * 1000,
      count: Number(match[2]),
    });
  }
  return buckets.sort((a, b) => a.le - b.le);
}

/** From the server's own histogram: the bucket bound its p99 falls under, and the share above `limitMs`. */
export function serverSideSummary(result: LoadResult, limitMs: number): string | null {
  const buckets = result.serverHistogram;
  const total = buckets.at(-1)?.count ?? 0;
  if (total === 0) return null;
  const p99 = buckets.find((b) => b.count >= total * 0.99)?.le ?? Number.POSITIVE_INFINITY;
  const within = buckets.filter((b) => b.le <= limitMs).at(-1);
  const over = within ? ((total - within.count) / total) * 100 : Number.NaN;
  return `server's own histogram: p99 ≤ ${p99} ms bucket${within ? `, ${over.toFixed(2)}% > ${within.le} ms` : ''}`;
}

/**
 * At an offered rate, how late the load generator sent its requests (each latency includes it); one
 * whose p99 passes GENERATOR_BEHIND_MS fell behind, and the row's latencies are partly its own.
 */
export function sendLatenessNote(result: LoadResult): string | null {
  const lateness = result.sendLateness;
  if (!lateness) return null;
  const shown = `send lateness p50 ${ms(lateness.p50)}, p99 ${ms(lateness.p99)}, max ${ms(lateness.max)}`;
  return lateness.p99 > GENERATOR_BEHIND_MS
    ? `LOAD GENERATOR BEHIND (${shown}; every latency includes it)`
    : shown;
}

/** Nearest-rank percentile of ascending values. */
export function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

/** Problems that make a figure meaningless: any unexpected status, socket error or timeout. */
export function invalidity(result: LoadResult): string | null {
  const parts: string[] = [];
  if (result.unexpected > 0) {
    const codes = [...result.statuses].map(([status, { count }]) => `${count}×${status}`).join(', ');
    parts.push(`${result.unexpected} unexpected responses (${codes || 'codes unknown'})`);
  }
  if (result.errors > 0) parts.push(`${result.errors} socket errors`);
  if (result.timeouts > 0) parts.push(`${result.timeouts} timeouts`);
  if (result.ok === 0) parts.push('no successful responses');
  return parts.length > 0 ? parts.join('; ') : null;
}

// ---------------------------------------------------------------- WebSocket clients

type WorkerCall = WorkerRequest extends infer R ? (R extends WorkerRequest ? Omit<R, 'id'> : never) : never;
type ReplyOf<T extends WorkerCall['type']> = Extract<
  WorkerReply,
  {
    type: {
      clock: 'clock';
      open: 'opened';
      subscribe: 'opened';
      await: 'awaited';
      collect: 'collected';
      stats: 'stats';
      drop: 'dropped';
      close: 'closed';
    }[T];
  }
>;

const liveWorkers = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of liveWorkers) child.kill('SIGKILL');
});

/**
 * WebSocket client worker processes (bench/ws-client.ts), each holding its share
 * of the connections, started with their open-files limit raised to the hard
 * limit and driven over IPC. `stop()` closes their connections and, failing
 * that, kills them; the process 'exit' handler kills any still alive.
 */
export class WsClientPool {
  /** Each worker's clock minus this process's (ms), and the uncertainty of that figure (± ms). */
  clockOffsets: { offsetMs: number; errorMs: number }[] = [];

  private constructor(
    private readonly workers: ChildProcess[],
    private readonly pending: Map<number, (reply: WorkerReply) => void>,
  ) {}

  get pids(): number[] {
    return this.workers.map((child) => child.pid!);
  }

  static async start(options: {
    root: string;
    url: string;
    origin: string;
    count: number;
  }): Promise<WsClientPool> {
    const pending = new Map<number, (reply: WorkerReply) => void>();
    const workers: ChildProcess[] = [];
    const ready: Promise<void>[] = [];
    for (let i = 0; i < options.count; i++) {
      const child = spawnNode(
        ['--import', 'tsx', path.join(options.root, 'bench/ws-client.ts'), options.url, options.origin],
        {
          cwd: options.root,
          stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
          serialization: 'advanced',
          raiseFdLimit: true,
        },
      );
      liveWorkers.add(child);
      workers.push(child);
      ready.push(
        new Promise<void>((resolve, reject) => {
          const timer = setTimeout(
            () => reject(new Error(`client worker ${i} did not start within 20 s`)),
            20_000,
          );
          child.on('message', (reply: WorkerReply) => {
            if (reply.id === 0) {
              clearTimeout(timer);
              resolve();
              return;
            }
            const settle = pending.get(reply.id);
            pending.delete(reply.id);
            settle?.(reply);
          });
          child.once('exit', (code, signal) => {
            liveWorkers.delete(child);
            clearTimeout(timer);
            reject(new Error(`client worker ${i} exited with ${signal ?? `code ${code}`}`));
            for (const [id, settle] of pending) {
              // Fail every request still waiting: a worker died under it.
              pending.delete(id);
              settle({ id, type: 'closed' });
            }
          });
        }),
      );
    }
    const pool = new WsClientPool(workers, pending);
    try {
      await Promise.all(ready);
      for (let i = 0; i < workers.length; i++) {
        const before = performance.timeOrigin + performance.now();
        const { now } = await pool.call(i, { type: 'clock' });
        const after = performance.timeOrigin + performance.now();
        pool.clockOffsets.push({ offsetMs: now - (before + after) / 2, errorMs: (after - before) / 2 });
      }
    } catch (error) {
      await pool.stop();
      throw error;
    }
    return pool;
  }

  private nextId = 1;

  /** Sends one request to worker `index` and resolves with its reply. */
  call<C extends WorkerCall>(index: number, request: C): Promise<ReplyOf<C['type']>> {
    const child = this.workers[index]!;
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      if (!child.connected) return reject(new Error(`client worker ${index} is gone`));
      this.pending.set(id, (reply) => {
        if (reply.type === 'closed' && request.type !== 'close')
          reject(new Error(`client worker ${index} exited during ${request.type}`));
        else resolve(reply as ReplyOf<C['type']>);
      });
      child.send({ ...request, id });
    });
  }

  /** The same kind of request to every worker (built per worker), in parallel. */
  all<C extends WorkerCall>(build: (index: number) => C): Promise<ReplyOf<C['type']>[]> {
    return Promise.all(this.workers.map((_, index) => this.call(index, build(index))));
  }

  async stop(): Promise<void> {
    await Promise.all(
      this.workers.map(async (child, index) => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
        if (child.connected) void this.call(index, { type: 'close' }).catch(() => {});
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(timer);
      }),
    );
  }
}

// ---------------------------------------------------------------- report

export interface Row {
  scenario: string;
  figure: string;
  budget: string;
  verdict: 'PASS' | 'FAIL' | 'INVALID' | 'info';
  notes: string;
}

export function formatTable(rows: Row[]): string {
  const headers: Row = {
    scenario: 'Scenario',
    figure: 'Figure',
    budget: 'Budget',
    verdict: 'info',
    notes: 'Notes',
  };
  const cells = (row: Row) => [
    row.scenario,
    row.figure,
    row.budget,
    row === headers ? 'Result' : row.verdict === 'info' ? '-' : row.verdict,
    row.notes,
  ];
  const all = [headers, ...rows].map(cells);
  const widths = [0, 1, 2, 3].map((i) => Math.max(...all.map((r) => r[i]!.length)));
  const line = (r: string[]) =>
    `| ${r
      .slice(0, 4)
      .map((c, i) => c.padEnd(widths[i]!))
      .join(' | ')} | ${r[4]}`;
  const rule = `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|${'-'.repeat(7)}`;
  return [line(all[0]!), rule, ...all.slice(1).map(line)].join('\n');
}

export const ms = (value: number, digits = 2) => `${value.toFixed(digits)} ms`;

/** A positive number from the environment (a bench knob), or the fallback when unset or invalid. */
export function envNumber(name: string, fallback: number, options: { integer?: boolean } = {}): number {
  const value = Number(process.env[name] ?? fallback);
  const valid = options.integer ? Number.isInteger(value) : Number.isFinite(value);
  return valid && value > 0 ? value : fallback;
}

/** Runs `cleanup` and exits on SIGINT/SIGTERM, so an interrupted bench leaves no process behind. */
export function stopOnSignal(cleanup: () => Promise<void>, say: (line: string) => void): void {
  const onSignal = (signal: NodeJS.Signals) => {
    say(`\n${signal}: stopping`);
    void cleanup().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
}

// ---------------------------------------------------------------- figures of a run, for the benches' tables

export const rate = (result: LoadResult) => result.ok / result.durationSec;
export const cpuPerRequest = (result: LoadResult) => result.serverCpuMs / result.ok;
export const corePct = (cpuMs: number, result: LoadResult) => cpuMs / result.durationSec / 10;
export const otherPct = (result: LoadResult) => corePct(result.otherCpuMs, result);

/** Neighbours (builds, tests) on the same cores skew every figure; say so where it happened. */
const NOISY_PCT = 25;
export const noisy = (result: LoadResult) =>
  otherPct(result) > NOISY_PCT
    ? `NOISY HOST: other processes used ${otherPct(result).toFixed(0)}% of a core during the run`
    : null;

export const joinNotes = (notes: (string | null)[]) => notes.filter((n): n is string => !!n).join('; ');

export const loadAverage = () =>
  os
    .loadavg()
    .map((n) => n.toFixed(2))
    .join(' ');

/** Where the CPU of a run went: the server's per request, and each process's share of a core. */
export function cpuNotes(result: LoadResult): string {
  const pct = (cpuMs: number) => `${corePct(cpuMs, result).toFixed(0)}%`;
  return (
    `server CPU ${cpuPerRequest(result).toFixed(4)} ms/req (${pct(result.serverCpuMs)} of a core), ` +
    `redis ${(result.redisCpuMs / result.ok).toFixed(4)} ms/req (${pct(result.redisCpuMs)}), ` +
    `load generator ${pct(result.generatorCpuMs)}, other processes ${pct(result.otherCpuMs)}, ` +
    `kernel softirq ${pct(result.softirqMs)}`
  );
}
