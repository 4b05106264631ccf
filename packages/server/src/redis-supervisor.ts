import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import {
  accessSync,
  constants,
  existsSync,
  mkdirSync,
  readFileSync,
  rmSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { readFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { delimiter, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { RECOMMENDED_REDIS_SETTINGS } from '@threadkit/core';

export interface ManagedRedis {
  url: string;
  socketPath: string;
  pid: number;
  /** True when an already running managed server was adopted rather than started. */
  reused: boolean;
  stop(): Promise<void>;
}

export interface ManagedRedisOptions {
  dataDir: string;
  log: (msg: string) => void;
  /** Install redis-server with apt-get when missing (Debian/Ubuntu, root only). Default true. */
  install?: boolean;
}

const READY_TIMEOUT_MS = 10_000;
const STOP_TIMEOUT_MS = 10_000;
const POLL_MS = 50;
const RESTART_LIMIT = 5;
const RESTART_DELAY_MS = 500;
const FALLBACK_DIRS = ['/usr/bin', '/usr/local/bin', '/usr/sbin'];
// sun_path is 108 bytes on Linux (104 on macOS); longer paths fail with an obscure error.
const MAX_SOCKET_PATH = 100;
/** In the data dir: the pid of the process that started the running redis-server and stops it. */
const OWNER_FILE = 'redis.owner';

export function findRedisServer(): string | null {
  const dirs = [...(process.env.PATH ?? '').split(delimiter).filter(Boolean), ...FALLBACK_DIRS];
  for (const dir of dirs) {
    const candidate = join(dir, 'redis-server');
    try {
      accessSync(candidate, constants.X_OK);
      if (statSync(candidate).isFile()) return candidate;
    } catch {
      // not here; keep looking
    }
  }
  return null;
}

/** Returns the redis-server binary, installing it via apt-get when allowed; otherwise throws with the command to run. */
function ensureRedisServer(log: (msg: string) => void, install = true): string {
  const found = findRedisServer();
  if (found) return found;

  const debian = existsSync('/etc/debian_version');
  if (debian && install && process.getuid?.() === 0) {
    log('redis-server not found; installing it with: apt-get update && apt-get install -y redis-server');
    for (const args of [['update'], ['install', '-y', 'redis-server']]) {
      log(`$ apt-get ${args.join(' ')}`);
      const result = spawnSync('apt-get', args, {
        stdio: 'inherit',
        env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
      });
      if (result.status !== 0) {
        const why = result.error?.message ?? `exit code ${result.status}`;
        throw new Error(
          `apt-get ${args.join(' ')} failed (${why}). Install it manually: apt-get update && apt-get install -y redis-server`,
        );
      }
    }
    const installed = findRedisServer();
    if (installed) return installed;
    throw new Error('redis-server is still missing after apt-get install -y redis-server');
  }

  const command = debian
    ? 'sudo apt-get install -y redis-server'
    : process.platform === 'darwin'
      ? 'brew install redis'
      : null;
  const how = command
    ? `Install it with: ${command}`
    : 'Install Redis, see https://redis.io/docs/latest/operate/oss_and_stack/install/';
  throw new Error(`redis-server not found on PATH. ${how} (or set REDIS_URL to use an existing Redis).`);
}

/**
 * Sends one inline command over the unix socket and returns the raw reply.
 * null means nothing accepted the connection (no socket, or a stale one); '' means it connected but never replied.
 */
function rawCommand(socketPath: string, command: string, timeoutMs = 1000): Promise<string | null> {
  return new Promise((done) => {
    let reply = '';
    let connected = false;
    const socket = connect({ path: socketPath });
    const finish = (value: string | null) => {
      clearTimeout(timer);
      socket.destroy();
      done(value);
    };
    const timer = setTimeout(() => finish(connected ? reply : null), timeoutMs);
    socket.on('connect', () => {
      connected = true;
      socket.write(`${command}\r\n`);
    });
    socket.on('data', (chunk) => {
      reply += chunk.toString('utf8');
      const headerEnd = reply.indexOf('\r\n');
      if (headerEnd < 0) return;
      // Bulk replies ($<len>) carry a body after the header; everything else is a single line.
      if (!reply.startsWith('$')) return finish(reply.slice(0, headerEnd));
      const len = Number(reply.slice(1, headerEnd));
      if (len < 0 || Buffer.byteLength(reply) >= headerEnd + 2 + len + 2) finish(reply);
    });
    socket.on('error', () => finish(connected ? reply : null));
  });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
}

async function until(condition: () => boolean | Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await condition()) return true;
    if (Date.now() >= deadline) return false;
    await sleep(POLL_MS);
  }
}

async function logTail(logPath: string, stderr: string): Promise<string> {
  const log = await readFile(logPath, 'utf8').catch(() => '');
  return `${stderr}\n${log}`.trim().split('\n').slice(-20).join('\n');
}

/** The parent of a process, where the system says (Linux's /proc); null elsewhere. */
function parentOf(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // After `pid (name) state`: the name may hold spaces and parentheses, so count from the last `)`.
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) || null;
  } catch {
    return null;
  }
}

