import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, HOST, makeTempDir, removeTempDir, waitFor } from './process.js';

const APP = fileURLToPath(new URL('../../../apps/dashboard/', import.meta.url));
const NEXT = createRequire(path.join(APP, 'package.json')).resolve('next/dist/bin/next');

export interface DashboardHandle {
  url: string;
  /** What the dashboard printed (its e-mails too, without SMTP). */
  output(): string;
  stop(): Promise<void>;
}

/**
 * The built dashboard (`npm run build` builds it) as `next start` runs it, on
 * a free loopback port, with its data in PGlite under a temp directory unless
 * `databaseUrl` names a Postgres.
 */
export async function startDashboard(
  options: {
    smtpUrl?: string;
    databaseUrl?: string;
    internalSecret?: string;
    apiUrl?: string;
    /** A port picked beforehand (a provider double must know the dashboard's URL first). */
    port?: number;
    /** More variables (sign-in providers, say). */
    env?: Record<string, string>;
  } = {},
): Promise<DashboardHandle> {
  if (!existsSync(path.join(APP, '.next', 'BUILD_ID')))
    throw new Error('the dashboard is not built: run npm run build');
  const port = options.port ?? (await freePort());
  const dataDir = await makeTempDir();
  const url = `http://${HOST}:${port}`;
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? os.tmpdir(),
    NODE_ENV: 'production',
    NEXT_TELEMETRY_DISABLED: '1',
    DATA_DIR: dataDir,
    DASHBOARD_URL: url,
    ...(options.smtpUrl
      ? { SMTP_URL: options.smtpUrl, MAIL_FROM: 'ThreadKit <dashboard@threadkit.test>' }
      : {}),
    ...(options.databaseUrl ? { DATABASE_URL: options.databaseUrl } : {}),
    ...(options.internalSecret ? { INTERNAL_API_SECRET: options.internalSecret } : {}),
    ...(options.apiUrl ? { THREADKIT_API_URL: options.apiUrl } : {}),
    ...options.env,
  };
  const child: ChildProcess = spawn(process.execPath, [NEXT, 'start', '-H', HOST, '-p', String(port)], {
    cwd: APP,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  const collect = (chunk: Buffer) => {
    log = (log + chunk.toString('utf8')).slice(-200_000);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  let running = true;
  const exited = new Promise<void>((resolve) =>
    child.once('exit', () => {
      running = false;
      resolve();
    }),
  );
  const kill = () => child.kill('SIGKILL');
  process.once('exit', kill);
  const stop = async () => {
    process.off('exit', kill);
    if (running) {
      child.kill('SIGTERM');
      const timer = setTimeout(kill, 10_000);
      await exited;
      clearTimeout(timer);
    }
    await removeTempDir(dataDir);
  };
  try {
    // The first page also opens the database and runs the migrations.
    await waitFor(
      `the dashboard on ${url}`,
      async () =>
        await fetch(`${url}/signin`)
          .then((r) => r.status === 200)
          .catch(() => false),
      { timeoutMs: 60_000, abort: () => (running ? undefined : `exited: ${log}`) },
    );
  } catch (error) {
    await stop();
    throw error;
  }
  return { url, output: () => log, stop };
}
