import { execFileSync, spawnSync } from 'node:child_process';
import { copyFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseEnvironmentFile, readUnit, setting, settings } from './systemd-unit.js';
import { SYSTEMD_DIR } from './unit-process.js';

/**
 * The systemd units as systemd itself reads them, where systemd-analyze is
 * installed, and their agreement with the environment file they load.
 * (nginx.test.ts runs them.)
 */

const UNITS = ['threadkit-api@.service', 'threadkit-gateway@.service'];
const analyze = (() => {
  try {
    return execFileSync('sh', ['-c', 'command -v systemd-analyze'], { encoding: 'utf8' }).trim();
  } catch {
    return null;
  }
})();
if (!analyze) console.log('systemd-analyze is not installed: the units are not verified by systemd here');

describe('the systemd units', () => {
  it.skipIf(!analyze).each(UNITS)('%s passes systemd-analyze verify', async (unit) => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'threadkit-units-'));
    try {
      // A template is verified through one of its instances.
      const instance = path.join(dir, unit.replace('@.', '@8080.'));
      await copyFile(path.join(SYSTEMD_DIR, unit), instance);
      const result = spawnSync(analyze!, ['verify', '--man=no', instance], { encoding: 'utf8' });
      expect(result.stderr + result.stdout).toBe('');
      expect(result.status).toBe(0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it.each(UNITS)(
    '%s may write only the DATA_DIR of the environment file, as an unprivileged user',
    async (unit) => {
      const parsed = readUnit(path.join(SYSTEMD_DIR, unit), '8080');
      const env = parseEnvironmentFile(await readFile(path.join(SYSTEMD_DIR, 'threadkit.env'), 'utf8'));
      expect(setting(parsed, 'Service', 'ProtectSystem')).toBe('strict');
      expect(`/var/lib/${setting(parsed, 'Service', 'StateDirectory')}`).toBe(env.DATA_DIR);
      expect(settings(parsed, 'Service', 'ReadWritePaths')).toEqual([env.DATA_DIR]);
      expect(setting(parsed, 'Service', 'User')).not.toBe('root');
      expect(setting(parsed, 'Service', 'NoNewPrivileges')).toBe('yes');
      expect(setting(parsed, 'Service', 'Restart')).toBe('on-failure');
    },
  );
});
