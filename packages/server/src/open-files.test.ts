import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { openFilesLimit } from './open-files.js';

describe.runIf(process.platform === 'linux')('openFilesLimit', () => {
  it('is the hard limit: Node raised the soft one to it as it started (a shell started from here inherits both)', () => {
    const [soft, hard] = execFileSync('/bin/sh', ['-c', 'ulimit -Sn; ulimit -Hn'], { encoding: 'utf8' })
      .trim()
      .split('\n');
    expect(openFilesLimit()).toBe(Number(soft));
    if (hard !== 'unlimited') expect(openFilesLimit()).toBe(Number(hard));
  });
});
