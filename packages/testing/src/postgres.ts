import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { chown, mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { freePort, HOST, waitFor } from './process.js';

const execFileAsync = promisify(execFile);
const STOP_TIMEOUT_MS = 10_000;

export interface PostgresServerHandle {
  /** A connection URL for the `postgres` database as the `postgres` superuser (trust auth, loopback only). */
  url: string;
  port: number;
  /** A URL for another database on the same server. */
  urlFor(database: string): string;
  /** Creates an empty database and returns its URL. */
  createDatabase(name: string): Promise<string>;
  /** Fast shutdown, then removes the data directory. Idempotent. */
  stop(): Promise<void>;
}

/**
 * Starts a throwaway PostgreSQL server, the machine's own binaries, in a temp
 * directory on a random loopback port: tests never touch a server they did
 * not start. PostgreSQL refuses to run as root, so as root the cluster runs as
 * the `postgres` system user that Debian's packages create.
 */
export async function startPostgres(): Promise<PostgresServerHandle> {
  const bin = postgresBin();
  const asRoot = process.getuid?.() === 0;
  const dir = await mkdtemp(path.join(os.tmpdir(), 'threadkit-pg-'));
  const data = path.join(dir, 'data');
  const owner: { uid?: number; gid?: number } = asRoot ? await userIds('postgres') : {};
  if (owner.uid !== undefined && owner.gid !== undefined) await chown(dir, owner.uid, owner.gid);
  await execFileAsync(
    path.join(bin, 'initdb'),
    ['-D', data, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--locale', 'C', '--no-sync'],
    { timeout: 60_000, cwd: dir, ...owner },
  ).catch((error: Error & { stderr?: string }) => {
    throw new Error(`initdb failed: ${error.message}\n${error.stderr ?? ''}`);
  });

  let child: ChildProcess | null = null;
  let port = 0;
  for (let attempt = 1; !child; attempt++) {
    port = await freePort();
    const args = [
      ...['-D', data, '-p', String(port), '-k', dir, '-h', HOST],
      // Durability is the machine's business, not a test's.
      ...['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off'],
    ];
    const started = spawn(path.join(bin, 'postgres'), args, {
      cwd: dir,
      stdio: ['ignore', 'ignore', 'pipe'],
      ...owner,
    });
    started.unref();
    let log = '';
    started.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      log = (log + chunk).slice(-4000);
    });
    let running = true;
    started.once('exit', () => {
      running = false;
    });
    try {
      await waitFor(`postgres on port ${port}`, () => accepts(port), {
        timeoutMs: 30_000,
        abort: () => (running ? undefined : `exited during startup: ${log}`),
      });
      child = started;
    } catch (error) {
      started.kill('SIGKILL');
      if (!/already in use/i.test(log) || attempt >= 5) {
        await rm(dir, { recursive: true, force: true });
        throw error;
      }
    }
  }
  const live = child;
  const kill = () => live.kill('SIGKILL');
  process.once('exit', kill);

  const urlFor = (database: string) => `postgres://postgres@${HOST}:${port}/${database}`;
  let stopped = false;
  return {
    url: urlFor('postgres'),
    port,
    urlFor,
    async createDatabase(name) {
      if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`not a plain database name: ${name}`);
      const client = new pg.Client({ connectionString: urlFor('postgres') });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE ${name}`);
      } finally {
        await client.end();
      }
      return urlFor(name);
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      process.off('exit', kill);
      if (live.exitCode === null && live.signalCode === null) {
        const exited = new Promise<void>((resolve) => live.once('exit', () => resolve()));
        // SIGINT: PostgreSQL's fast shutdown (ends sessions, no waiting for clients).
        live.kill('SIGINT');
        let timer: NodeJS.Timeout | undefined;
        const hung = await Promise.race([
          exited.then(() => false),
          new Promise<boolean>((resolve) => {
            timer = setTimeout(() => resolve(true), STOP_TIMEOUT_MS);
          }),
        ]);
        clearTimeout(timer);
        if (hung) {
          live.kill('SIGKILL');
          await exited;
        }
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Where `initdb` and `postgres` are: the newest installed major version wins. */
function postgresBin(): string {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root)
    ? readdirSync(root)
        .filter((name) => /^\d+$/.test(name))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  for (const version of versions) {
    const bin = path.join(root, version, 'bin');
    if (existsSync(path.join(bin, 'initdb'))) return bin;
  }
  throw new Error('PostgreSQL server binaries not found (apt-get install -y postgresql)');
}

async function userIds(name: string): Promise<{ uid: number; gid: number }> {
  const line = (await readFile('/etc/passwd', 'utf8')).split('\n').find((l) => l.startsWith(`${name}:`));
  const [, , uid, gid] = line?.split(':') ?? [];
  if (uid === undefined || gid === undefined) throw new Error(`no system user ${name}`);
  return { uid: Number(uid), gid: Number(gid) };
}

async function accepts(port: number): Promise<boolean> {
  const client = new pg.Client({ host: HOST, port, user: 'postgres', database: 'postgres' });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}
