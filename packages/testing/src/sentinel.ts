import { type ChildProcess, spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { freePort, HOST, makeTempDir, removeTempDir, waitFor } from './process.js';
import { type RedisServerHandle, startRedis } from './redis.js';
import { sendCommand } from './resp.js';

export interface RedisSentinelHandle {
  /** The monitored primary's name, as REDIS_SENTINEL_NAME gives it. */
  name: string;
  /** `host:port` of each sentinel, as REDIS_SENTINELS lists them. */
  sentinels: string[];
  primary: RedisServerHandle;
  replica: RedisServerHandle;
  stop(): Promise<void>;
}

const sentinelChildren = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of sentinelChildren) child.kill('SIGKILL');
});

/**
 * A Redis primary with one replica, watched by `count` sentinels (default 3,
 * a quorum of 2), each on a random loopback port with its own temp dir.
 * Resolves once the replica has synced and every sentinel sees the primary.
 */
export async function startRedisSentinel(
  options: { name?: string; count?: number } = {},
): Promise<RedisSentinelHandle> {
  const name = options.name ?? 'threadkit';
  const count = options.count ?? 3;
  const primary = await startRedis({ appendonly: true });
  const replica = await startRedis({ args: ['--replicaof', HOST, String(primary.port)] });
  const sentinels: { port: number; dir: string; child: ChildProcess }[] = [];
  const stop = async () => {
    await Promise.all(
      sentinels.map(async ({ child, dir }) => {
        if (child.exitCode === null && child.signalCode === null) {
          const gone = new Promise((resolve) => child.once('exit', resolve));
          child.kill('SIGTERM');
          await gone;
        }
        sentinelChildren.delete(child);
        await removeTempDir(dir);
      }),
    );
    await replica.stop();
    await primary.stop();
  };
  try {
    await waitFor(
      'the replica to sync',
      async () =>
        /master_link_status:up/.test(await sendCommand(HOST, replica.port, ['INFO', 'replication'])),
      { timeoutMs: 30_000 },
    );
    for (let i = 0; i < count; i++) {
      const port = await freePort();
      const dir = await makeTempDir();
      const conf = path.join(dir, 'sentinel.conf');
      // Sentinel rewrites its own configuration file as it learns the group, so each has its own.
      await writeFile(
        conf,
        [
          `port ${port}`,
          `bind ${HOST}`,
          `dir ${dir}`,
          `logfile ${path.join(dir, 'sentinel.log')}`,
          `sentinel monitor ${name} ${HOST} ${primary.port} ${Math.floor(count / 2) + 1}`,
          `sentinel down-after-milliseconds ${name} 2000`,
          `sentinel failover-timeout ${name} 10000`,
          '',
        ].join('\n'),
      );
      const child = spawn('redis-server', [conf, '--sentinel'], { cwd: dir, stdio: 'ignore' });
      child.unref();
      sentinelChildren.add(child);
      sentinels.push({ port, dir, child });
    }
    for (const { port, child } of sentinels) {
      await waitFor(
        `sentinel on port ${port} to watch ${name}`,
        async () =>
          new RegExp(`name=${name},status=ok`).test(
            await sendCommand(HOST, port, ['INFO', 'sentinel']).catch(() => ''),
          ),
        { timeoutMs: 30_000, abort: () => (child.exitCode === null ? undefined : 'exited during startup') },
      );
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    name,
    sentinels: sentinels.map(({ port }) => `${HOST}:${port}`),
    primary,
    replica,
    stop,
  };
}