/**
 * The live process that started the redis-server `pid` and will stop it: a
 * running ThreadKit server, say. Null when that process is gone (a crashed run
 * left the redis-server behind), or is not the server's parent (its pid was reused).
 */
function ownerOf(dataDir: string, pid: number): number | null {
  let owner: number;
  try {
    owner = Number(readFileSync(join(dataDir, OWNER_FILE), 'utf8').trim());
  } catch {
    return null;
  }
  if (!owner || !isAlive(owner)) return null;
  const parent = parentOf(pid);
  return parent === null || parent === owner ? owner : null;
}

/** A handle on a server another live process runs (a CLI command beside the server): used, never stopped. */
function borrowed(socketPath: string, pid: number): ManagedRedis {
  return { url: `unix://${socketPath}`, socketPath, pid, reused: true, stop: async () => {} };
}

/** A handle on a server this process did not start: stopping it is still ours to do (a crashed run left it). */
function adopted(socketPath: string, pid: number): ManagedRedis {
  const onExit = () => signal(pid, 'SIGTERM');
  process.on('exit', onExit);
  let stopping: Promise<void> | undefined;
  return {
    url: `unix://${socketPath}`,
    socketPath,
    pid,
    reused: true,
    stop: () => {
      stopping ??= (async () => {
        process.off('exit', onExit);
        if (!isAlive(pid)) return;
        signal(pid, 'SIGTERM');
        if (await until(() => !isAlive(pid), STOP_TIMEOUT_MS)) return;
        signal(pid, 'SIGKILL');
        await until(() => !isAlive(pid), STOP_TIMEOUT_MS);
      })();
      return stopping;
    },
  };
}

export async function startManagedRedis(options: ManagedRedisOptions): Promise<ManagedRedis> {
  const { log } = options;
  const dataDir = resolve(options.dataDir);
  const socketPath = join(dataDir, 'redis.sock');
  if (Buffer.byteLength(socketPath) > MAX_SOCKET_PATH) {
    throw new Error(
      `Redis socket path is too long for a unix socket (${socketPath}); use a shorter data dir.`,
    );
  }
  mkdirSync(dataDir, { recursive: true });

  if (existsSync(socketPath)) {
    const reply = await rawCommand(socketPath, 'PING');
    if (reply === null) {
      log(`removing stale redis socket ${socketPath}`);
      unlinkSync(socketPath);
    } else {
      // Something is listening (maybe still loading the AOF): adopt it instead of starting a second
      // server on the same files. This is the leftover of an earlier run that died without stopping it.
      if (!(await until(async () => (await rawCommand(socketPath, 'PING')) === '+PONG', READY_TIMEOUT_MS))) {
        throw new Error(
          `A process holds ${socketPath} but does not answer PING; stop it or remove the socket.`,
        );
      }
      const pid = Number(/process_id:(\d+)/.exec((await rawCommand(socketPath, 'INFO server')) ?? '')?.[1]);
      if (!pid) throw new Error(`Could not read the pid of the redis-server on ${socketPath}`);
      const owner = ownerOf(dataDir, pid);
      if (owner !== null) {
        log(`using the redis-server (pid ${pid}) that process ${owner} runs on ${socketPath}`);
        return borrowed(socketPath, pid);
      }
      log(`reusing running redis-server (pid ${pid}) on ${socketPath}`);
      return adopted(socketPath, pid);
    }
  }

  const bin = ensureRedisServer(log, options.install ?? true);
  const supervised = new SupervisedRedis(bin, dataDir, socketPath, log);
  await supervised.start();
  return supervised;
}

/**
 * A redis-server child kept running: if it dies unexpectedly it is started again
 * (from its append-only file), at most RESTART_LIMIT times a minute; clients
 * reconnect by themselves. `stop()` shuts it down cleanly (SIGTERM: Redis fsyncs
 * the AOF and removes its socket), then SIGKILLs after a deadline.
 */
