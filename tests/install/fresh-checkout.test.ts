import { type ExecFileException, execFile, execFileSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { ensureBuilt } from '@threadkit/testing';
import { afterAll, beforeAll, expect, it } from 'vitest';

/**
 * The quick start on a fresh checkout: `npm install` links the `threadkit`
 * command before anything is built, so the README's `npx threadkit …` works
 * after `npm install && npm start`, and says what to do when run too early.
 *
 * The checkout is the repository's files (what git tracks, or would, without
 * build output); its node_modules are hard-linked copies of the installed ones,
 * minus everything npm makes for the workspaces (their links, their commands,
 * the record of the installed tree), so `npm install --offline` links them
 * anew exactly as on a first install, without the network.
 */

const REPO = fileURLToPath(new URL('../../', import.meta.url));
let checkout: string;

/** A clean environment: no npm_* variables of a surrounding `npm test`. */
const env = (extra: Record<string, string> = {}): NodeJS.ProcessEnv => ({
  PATH: process.env.PATH ?? '/usr/bin:/bin',
  HOME: process.env.HOME ?? os.homedir(),
  ...extra,
});

/** Runs a command in the checkout: its exit code, and what it wrote (standard output, then errors). */
async function run(command: string, args: string[], extra: Record<string, string> = {}) {
  const options = { cwd: checkout, env: env(extra), timeout: 40_000, killSignal: 'SIGKILL' as const };
  try {
    const { stdout, stderr } = await promisify(execFile)(command, args, options);
    return { code: 0, output: stdout + stderr };
  } catch (error) {
    const failed = error as ExecFileException & { stdout: string; stderr: string };
    return {
      code: typeof failed.code === 'number' ? failed.code : null,
      output: failed.stdout + failed.stderr,
    };
  }
}

beforeAll(() => {
  ensureBuilt();
  checkout = mkdtempSync(path.join(os.tmpdir(), 'threadkit-checkout-'));
  const files = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
    cwd: REPO,
    encoding: 'utf8',
  })
    .split('\0')
    .filter((file) => file !== '' && existsSync(path.join(REPO, file)));
  for (const file of files) {
    mkdirSync(path.dirname(path.join(checkout, file)), { recursive: true });
    copyFileSync(path.join(REPO, file), path.join(checkout, file));
  }
  const installed = ['node_modules', ...['packages', 'apps'].flatMap((dir) => workspaceModules(dir))];
  execFileSync('cp', ['-al', '--parents', ...installed, checkout], { cwd: REPO });
  for (const made of [
    'node_modules/@threadkit',
    'node_modules/.bin/threadkit',
    'node_modules/.package-lock.json',
  ]) {
    rmSync(path.join(checkout, made), { recursive: true, force: true });
  }
}, 120_000);
afterAll(() => {
  if (checkout) rmSync(checkout, { recursive: true, force: true });
});

/** The node_modules folders of the workspaces under `dir` that have one. */
function workspaceModules(dir: string): string[] {
  return execFileSync('find', [dir, '-mindepth', '2', '-maxdepth', '2', '-name', 'node_modules'], {
    cwd: REPO,
    encoding: 'utf8',
  })
    .split('\n')
    .filter(Boolean);
}

it('links `threadkit` at install time with no warning, then runs it once built', async () => {
  const lockfile = readFileSync(path.join(checkout, 'package-lock.json'), 'utf8');
  const install = await run('npm', ['install', '--offline', '--no-audit', '--no-fund']);
  expect(install.code, install.output).toBe(0);
  // No EBADENGINE for the promised Node versions, no install script left undecided.
  expect(install.output).not.toMatch(/npm warn/i);
  // The committed lockfile already says what npm would write (the command's path included).
  expect(readFileSync(path.join(checkout, 'package-lock.json'), 'utf8')).toBe(lockfile);

  // Never from the registry: the command must be the checkout's own.
  const offline = { npm_config_offline: 'true' };
  const early = await run('npx', ['threadkit', '--help'], offline);
  expect(early.code, early.output).toBe(1);
  expect(early.output).toContain('threadkit is not built yet. Run `npm run build` (or `npm start`');
  expect(early.output).not.toMatch(/could not determine executable/);

  // What the build makes: the compiled server and core.
  for (const dist of ['packages/server/dist', 'packages/core/dist']) {
    cpSync(path.join(REPO, dist), path.join(checkout, dist), { recursive: true });
  }
  const built = await run('npx', ['threadkit', '--help'], offline);
  expect(built.code, built.output).toBe(0);
  expect(built.output).toContain('Usage: threadkit <command>');
  expect(built.output).toContain('admin promote <email|user-id>');
}, 60_000);
