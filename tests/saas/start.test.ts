import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateApiKey } from '@threadkit/core';
import { freePort } from '@threadkit/testing';
import { afterAll, expect, it } from 'vitest';

/** `npm run start:saas` (after its build): the dashboard and a MODE=saas server, wired to each other. */

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
let dataDir: string | undefined;
afterAll(async () => {
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

it('starts the dashboard and a comment server that asks it about keys, and stops both', async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'threadkit-saas-'));
  const [dashboardPort, httpPort, wsPort] = [await freePort(), await freePort(), await freePort()];
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'scripts/start-saas.ts')], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      DASHBOARD_PORT: String(dashboardPort),
      HTTP_PORT: String(httpPort),
      WS_PORT: String(wsPort),
      DATA_DIR: dataDir,
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString('utf8');
  });
  child.stderr.on('data', (chunk: Buffer) => {
    output += chunk.toString('utf8');
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  try {
    await expect
      .poll(() => output, { timeout: 20_000 })
      .toContain(`the dashboard is at http://localhost:${dashboardPort}`);
    const status = (url: string, headers: Record<string, string> = {}) =>
      fetch(url, { headers }).then(
        (response) => response.status,
        () => 0,
      );
    await expect
      .poll(() => status(`http://127.0.0.1:${dashboardPort}/signin`), { timeout: 60_000 })
      .toBe(200);
    await expect.poll(() => status(`http://127.0.0.1:${httpPort}/health`), { timeout: 60_000 }).toBe(200);
    // A key no site has: the server asked the dashboard (secret and URL right), which said so.
    const unknownKey = { projectid: generateApiKey('public'), origin: 'http://localhost:8000' };
    await expect
      .poll(() => status(`http://127.0.0.1:${httpPort}/v1/comments?page_key=p`, unknownKey), {
        timeout: 30_000,
      })
      .toBe(401);
  } finally {
    child.kill('SIGTERM');
  }
  expect(await exited, output).toBe(0);
  expect(
    await fetch(`http://127.0.0.1:${httpPort}/health`).then(
      () => 'up',
      () => 'down',
    ),
  ).toBe('down');
  expect(
    await fetch(`http://127.0.0.1:${dashboardPort}/signin`).then(
      () => 'up',
      () => 'down',
    ),
  ).toBe('down');
}, 120_000);
