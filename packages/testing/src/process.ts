import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { ping } from './resp.js';

export const HOST = '127.0.0.1';
const START_TIMEOUT_MS = 10_000;
const STOP_TIMEOUT_MS = 10_000;

// Every child and temp dir we create, so a crashed or forgetful test run leaves nothing behind.
const liveChildren = new Set<ChildProcess>();
const liveDirs = new Set<string>();
process.on('exit', () => {
  for (const child of liveChildren) child.kill('SIGKILL');
  for (const dir of liveDirs) rmSync(dir, { recursive: true, force: true });
});

/** A running redis-server child and a promise that settles when it is gone. */
export interface RedisProcess {
  child: ChildProcess;
  exited: Promise<void>;
  isRunning(): boolean;
}

/** Thrown when redis-server dies during startup; `portInUse` means retrying on another port may help. */
export class RedisStartError extends Error {
  constructor(
    message: string,
    readonly portInUse: boolean,
  ) {
    super(message);
  }
}

export async function makeTempDir(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'threadkit-redis-'));
  liveDirs.add(dir);
  return dir;
}

export async function removeTempDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
  liveDirs.delete(dir);
}

/**
 * Asks the OS for a free port. With `bus`, also requires port + 10000 to be usable,
 * because Redis Cluster listens on it for the node bus (and ephemeral ports can exceed 55535).
 */
export async function freePort(options: { bus?: boolean } = {}): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = await bindAndRelease(0);
    if (!options.bus) return port;
    if (port + 10000 <= 65535 && (await bindAndRelease(port + 10000).catch(() => 0))) return port;
  }
  throw new Error('could not find a free port');
}

function bindAndRelease(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(port, HOST, () => {
      const { port: bound } = server.address() as net.AddressInfo;
      server.close(() => resolve(bound));
    });
  });
}

/** Polls `check` until it is true; fails after the deadline or as soon as `abort()` says it is hopeless. */
export async function waitFor(
  what: string,
  check: () => Promise<boolean>,
  options: { timeoutMs?: number; abort?: () => string | undefined } = {},
): Promise<void> {
  const deadline = Date.now() + (options.timeoutMs ?? START_TIMEOUT_MS);
  for (;;) {
    const reason = options.abort?.();
    if (reason) throw new Error(`${what}: ${reason}`);
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/**
 * Spawns redis-server in the foreground on `port` with its data and log in `dir`,
 * and resolves once it answers PING (after loading any AOF). A `configFile` comes
 * first on the command line, as Sentinel needs one it can rewrite.
 */
export async function launchRedis(
  port: number,
  dir: string,
  args: string[],
  options: { configFile?: string } = {},
): Promise<RedisProcess> {
  const logFile = path.join(dir, 'redis.log');
  const child = spawn(
    'redis-server',
    [
      ...(options.configFile ? [options.configFile] : []),
      ...['--port', String(port), '--bind', HOST, '--dir', dir, '--logfile', logFile],
      ...['--daemonize', 'no', '--protected-mode', 'no', '--save', ''],
      ...args, // last, so callers can override any default above
    ],
    { cwd: dir, stdio: 'ignore' },
  );
  // Don't let a forgotten server keep the test worker alive; the exit hook kills it.
  child.unref();
  liveChildren.add(child);

  let running = true;
  let spawnError: Error | undefined;
  const exited = new Promise<void>((resolve) => {
    child.once('error', (error) => {
      spawnError = error;
      running = false;
      liveChildren.delete(child);
      resolve();
    });
    child.once('exit', () => {
      running = false;
      liveChildren.delete(child);
      resolve();
    });
  });
  const proc: RedisProcess = { child, exited, isRunning: () => running };

  try {
    await waitFor(`redis-server on port ${port}`, () => ping(HOST, port), {
      abort: () => (running ? undefined : 'exited during startup'),
    });
  } catch (error) {
    await terminate(proc, 'SIGKILL');
    const log = readLog(logFile);
    const detail = spawnError ? String(spawnError) : `${(error as Error).message}\n${log}`;
    throw new RedisStartError(`redis-server failed to start: ${detail}`, /Address already in use/i.test(log));
  }
  return proc;
}

/** Lets a server and its dir outlive this process: the exit hook no longer kills or removes them. */
export function release(proc: RedisProcess, dir: string): void {
  liveChildren.delete(proc.child);
  liveDirs.delete(dir);
}

/** Sends `signal` and waits for the exit, escalating to SIGKILL if it hangs. */
export async function terminate(proc: RedisProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (!proc.isRunning()) return;
  proc.child.kill(signal);
  // This timer also keeps the event loop alive while we wait on the unref'd child.
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(true), STOP_TIMEOUT_MS);
  });
  const hung = await Promise.race([proc.exited.then(() => false), timedOut]);
  clearTimeout(timer);
  if (hung) {
    proc.child.kill('SIGKILL');
    await proc.exited;
  }
}

function readLog(file: string): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-20).join('\n');
  } catch {
    return '(no log)';
  }
}
