import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventually } from '@threadkit/testing';
import { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { findRedisServer, type ManagedRedis, startManagedRedis } from './redis-supervisor.js';

describe('managed redis', () => {
  let dataDir: string;
  const started: ManagedRedis[] = [];
  const logs: string[] = [];

  const start = async () => {
    const redis = await startManagedRedis({ dataDir, log: (msg) => logs.push(msg), install: false });
    started.push(redis);
    return redis;
  };

  const withClient = async <T>(redis: ManagedRedis, fn: (client: Redis) => Promise<T>): Promise<T> => {
    const client = new Redis({ path: redis.socketPath, lazyConnect: true });
    await client.connect();
    try {
      return await fn(client);
    } finally {
      await client.quit();
    }
  };

  beforeEach(async () => {
    // Short path under /tmp: unix socket paths are limited to ~100 bytes.
    dataDir = await mkdtemp(join(tmpdir(), 'tk-redis-'));
    logs.length = 0;
  });

  afterEach(async () => {
    await Promise.all(started.splice(0).map((redis) => redis.stop()));
    await rm(dataDir, { recursive: true, force: true });
  });

  it('finds the redis-server binary', () => {
    expect(findRedisServer()).toMatch(/redis-server$/);
  });

  it('listens on a unix socket in the data dir and persists writes across restarts', async () => {
    const first = await start();
    expect(first.socketPath).toBe(join(dataDir, 'redis.sock'));
    expect(first.url).toBe(`unix://${first.socketPath}`);
    await withClient(first, (client) => client.set('greeting', 'hello'));
    await first.stop();
    expect(existsSync(first.socketPath)).toBe(false); // clean shutdown removes the socket

    const second = await start();
    expect(second.pid).not.toBe(first.pid);
    expect(await withClient(second, (client) => client.get('greeting'))).toBe('hello');
  });

  it('reuses a server that is already running on the same data dir', async () => {
    const first = await start();
    const second = await start();
    expect(second.socketPath).toBe(first.socketPath);
    expect(second.pid).toBe(first.pid);
    expect(logs.filter((msg) => msg.startsWith('starting '))).toHaveLength(1);
    await withClient(first, (client) => client.set('shared', '1'));
    expect(await withClient(second, (client) => client.get('shared'))).toBe('1');
  });

  it('lets another process use the server a running process started, and leaves it running', async () => {
    // The running server: another process, which started the redis-server and owns it.
    const owner = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        '-e',
        `const { startManagedRedis } = await import(${JSON.stringify(new URL('./redis-supervisor.ts', import.meta.url).href)});
         await startManagedRedis({ dataDir: ${JSON.stringify(dataDir)}, log: () => {}, install: false });
         console.log('ready');
         setInterval(() => {}, 1000);`,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    try {
      let output = '';
      owner.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString();
      });
      await eventually(
        'the owner started',
        async () => output,
        (text) => text.includes('ready'),
        20_000,
      );
      // A CLI command: uses the server's redis-server, and leaves it running when it is done.
      const command = await startManagedRedis({ dataDir, log: (msg) => logs.push(msg), install: false });
      expect(command.reused).toBe(true);
      await withClient(command, (client) => client.set('from-cli', '1'));
      await command.stop();
      expect(logs.some((msg) => msg.startsWith('using the redis-server'))).toBe(true);
      expect(await withClient(command, (client) => client.get('from-cli'))).toBe('1');
    } finally {
      owner.kill('SIGTERM');
      await new Promise((resolve) => owner.once('exit', resolve));
      // The owner was killed before it could stop its redis-server: stop it here, or it outlives the suite.
      const leftover = new Redis({ path: join(dataDir, 'redis.sock'), lazyConnect: true });
      await leftover
        .connect()
        .then(() => leftover.shutdown('NOSAVE'))
        .catch(() => {});
      leftover.disconnect();
    }
  });

  it('recovers from a crash: removes the stale socket and keeps acknowledged writes', async () => {
    const first = await start();
    await withClient(first, (client) => client.set('acked', 'yes'));
    process.kill(first.pid, 'SIGKILL');
    await first.stop(); // resolves once the killed process has exited
    expect(existsSync(first.socketPath)).toBe(true); // SIGKILL leaves the socket file behind

    const second = await start();
    expect(logs.some((msg) => msg.startsWith('removing stale redis socket'))).toBe(true);
    expect(await withClient(second, (client) => client.get('acked'))).toBe('yes');
  });

  it('restarts the server when it dies while supervised, keeping acknowledged writes', async () => {
    const managed = await start();
    await withClient(managed, (client) => client.set('survives', 'yes'));
    const firstPid = managed.pid;
    process.kill(firstPid, 'SIGKILL');
    await eventually(
      'a new redis-server process',
      async () => managed.pid,
      (pid) => pid !== 0 && pid !== firstPid,
    );
    expect(logs.some((msg) => msg.includes('exited unexpectedly'))).toBe(true);
    const value = await eventually(
      'the restarted server to answer',
      () => withClient(managed, (client) => client.get('survives')).catch(() => null),
      (v) => v !== null,
    );
    expect(value).toBe('yes');
  });

  it('replaces a socket path that nothing listens on', async () => {
    await writeFile(join(dataDir, 'redis.sock'), '');
    const redis = await start();
    expect(await withClient(redis, (client) => client.ping())).toBe('PONG');
  });
});
