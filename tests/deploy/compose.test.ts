import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { loadConfig } from '@threadkit/core';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { NGINX_DIR, renderUpstreams } from './nginx-process.js';
import { TEST_ONLY } from './site-settings.js';
import { commandLine, parseEnvironmentFile, readUnit } from './systemd-unit.js';
import { REPO_ROOT, SYSTEMD_DIR } from './unit-process.js';

/**
 * No container engine runs where the tests run, so the compose files are
 * proven through nginx.test.ts, which runs their topology from processes: this
 * file checks that they describe the same thing (parts, ports, nginx files,
 * settings), and has `docker compose config` validate them where the docker
 * CLI can.
 */

const DEPLOY = path.join(REPO_ROOT, 'deploy');
const read = (file: string) => readFileSync(path.join(REPO_ROOT, file), 'utf8');

interface Service {
  image?: string;
  build?: { context: string; dockerfile: string };
  command?: string[];
  environment?: Record<string, string>;
  volumes?: string[];
  networks?: Record<string, { ipv4_address?: string }> | string[];
}
interface ComposeFile {
  services: Record<string, Service>;
}

/** A compose file as compose reads it: `<<` merges the x- anchors into the services. */
const compose = (file: string): ComposeFile => parse(read(file), { merge: true });
const scaled = compose('deploy/compose.scaled.yaml');
const standalone = compose('deploy/compose.yaml');

/** `${NAME:-default}` and `${NAME:?message}` as compose fills them, from `values` or the default. */
function interpolate(text: string, values: Record<string, string>): string {
  return text.replace(
    /\$\{(\w+)(?::?([-?])([^}]*))?\}/g,
    (_all, name: string, kind?: string, rest?: string) => {
      if (values[name] !== undefined) return values[name]!;
      if (kind === '-') return rest ?? '';
      throw new Error(`${name} is required: ${rest}`);
    },
  );
}

/** The Dockerfile's `ENV` settings, `EXPOSE`d ports, `VOLUME`, `USER` and `HEALTHCHECK`. */
function dockerfile(file: string) {
  const text = read(file).replace(/\\\n/g, ' ');
  const runtime = text.slice(text.lastIndexOf('\nFROM '));
  const env: Record<string, string> = {};
  for (const line of runtime.matchAll(/^ENV (.+)$/gm)) {
    for (const [, name, value] of line[1]!.matchAll(/(\w+)=(\S+)/g)) env[name!] = value!;
  }
  return {
    env,
    exposed: (/^EXPOSE (.+)$/m.exec(runtime)?.[1] ?? '').split(/\s+/),
    volume: /^VOLUME (\S+)$/m.exec(runtime)?.[1],
    user: /^USER (\S+)$/m.exec(runtime)?.[1],
    healthcheck: /^HEALTHCHECK .*CMD (.+)$/m.exec(runtime)?.[1],
  };
}

const SAMPLE = { INTERNAL_API_SECRET: 'a'.repeat(32), POSTGRES_PASSWORD: 'secret' };
const instances = Object.entries(scaled.services).filter(([, s]) => s.image === 'threadkit-server');

