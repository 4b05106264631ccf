import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '@threadkit/testing';
import { REPO_ROOT } from './unit-process.js';

export const NGINX_DIR = path.join(REPO_ROOT, 'deploy/nginx');

/** The nginx binary: on PATH, or in /usr/sbin, where Debian puts it and a non-root PATH may not look. */
export function nginxBinary(): string | null {
  try {
    return execFileSync('sh', ['-c', 'command -v nginx'], { encoding: 'utf8' }).trim();
  } catch {
    return existsSync('/usr/sbin/nginx') ? '/usr/sbin/nginx' : null;
  }
}

/**
 * The repo's upstreams.conf with each upstream's `server` addresses replaced,
 * in order, by `addresses[name]`; every parameter (max_fails, …) stays. Fails
 * when an upstream lists another number of servers than given.
 */
export function renderUpstreams(text: string, addresses: Record<string, string[]>): string {
  const seen = new Set<string>();
  const rendered = text.replace(/upstream\s+(\w+)\s*\{([^}]*)\}/g, (_block, name: string, body: string) => {
    const wanted = addresses[name];
    if (!wanted) throw new Error(`no addresses for upstream ${name}`);
    seen.add(name);
    let index = 0;
    const servers = body.replace(/^(\s*server\s+)(\S+)/gm, (_line, head: string) => {
      const address = wanted[index++];
      if (!address) throw new Error(`upstream ${name} lists more servers than ${wanted.length}`);
      return `${head}${address}`;
    });
    if (index !== wanted.length)
      throw new Error(`upstream ${name} lists ${index} servers, not ${wanted.length}`);
    return `upstream ${name} {${servers}}`;
  });
  for (const name of Object.keys(addresses)) {
    if (!seen.has(name)) throw new Error(`upstreams.conf has no upstream ${name}`);
  }
  return rendered;
}

/**
 * An nginx.conf of the test's own around the repo's files, laid out as in
 * /etc/nginx (`threadkit/…` beside nginx.conf), with every path nginx writes
 * inside `dir`, so it runs unprivileged and leaves nothing behind.
 */
function mainConfig(dir: string, server: string): string {
  const temp = (name: string) => path.join(dir, 'tmp', name);
  return `worker_processes 1;
pid ${path.join(dir, 'nginx.pid')};
error_log ${path.join(dir, 'error.log')} warn;
events { worker_connections 512; }
http {
  access_log ${path.join(dir, 'access.log')};
  client_body_temp_path ${temp('body')};
  proxy_temp_path ${temp('proxy')};
  fastcgi_temp_path ${temp('fastcgi')};
  uwsgi_temp_path ${temp('uwsgi')};
  scgi_temp_path ${temp('scgi')};
${server}
}
`;
}

/** A directory holding the repo's nginx files (upstreams rendered, unless `addresses` is null) and the test's nginx.conf. */
async function layOut(
  addresses: Record<string, string[]> | null,
  server: (dir: string) => string,
): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'threadkit-nginx-'));
  await mkdir(path.join(dir, 'threadkit'));
  await mkdir(path.join(dir, 'tmp'));
  const upstreams = await readFile(path.join(NGINX_DIR, 'upstreams.conf'), 'utf8');
  await writeFile(
    path.join(dir, 'threadkit/upstreams.conf'),
    addresses ? renderUpstreams(upstreams, addresses) : upstreams,
  );
  for (const file of ['locations.conf', 'threadkit.conf']) {
    await copyFile(path.join(NGINX_DIR, file), path.join(dir, 'threadkit', file));
  }
  await writeFile(path.join(dir, 'nginx.conf'), mainConfig(dir, server(dir)));
  return dir;
}

function nginxArgs(dir: string): string[] {
  // -e: the error log nginx opens before it has read the configuration.
  return ['-p', dir, '-e', path.join(dir, 'error.log'), '-c', path.join(dir, 'nginx.conf')];
}

export interface RunningNginx {
  /** `http://127.0.0.1:<port>` */
  url: string;
  dir: string;
  errorLog(): Promise<string>;
  stop(): Promise<void>;
}

/**
 * Runs nginx in the foreground on a free loopback port, with a server block
 * that holds only the repo's locations.conf (the repo's threadkit.conf adds
 * TLS and port 80, which `checkFullConfig` checks instead).
 */
export async function startNginx(binary: string, addresses: Record<string, string[]>): Promise<RunningNginx> {
  const port = await freePort();
  const dir = await layOut(
    addresses,
    () => `  include threadkit/upstreams.conf;
  server {
    listen 127.0.0.1:${port};
    include threadkit/locations.conf;
  }`,
  );
  const child: ChildProcess = spawn(binary, [...nginxArgs(dir), '-g', 'daemon off;'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  process.on('exit', () => child.kill('SIGKILL'));
  return {
    url: `http://127.0.0.1:${port}`,
    dir,
    errorLog: async () => `${stderr}${await readFile(path.join(dir, 'error.log'), 'utf8').catch(() => '')}`,
    stop: async () => {
      // SIGQUIT: nginx's graceful stop.
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGQUIT');
      await exited;
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/**
 * `nginx -t` on the repo's threadkit.conf as it would be installed, with a
 * throwaway certificate in place of the real one: its syntax, includes,
 * upstreams and TLS settings. Returns 'ok', or what nginx objected to or warned of.
 */
export async function checkFullConfig(binary: string): Promise<string> {
  const dir = await layOut(null, () => '  include threadkit/threadkit.conf;');
  try {
    const cert = path.join(dir, 'cert.pem');
    const key = path.join(dir, 'key.pem');
    const subject = '/CN=comments.example.com';
    const openssl = ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', subject];
    execFileSync('openssl', [...openssl, '-keyout', key, '-out', cert], { stdio: 'ignore' });
    const conf = path.join(dir, 'threadkit/threadkit.conf');
    const text = await readFile(conf, 'utf8');
    await writeFile(
      conf,
      text
        .replace(/ssl_certificate\s+\S+;/, `ssl_certificate ${cert};`)
        .replace(/ssl_certificate_key\s+\S+;/, `ssl_certificate_key ${key};`),
    );
    const result = spawnSync(binary, [...nginxArgs(dir), '-t'], { encoding: 'utf8' });
    // nginx -t tells on stderr; anything beside its two lines of success is a warning or an error.
    const remarks = result.stderr
      .split('\n')
      .filter((line) => line && !/syntax is ok|test is successful/.test(line));
    return result.status === 0 && remarks.length === 0 ? 'ok' : result.stderr;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
