import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { HOST, makeTempDir, type RedisProcess, removeTempDir, terminate, waitFor } from './process.js';
import { launchOnFreePort } from './redis.js';
import { sendCommand } from './resp.js';

export const SENTINEL_MASTER_NAME = 'threadkit';

export interface SentinelNode {
  port: number;
  /** SIGKILL, like a crash; the node stays down. */
  kill(): Promise<void>;
}

export interface RedisSentinelGroupHandle {
  /** The name the sentinels monitor the primary under (REDIS_SENTINEL_NAME). */
  name: string;
  sentinels: { host: string; port: number }[];
  /** The data nodes in start order: the first primary, then the replicas. */
  nodes: SentinelNode[];
  /** The primary's port as a majority of the sentinels report it. */
  primaryPort(): Promise<number>;
  stop(): Promise<void>;
}

/**
 * A primary, `replicas` (default 1) replicas and three sentinels (quorum 2), each
 * on a free port with its own temp dir. Resolves once the replicas are in sync and
 * every sentinel knows the replicas and the other sentinels, so a failover can
 * start as soon as the primary dies. Tests pass short timings; see
 * docs/self-hosting.md for production ones.
 */
export async function startRedisSentinelGroup(
  options: {
    replicas?: number;
    downAfterMs?: number;
    failoverTimeoutMs?: number;
    args?: string[];
    /** The port replicas reach the primary on, given its own: a proxy in front of it, to hold replication back. */
    replicationPort?: (primaryPort: number) => Promise<number>;
  } = {},
): Promise<RedisSentinelGroupHandle> {
  const replicas = options.replicas ?? 1;
  const downAfterMs = options.downAfterMs ?? 1000;
  const failoverTimeoutMs = options.failoverTimeoutMs ?? 5000;
  const running: { dir: string; proc: RedisProcess }[] = [];
  const stop = async () => {
    await Promise.all(running.map((r) => terminate(r.proc)));
    await Promise.all(running.map((r) => removeTempDir(r.dir)));
  };
  const launch = async (args: string[], configFile?: (port: number, dir: string) => Promise<string>) => {
    const dir = await makeTempDir();
    try {
      const { port, proc } = await launchOnFreePort(dir, args, {
        configFile: configFile && ((port) => configFile(port, dir)),
      });
      running.push({ dir, proc });
      return { port, kill: () => terminate(proc, 'SIGKILL') };
    } catch (error) {
      await removeTempDir(dir);
      throw error;
    }
  };

  try {
    const dataArgs = ['--appendonly', 'no', ...(options.args ?? [])];
    const primary = await launch(dataArgs);
    const upstream = (await options.replicationPort?.(primary.port)) ?? primary.port;
    const replicaNodes = await Promise.all(
      Array.from({ length: replicas }, () => launch([...dataArgs, '--replicaof', HOST, String(upstream)])),
    );
    const nodes = [primary, ...replicaNodes];
    await waitFor('replicas in sync', async () => {
      const infos = await Promise.all(
        replicaNodes.map((r) => sendCommand(HOST, r.port, ['INFO', 'replication']).catch(() => '')),
      );
      return infos.every((info) => info.includes('master_link_status:up'));
    });

    // Sentinel rewrites its config file as it learns the group, so each gets its own.
    const sentinelConfig = async (_port: number, dir: string) => {
      const file = path.join(dir, 'sentinel.conf');
      await writeFile(
        file,
        [
          `sentinel monitor ${SENTINEL_MASTER_NAME} ${HOST} ${primary.port} 2`,
          `sentinel down-after-milliseconds ${SENTINEL_MASTER_NAME} ${downAfterMs}`,
          `sentinel failover-timeout ${SENTINEL_MASTER_NAME} ${failoverTimeoutMs}`,
          `sentinel parallel-syncs ${SENTINEL_MASTER_NAME} 1`,
          '',
        ].join('\n'),
      );
      return file;
    };
    const sentinels = await Promise.all(
      Array.from({ length: 3 }, () => launch(['--sentinel'], sentinelConfig)),
    );
    await waitFor(
      'every sentinel to see the replicas and the other sentinels',
      async () => {
        const infos = await Promise.all(
          sentinels.map((s) => sendCommand(HOST, s.port, ['INFO', 'sentinel']).catch(() => '')),
        );
        return infos.every((info) =>
          info.includes(`status=ok,address=${HOST}:${primary.port},slaves=${replicas},sentinels=3`),
        );
      },
      { timeoutMs: 30_000 },
    );

    return {
      name: SENTINEL_MASTER_NAME,
      sentinels: sentinels.map((s) => ({ host: HOST, port: s.port })),
      nodes,
      async primaryPort() {
        const ports = await Promise.all(
          sentinels.map(async (s) => {
            const info = await sendCommand(HOST, s.port, ['INFO', 'sentinel']).catch(() => '');
            return Number(/address=[^:]+:(\d+)/.exec(info)?.[1] ?? 0);
          }),
        );
        const agreed = ports.find((p) => p > 0 && ports.filter((q) => q === p).length >= 2);
        if (agreed === undefined) throw new Error(`the sentinels disagree on the primary: ${ports}`);
        return agreed;
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** The server's settings for a Sentinel group: `REDIS_SENTINELS` and `REDIS_SENTINEL_NAME`. */
export function sentinelEnvironment(group: Pick<RedisSentinelGroupHandle, 'name' | 'sentinels'>) {
  return {
    REDIS_SENTINELS: group.sentinels.map(({ host, port }) => `${host}:${port}`).join(','),
    REDIS_SENTINEL_NAME: group.name,
  };
}
