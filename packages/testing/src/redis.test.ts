import { Cluster, Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { type RedisServerHandle, startRedis, startRedisCluster } from './index.js';

describe('startRedis', () => {
  const servers: RedisServerHandle[] = [];
  const clients: Redis[] = [];
  const start = async (options?: Parameters<typeof startRedis>[0]) => {
    const server = await startRedis(options);
    servers.push(server);
    return server;
  };
  const connect = (server: RedisServerHandle) => {
    // No retries: a test talking to a dead server should fail, not hang.
    const client = new Redis(server.url, { maxRetriesPerRequest: 0, retryStrategy: () => null });
    client.on('error', () => {}); // failures surface as rejected commands; keep the log quiet
    clients.push(client);
    return client;
  };

  afterEach(async () => {
    for (const client of clients.splice(0)) client.disconnect();
    await Promise.all(servers.splice(0).map((s) => s.stop()));
  });

  it('starts a server that answers commands', async () => {
    const server = await start();
    expect(server.url).toBe(`redis://127.0.0.1:${server.port}`);
    const client = connect(server);
    expect(await client.ping()).toBe('PONG');
    await client.set('k', 'v');
    expect(await client.get('k')).toBe('v');
  });

  it('gives each server its own port and dir', async () => {
    const [a, b] = await Promise.all([start(), start()]);
    expect(a!.port).not.toBe(b!.port);
    expect(a!.dir).not.toBe(b!.dir);
    expect(a!.port).not.toBe(6379);
  });

  it('keeps an AOF-persisted key across kill() and restart()', async () => {
    const server = await start({ appendonly: true, args: ['--appendfsync', 'always'] });
    const before = connect(server);
    await before.set('durable', 'yes');
    before.disconnect();

    await server.kill();
    await expect(connect(server).ping()).rejects.toThrow();

    await server.restart();
    const after = connect(server);
    expect(await after.get('durable')).toBe('yes');
  });

  it('stop() removes the temp dir', async () => {
    const { existsSync } = await import('node:fs');
    const server = await start();
    expect(existsSync(server.dir)).toBe(true);
    await server.stop();
    expect(existsSync(server.dir)).toBe(false);
  });
});

describe('startRedisCluster', () => {
  it('serves keys from every slot range and reports 3 masters', async () => {
    const cluster = await startRedisCluster();
    const client = new Cluster(cluster.nodes);
    try {
      // Enough keys that every master owns at least one of them.
      const keys = Array.from({ length: 30 }, (_, i) => `key:${i}`);
      for (const key of keys) await client.set(key, `value of ${key}`);
      for (const key of keys) expect(await client.get(key)).toBe(`value of ${key}`);

      const masters = client.nodes('master');
      expect(masters).toHaveLength(3);
      const sizes = await Promise.all(masters.map((node) => node.dbsize()));
      expect(sizes.every((size) => size > 0)).toBe(true);
      expect(await client.cluster('INFO')).toContain('cluster_size:3');
    } finally {
      client.disconnect();
      await cluster.stop();
    }
  });
});