describe('the scaled compose file runs what nginx.test.ts runs', () => {
  it('has two API instances and two gateways, started as the systemd units start them', () => {
    const part = (unit: string) => commandLine(readUnit(path.join(SYSTEMD_DIR, unit), '8080')).slice(-2);
    const parts = instances.map(([, s]) => s.command);
    expect(parts.filter((c) => c?.join(' ') === part('threadkit-api@.service').join(' '))).toHaveLength(2);
    expect(parts.filter((c) => c?.join(' ') === part('threadkit-gateway@.service').join(' '))).toHaveLength(
      2,
    );
    expect(instances).toHaveLength(4);
  });

  it("puts nginx in front with the repo's locations.conf and upstreams.conf, for the instances' ports", () => {
    const nginx = scaled.services.nginx!;
    const mounts = new Map(
      (nginx.volumes ?? []).map((v) => {
        const [from, to] = v.split(':');
        return [to!, path.resolve(DEPLOY, from!)];
      }),
    );
    // The files compose.conf includes, relative to /etc/nginx, are the repo's.
    const server = read('deploy/nginx/compose.conf');
    for (const [, included] of server.matchAll(/include\s+(\S+);/g)) {
      expect(mounts.get(path.join('/etc/nginx', included!))).toBeDefined();
    }
    expect(mounts.get('/etc/nginx/threadkit/locations.conf')).toBe(path.join(NGINX_DIR, 'locations.conf'));
    // Its upstreams are upstreams.conf with the services' names and the ports the image listens on.
    const image = dockerfile('Dockerfile');
    const address = (name: string, port: 'HTTP_PORT' | 'WS_PORT') =>
      `${name}:${scaled.services[name]!.environment?.[port] ?? image.env[port]}`;
    const api = instances
      .filter(([, s]) => s.command?.includes('http'))
      .map(([n]) => address(n, 'HTTP_PORT'));
    const ws = instances.filter(([, s]) => s.command?.includes('ws')).map(([n]) => address(n, 'WS_PORT'));
    const upstreams = readFileSync(mounts.get('/etc/nginx/threadkit/upstreams.conf')!, 'utf8');
    const body = (text: string) => text.slice(text.indexOf('upstream '));
    expect(body(upstreams)).toBe(
      body(
        renderUpstreams(read('deploy/nginx/upstreams.conf'), { threadkit_api: api, threadkit_gateways: ws }),
      ),
    );
    expect(image.exposed.sort()).toEqual([image.env.HTTP_PORT, image.env.WS_PORT].sort());
  });

  it("gives every instance the nginx test's settings, which the server accepts", () => {
    const unitEnv = parseEnvironmentFile(read('deploy/systemd/threadkit.env'));
    const testNames = [
      ...Object.keys(unitEnv),
      'REDIS_SENTINELS',
      'REDIS_SENTINEL_NAME',
      'DATA_DIR',
      'THREADKIT_ALLOWED_ORIGINS',
      'WS_PRESENCE_TTL',
    ];
    const image = dockerfile('Dockerfile');
    for (const [name, service] of instances) {
      const env = Object.fromEntries(
        Object.entries(service.environment ?? {}).map(([k, v]) => [k, interpolate(String(v), SAMPLE)]),
      );
      const missing = testNames.filter((n) => !(n in env) && !(n in TEST_ONLY));
      expect(missing, name).toEqual([]);
      const config = loadConfig({ ...image.env, ...env });
      expect(config.redis.sentinels.map((s) => `${s.host}:${s.port}`)).toEqual(
        Object.keys(scaled.services)
          .filter((s) => s.startsWith('sentinel-'))
          .map((s) => `${s}:26379`),
      );
      // Only nginx's X-Forwarded-For is believed.
      const nginx = scaled.services.nginx!.networks as Record<string, { ipv4_address?: string }>;
      expect(config.trustProxy).toEqual([nginx.backend?.ipv4_address]);
    }
    // The sentinels watch the group the instances ask for.
    const sentinel = scaled.services['sentinel-1']!.command!.join(' ');
    expect(sentinel).toContain(`sentinel monitor ${instances[0]![1].environment!.REDIS_SENTINEL_NAME} `);
  });

  it('builds images that run as an unprivileged user, with a health check and a data volume', () => {
    const server = dockerfile('Dockerfile');
    expect(server.user).toBe('node');
    expect(server.volume).toBe(server.env.DATA_DIR);
    expect(existsSync(path.join(REPO_ROOT, JSON.parse(server.healthcheck!)[1]))).toBe(true);
    const dashboard = dockerfile('apps/dashboard/Dockerfile');
    expect(dashboard.user).toBe('node');
    expect(dashboard.volume).toBe(dashboard.env.DATA_DIR);
    expect(dashboard.healthcheck).toBeDefined();
    for (const file of [scaled, standalone]) {
      for (const service of Object.values(file.services).filter((s) => s.build)) {
        expect(existsSync(path.join(DEPLOY, service.build!.context, service.build!.dockerfile))).toBe(true);
      }
    }
  });

  it('runs the standalone file on Redis with its append-only file, and a config the server accepts', () => {
    const redis = standalone.services.redis!.command!.join(' ');
    expect(redis).toContain('--appendonly yes');
    const env = Object.fromEntries(
      Object.entries(standalone.services.threadkit!.environment ?? {}).map(([k, v]) => [
        k,
        interpolate(String(v), {}),
      ]),
    );
    expect(loadConfig({ ...dockerfile('Dockerfile').env, ...env }).redis.url).toBe('redis://redis:6379/0');
  });
});

/** `docker compose` where it runs here; null and the reason where it does not. */
const composeCli = (() => {
  const probe = spawnSync('docker', ['compose', 'version'], { encoding: 'utf8' });
  if (probe.error) return { ok: false, reason: `no docker CLI (${probe.error.message})` };
  if (probe.status !== 0)
    return { ok: false, reason: `no docker compose: ${(probe.stderr || probe.stdout).trim()}` };
  return { ok: true, reason: '' };
})();
if (!composeCli.ok) console.log(`docker compose config is not run: ${composeCli.reason}`);

describe.skipIf(!composeCli.ok)('docker compose config', () => {
  it.each(['compose.yaml', 'compose.scaled.yaml'])('accepts deploy/%s', (file) => {
    const result = spawnSync('docker', ['compose', '-f', path.join(DEPLOY, file), 'config', '--quiet'], {
      encoding: 'utf8',
      env: { ...process.env, ...SAMPLE },
    });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
  });
});
