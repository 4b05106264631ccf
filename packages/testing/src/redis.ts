import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import {
  freePort,
  HOST,
  launchRedis,
  makeTempDir,
  type RedisProcess,
  RedisStartError,
  release,
  removeTempDir,
  terminate,
  waitFor,
} from './process.js';
import { sendCommand } from './resp.js';

const execFileAsync = promisify(execFile);
const PORT_ATTEMPTS = 5;

export interface RedisServerHandle {
  url: string;
  port: number;
  host: string;
  /** Directory holding the AOF/RDB and redis.log; removed by stop(). */
  dir: string;
  /** Graceful shutdown (SIGTERM, no RDB save), then removes the temp dir. Idempotent. */
  stop(): Promise<void>;
  /** SIGKILL, like a crash. The dir is kept so restart() can recover from the AOF. */
  kill(): Promise<void>;
  /** Starts the server again on the same port and dir (shutting it down first if still up). */
  restart(): Promise<void>;
  /** Leaves the server (and its dir) running after this process exits; stop() still stops it. */
  keep(): void;
}

export interface RedisClusterHandle {
  nodes: { host: string; port: number }[];
  /** The port of the master that serves `key`'s slot now, as the cluster itself reports it. */
  masterOf(key: string): Promise<number>;
  /** SIGKILL of one node, like a crash; it stays down. */
  kill(port: number): Promise<void>;
  stop(): Promise<void>;
}

/** Starts a throwaway redis-server on a random port with its own temp dir. */
export async function startRedis(
  options: { appendonly?: boolean; args?: string[] } = {},
): Promise<RedisServerHandle> {
  const args = ['--appendonly', options.appendonly ? 'yes' : 'no', ...(options.args ?? [])];
  const dir = await makeTempDir();
  try {
    const { port, proc: first } = await launchOnFreePort(dir, args);
    let proc = first;
    let stopped = false;
    return {
      url: `redis://${HOST}:${port}`,
      port,
      host: HOST,
      dir,
      async stop() {
        if (stopped) return;
        stopped = true;
        await terminate(proc);
        await removeTempDir(dir);
      },
      async kill() {
        await terminate(proc, 'SIGKILL');
      },
      async restart() {
        if (stopped) throw new Error('cannot restart a stopped server (its dir is gone)');
        await terminate(proc);
        proc = await launchRedis(port, dir, args);
      },
      keep() {
        release(proc, dir);
      },
    };
  } catch (error) {
    await removeTempDir(dir);
    throw error;
  }
}

/**
 * Starts a Redis Cluster of `masters` (default 3) nodes, each with `replicas`
 * (default none), and waits until every node reports cluster_state:ok, so
 * clients see all slots covered, and every replica is in sync with its master,
 * so a failover can start as soon as a master dies (after `nodeTimeoutMs`).
 */
export async function startRedisCluster(
  options: { masters?: number; replicas?: number; nodeTimeoutMs?: number } = {},
): Promise<RedisClusterHandle> {
  const masters = options.masters ?? 3;
  const replicas = options.replicas ?? 0;
  const servers: { port: number; dir: string; proc: RedisProcess }[] = [];
  const stop = async () => {
    await Promise.all(servers.map((s) => terminate(s.proc)));
    await Promise.all(servers.map((s) => removeTempDir(s.dir)));
  };

  try {
    const args = [
      ...[
        '--cluster-enabled',
        'yes',
        '--cluster-config-file',
        'nodes.conf',
        '--cluster-node-timeout',
        String(options.nodeTimeoutMs ?? 5000),
      ],
      ...['--appendonly', 'no'],
    ];
    await Promise.all(
      Array.from({ length: masters * (1 + replicas) }, async () => {
        const dir = await makeTempDir();
        try {
          servers.push({ dir, ...(await launchOnFreePort(dir, args, { bus: true })) });
        } catch (error) {
          await removeTempDir(dir);
          throw error;
        }
      }),
    );

    const addresses = servers.map((s) => `${HOST}:${s.port}`);
    // Three nodes is the minimum redis-cli accepts for a cluster of masters.
    await execFileAsync(
      'redis-cli',
      ['--cluster', 'create', ...addresses, '--cluster-replicas', String(replicas), '--cluster-yes'],
      { timeout: 30_000 },
    ).catch((error: Error & { stdout?: string; stderr?: string }) => {
      throw new Error(
        `redis-cli --cluster create failed: ${error.message}\n${error.stdout}\n${error.stderr}`,
      );
    });

    // create returns once slots are assigned, but nodes learn about each other via gossip afterwards.
    await waitFor(
      'cluster_state:ok on every node',
      async () => {
        const infos = await Promise.all(
          servers.map((s) => sendCommand(HOST, s.port, ['CLUSTER', 'INFO']).catch(() => '')),
        );
        return infos.every((info) => info.includes('cluster_state:ok'));
      },
      { timeoutMs: 30_000 },
    );

    if (replicas > 0) {
      await waitFor(
        'every replica in sync',
        async () => {
          const infos = await Promise.all(
            servers.map((s) => sendCommand(HOST, s.port, ['INFO', 'replication']).catch(() => '')),
          );
          const inSync = infos.filter((info) => info.includes('master_link_status:up')).length;
          return inSync === masters * replicas;
        },
        { timeoutMs: 30_000 },
      );
    }

    return {
      nodes: servers.map((s) => ({ host: HOST, port: s.port })),
      async masterOf(key) {
        for (const s of servers.filter((s) => s.proc.isRunning())) {
          const answers = await Promise.all([
            sendCommand(HOST, s.port, ['CLUSTER', 'KEYSLOT', key]),
            sendCommand(HOST, s.port, ['CLUSTER', 'NODES']),
          ]).catch(() => null);
          if (!answers) continue;
          const port = masterPortForSlot(answers[1], Number(answers[0]));
          if (port !== undefined) return port;
        }
        throw new Error(`no live node knows the master of ${key}`);
      },
      async kill(port) {
        const server = servers.find((s) => s.port === port);
        if (!server) throw new Error(`no cluster node on port ${port}`);
        await terminate(server.proc, 'SIGKILL');
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** From CLUSTER NODES: the port of the live master whose slot ranges hold `slot`. */
function masterPortForSlot(nodes: string, slot: number): number | undefined {
  for (const line of nodes.split('\n')) {
    // <id> <ip:port@bus> <flags> <master> <ping> <pong> <epoch> <state> <slot ranges…>
    const [, address, flags, , , , , , ...ranges] = line.trim().split(' ');
    if (!address || !flags?.split(',').includes('master') || flags.includes('fail')) continue;
    const holds = ranges.some((range) => {
      const [from, to = from] = range.split('-').map(Number);
      return slot >= from! && slot <= to!;
    });
    if (holds) return Number(/:(\d+)@/.exec(address)?.[1]);
  }
  return undefined;
}

/** Picking a free port and binding it later is racy; retry on a new port if someone got there first. */
export async function launchOnFreePort(
  dir: string,
  args: string[],
  portOptions: { bus?: boolean; configFile?: (port: number) => Promise<string> } = {},
): Promise<{ port: number; proc: RedisProcess }> {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort(portOptions);
    try {
      const configFile = await portOptions.configFile?.(port);
      return { port, proc: await launchRedis(port, dir, args, { configFile }) };
    } catch (error) {
      if (!(error instanceof RedisStartError && error.portInUse) || attempt >= PORT_ATTEMPTS) throw error;
    }
  }
}