class SupervisedRedis implements ManagedRedis {
  readonly reused = false;
  readonly url: string;
  private child: ChildProcess | null = null;
  private stopping: Promise<void> | null = null;
  private restarts: number[] = [];
  private readonly onParentExit = () => this.child?.kill('SIGTERM');

  constructor(
    private readonly bin: string,
    private readonly dataDir: string,
    readonly socketPath: string,
    private readonly log: (msg: string) => void,
  ) {
    this.url = `unix://${socketPath}`;
    // A crashing parent must not leave the server running forever.
    process.on('exit', this.onParentExit);
  }

  get pid(): number {
    return this.child?.pid ?? 0;
  }

  async start(): Promise<void> {
    const logPath = join(this.dataDir, 'redis.log');
    // Unix socket only (--port 0): never collides with another Redis on the machine.
    // appendfsync always: a write is on disk before it is acknowledged, so it survives a crash.
    // biome-ignore format: keep flag/value pairs on one line
    const args = [
      '--port', '0',
      '--unixsocket', this.socketPath,
      '--unixsocketperm', '700',
      '--dir', this.dataDir,
      '--appendonly', 'yes',
      '--appendfsync', 'always',
      '--save', '',
      '--daemonize', 'no',
      '--logfile', logPath,
      ...Object.entries(RECOMMENDED_REDIS_SETTINGS).flatMap(([name, value]) => [`--${name}`, value]),
    ];
    this.log(`starting ${this.bin} (data in ${this.dataDir})`);
    // Not detached: it shares our process group, so a terminal Ctrl-C reaches it too.
    // A group of its own: Ctrl-C (or a closed terminal) signals the whole foreground group, and
    // Redis must outlive the server's shutdown, which writes the last counts to it, then be stopped by it.
    const child = spawn(this.bin, args, { stdio: ['ignore', 'ignore', 'pipe'], detached: true });
    this.child = child;
    let stderr = '';
    // Errors before --logfile takes effect (e.g. bad arguments) only show up on stderr.
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString('utf8')).slice(-4096);
    });
    let spawnError: Error | undefined;
    child.on('error', (err) => {
      spawnError = err;
    });
    const exited = () => child.exitCode !== null || child.signalCode !== null || spawnError !== undefined;

    // Ready means PONG (not -LOADING), so the AOF has been fully replayed.
    let ready = false;
    await until(async () => {
      if (exited()) return true;
      ready = (await rawCommand(this.socketPath, 'PING')) === '+PONG';
      return ready;
    }, READY_TIMEOUT_MS);
    if (!ready) {
      const reason = spawnError
        ? `failed to start: ${spawnError.message}`
        : exited()
          ? `exited during startup (code ${child.exitCode ?? child.signalCode})`
          : `did not answer PING within ${READY_TIMEOUT_MS / 1000}s`;
      child.kill('SIGKILL');
      throw new Error(`redis-server ${reason}. Log tail:\n${await logTail(logPath, stderr)}`);
    }
    this.log(`redis-server ready (pid ${child.pid}) on ${this.socketPath}`);
    // Other processes on this data dir (CLI commands) then use it without stopping it.
    writeFileSync(join(this.dataDir, OWNER_FILE), String(process.pid));
    child.once('exit', (code, sig) => this.onUnexpectedExit(child, code ?? sig));
  }

  stop(): Promise<void> {
    this.stopping ??= (async () => {
      process.off('exit', this.onParentExit);
      rmSync(join(this.dataDir, OWNER_FILE), { force: true });
      const child = this.child;
      if (!child || child.exitCode !== null || child.signalCode !== null) return;
      const gone = () => child.exitCode !== null || child.signalCode !== null;
      child.kill('SIGTERM');
      if (await until(gone, STOP_TIMEOUT_MS)) return;
      child.kill('SIGKILL');
      await until(gone, STOP_TIMEOUT_MS);
    })();
    return this.stopping;
  }

  private onUnexpectedExit(child: ChildProcess, how: number | string | null): void {
    if (this.stopping || child !== this.child) return;
    const now = Date.now();
    this.restarts = this.restarts.filter((at) => now - at < 60_000);
    if (this.restarts.length >= RESTART_LIMIT) {
      this.log(
        `redis-server exited (${how}) and was restarted ${RESTART_LIMIT} times this minute; giving up`,
      );
      return;
    }
    this.restarts.push(now);
    this.log(`redis-server exited unexpectedly (${how}); restarting it`);
    setTimeout(() => {
      if (this.stopping) return;
      this.start().catch((error: Error) => this.log(`could not restart redis-server: ${error.message}`));
    }, RESTART_DELAY_MS).unref();
  }
}
