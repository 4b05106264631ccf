import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, makeTempDir } from './process.js';
import { eventually } from './wait.js';

const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const CLI = path.join(REPO_ROOT, 'packages/server/dist/cli.js');

const children = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});

/** `npm test` builds first; a bare `vitest run` on a fresh checkout builds here. */
export function ensureBuilt(): void {
  if (!existsSync(CLI) || !existsSync(path.join(REPO_ROOT, 'packages/core/dist/index.js'))) {
    execFileSync('npm', ['run', 'build', '--silent'], { cwd: REPO_ROOT, stdio: 'inherit' });
  }
}

/**
 * Only what the CLI is meant to read: no THREADKIT_* or REDIS_* leaks in from
 * the test runner; a fresh data dir, and free ports so nothing lands on 8080/8081.
 */
export async function cliEnv(extra: Record<string, string>): Promise<NodeJS.ProcessEnv> {
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? os.tmpdir(),
    DATA_DIR: await makeTempDir(),
    LOG_LEVEL: 'silent',
    HTTP_PORT: String(await freePort()),
    WS_PORT: String(await freePort()),
    ...extra,
  };
}

interface RunningCli {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
  /** Resolves with the output once it matches, or fails when the process exits or the deadline passes. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpExecArray>;
}

/**
 * The `threadkit` command as users run it: the compiled CLI in a child process. With
 * `openFiles`, it starts as after `ulimit -n <openFiles>` (soft and hard limit), through a shell.
 */
/** Sends `signal` to the command's whole process group (it must have been launched with `ownGroup`). */
export function signalGroup(running: { child: ChildProcess }, signal: NodeJS.Signals): void {
  process.kill(-running.child.pid!, signal);
}

export function launchCli(
  args: string[],
  env: NodeJS.ProcessEnv,
  options: { openFiles?: number; ownGroup?: boolean } = {},
): RunningCli {
  const stdio: ['ignore', 'pipe', 'pipe'] = ['ignore', 'pipe', 'pipe'];
  const child =
    options.openFiles === undefined
      ? // `ownGroup`: a process group of its own, which a test signals whole as a terminal's Ctrl-C does.
        spawn(process.execPath, [CLI, ...args], { env, stdio, detached: options.ownGroup ?? false })
      : spawn(
          '/bin/sh',
          [
            '-c',
            'ulimit -n "$1" && shift && exec "$@"',
            'sh',
            String(options.openFiles),
            process.execPath,
            CLI,
            ...args,
          ],
          { env, stdio },
        );
  children.add(child);
  let out = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    out += chunk.toString();
  });
  child.stderr!.on('data', (chunk: Buffer) => {
    out += chunk.toString();
  });
  let done = false;
  const exited = new Promise<number | null>((resolve) => {
    child.once('close', (code) => {
      done = true;
      children.delete(child);
      resolve(code);
    });
  });
  return {
    child,
    output: () => out,
    exited,
    waitFor: (pattern, timeoutMs = 20_000) =>
      eventually(
        `${pattern} in the output`,
        async () => {
          const match = pattern.exec(out);
          if (!match && done) throw new Error(`exited before printing ${pattern}:\n${out}`);
          return match;
        },
        (match) => match !== null,
        timeoutMs,
      ) as Promise<RegExpExecArray>,
  };
}

/** Kills every CLI child still running (a test's cleanup). */
export function killCliChildren(): void {
  for (const child of children) child.kill('SIGKILL');
}
