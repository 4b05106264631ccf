import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  commandLine,
  environmentAssignments,
  parseEnvironmentFile,
  readUnit,
  setting,
  settings,
} from './systemd-unit.js';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const SYSTEMD_DIR = path.join(REPO_ROOT, 'deploy/systemd');

/**
 * Where the units expect things on a server, and where they are here: the
 * checkout stands in for /opt/threadkit, and the repo's example environment
 * file for /etc/threadkit/threadkit.env. A unit naming other paths fails here.
 */
const INSTALLED_PATHS: Record<string, string> = {
  '/opt/threadkit': REPO_ROOT,
  '/etc/threadkit/threadkit.env': path.join(SYSTEMD_DIR, 'threadkit.env'),
};

function installedPath(unitPath: string): string {
  const here = INSTALLED_PATHS[unitPath];
  if (!here) throw new Error(`the unit names ${unitPath}, which this test does not know how to stand in for`);
  return here;
}

export interface UnitProcess {
  child: ChildProcess;
  /** stdout and stderr so far. */
  output(): string;
  exited: Promise<void>;
  isRunning(): boolean;
  /** The units' KillSignal, as `systemctl stop` sends it, then SIGKILL if it outlives TimeoutStopSec; waits for the exit. */
  stop(): Promise<void>;
}

const running = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/**
 * Runs an instance of a template unit from deploy/systemd the way systemd
 * would: its ExecStart in its WorkingDirectory, with its Environment= and then
 * its EnvironmentFile= (which systemd lets override Environment=). Node's path
 * is this machine's rather than the unit's /usr/bin/node. `site` overrides the
 * values that the example environment file leaves for each site to fill in
 * (its Redis, its keys, its data directory).
 */
export function startUnitInstance(
  unitName: string,
  instance: string,
  site: Record<string, string>,
): UnitProcess {
  const unit = readUnit(path.join(SYSTEMD_DIR, unitName), instance);
  const [executable, ...args] = commandLine(unit);
  if (!executable?.endsWith('/node')) throw new Error(`ExecStart does not run node: ${executable}`);
  const cwd = installedPath(setting(unit, 'Service', 'WorkingDirectory'));
  const fromFiles = settings(unit, 'Service', 'EnvironmentFile').map((file) =>
    parseEnvironmentFile(readFileSync(installedPath(file), 'utf8')),
  );
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? '/tmp',
    ...environmentAssignments(settings(unit, 'Service', 'Environment')),
    ...Object.assign({}, ...fromFiles),
    ...site,
  };
  const child = spawn(process.execPath, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  let out = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    out += chunk.toString();
  });
  child.stderr!.on('data', (chunk: Buffer) => {
    out += chunk.toString();
  });
  let alive = true;
  const exited = new Promise<void>((resolve) => {
    child.once('close', () => {
      alive = false;
      running.delete(child);
      resolve();
    });
  });
  return {
    child,
    output: () => out,
    exited,
    isRunning: () => alive,
    stop: async () => {
      if (!alive) return;
      child.kill(setting(unit, 'Service', 'KillSignal') as NodeJS.Signals);
      // As systemd does after TimeoutStopSec: one that has not stopped by then is killed.
      const timeoutMs = Number(setting(unit, 'Service', 'TimeoutStopSec')) * 1000;
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      await exited;
      clearTimeout(timer);
    },
  };
}
