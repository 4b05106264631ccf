/**
 * `npm run start:saas`: ThreadKit as a local SaaS, in one command. The
 * dashboard (port 3000; PGlite under DATA_DIR/dashboard unless DATABASE_URL
 * names a Postgres) and the comment server in MODE=saas (API on 8080, gateway
 * on 8081, its own redis-server unless REDIS_URL is set), wired together with
 * the internal API's URL and a secret made for this run. Ctrl-C stops both.
 *
 * DASHBOARD_PORT, HTTP_PORT, WS_PORT and DATA_DIR move them; the rest of the
 * environment reaches both as it is (SMTP_URL, for instance).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const APP = path.join(ROOT, 'apps/dashboard');
const NEXT = createRequire(path.join(APP, 'package.json')).resolve('next/dist/bin/next');

const env = process.env;
const dashboardPort = env.DASHBOARD_PORT ?? '3000';
const httpPort = env.HTTP_PORT ?? '8080';
const wsPort = env.WS_PORT ?? '8081';
const dataDir = path.resolve(env.DATA_DIR ?? path.join(ROOT, 'data'));
const secret = randomBytes(32).toString('base64url');
const dashboardUrl = `http://localhost:${dashboardPort}`;
const apiUrl = `http://localhost:${httpPort}`;

const children: ChildProcess[] = [];
let stopping = false;

function run(name: string, args: string[], options: { cwd: string; env: NodeJS.ProcessEnv }): ChildProcess {
  const child = spawn(process.execPath, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
  const prefix = (chunk: Buffer) =>
    chunk
      .toString('utf8')
      .split('\n')
      .filter((line) => line.trim())
      .map((line) => `[${name}] ${line}\n`)
      .join('');
  child.stdout?.on('data', (chunk: Buffer) => process.stdout.write(prefix(chunk)));
  child.stderr?.on('data', (chunk: Buffer) => process.stderr.write(prefix(chunk)));
  child.once('exit', (code, signal) => {
    if (!stopping) {
      process.stderr.write(`[${name}] exited (${signal ?? code}); stopping the rest\n`);
      stop(code ?? 1);
    }
  });
  children.push(child);
  return child;
}

function stop(code: number): void {
  stopping = true;
  for (const child of children) if (child.exitCode === null) child.kill('SIGTERM');
  Promise.all(
    children.map((child) =>
      child.exitCode === null && child.signalCode === null
        ? new Promise((resolve) => child.once('exit', resolve))
        : null,
    ),
  ).then(() => process.exit(code));
}

process.once('SIGINT', () => stop(0));
process.once('SIGTERM', () => stop(0));

run('dashboard', [NEXT, 'start', '-p', dashboardPort], {
  cwd: APP,
  env: {
    ...env,
    NODE_ENV: 'production',
    NEXT_TELEMETRY_DISABLED: '1',
    DATA_DIR: path.join(dataDir, 'dashboard'),
    DASHBOARD_URL: env.DASHBOARD_URL ?? dashboardUrl,
    THREADKIT_API_URL: env.THREADKIT_API_URL ?? apiUrl,
    INTERNAL_API_SECRET: secret,
    // The usage sync reads the comment server's Redis: the one given, or the one it runs itself.
    REDIS_URL: env.REDIS_URL ?? `unix://${path.join(dataDir, 'server', 'redis.sock')}`,
  },
});
run('server', [path.join(ROOT, 'packages/server/dist/cli.js'), 'start'], {
  cwd: ROOT,
  env: {
    ...env,
    MODE: 'saas',
    HTTP_PORT: httpPort,
    WS_PORT: wsPort,
    DATA_DIR: path.join(dataDir, 'server'),
    INTERNAL_API_URL: `http://127.0.0.1:${dashboardPort}/api/internal`,
    INTERNAL_API_SECRET: secret,
  },
});

process.stdout.write(
  `\nThreadKit SaaS: the dashboard is at ${dashboardUrl} (sign up there to add a site); ` +
    `the comment API at ${apiUrl}. Ctrl-C stops both.\n\n`,
);
