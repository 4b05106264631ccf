import { existsSync, readFileSync } from 'node:fs';
import semver from 'semver';
import { describe, expect, it } from 'vitest';

/**
 * The Node.js versions ThreadKit promises (`engines.node` of the root
 * package.json, and the README) are ones every package it installs supports:
 * else `npm install` warns with EBADENGINE, or a package fails at run time.
 */

const root = new URL('../../', import.meta.url);
const read = (path: string) => JSON.parse(readFileSync(new URL(path, root), 'utf8'));
const promised: string = read('package.json').engines.node;

interface LockEntry {
  version?: string;
  engines?: { node?: string };
  os?: string[];
}
const lock: { packages: Record<string, LockEntry> } = read('package-lock.json');

/** Whether npm installs a package with this `os` field on Linux, the system the README promises. */
function installsOnLinux(os: string[] | undefined): boolean {
  if (!os) return true;
  if (os.includes('!linux')) return false;
  return os.some((name) => !name.startsWith('!')) ? os.includes('linux') : true;
}

describe('the supported Node.js versions', () => {
  it('are a valid range, recorded in the lockfile as in package.json', () => {
    expect(semver.validRange(promised), promised).not.toBeNull();
    expect(lock.packages['']?.engines?.node).toBe(promised);
  });

  it('are all supported by every package the lockfile installs on Linux', () => {
    const unsupported: string[] = [];
    let checked = 0;
    for (const [location, entry] of Object.entries(lock.packages)) {
      if (!location.includes('node_modules/') || !installsOnLinux(entry.os)) continue;
      // The installed package's own word where it is installed (the lockfile's otherwise).
      const manifest = new URL(`${location}/package.json`, root);
      const range: string | undefined = existsSync(manifest)
        ? JSON.parse(readFileSync(manifest, 'utf8')).engines?.node
        : entry.engines?.node;
      if (range === undefined) continue;
      checked++;
      if (!semver.validRange(range) || !semver.subset(promised, range)) {
        unsupported.push(`${location}@${entry.version}: node ${range}`);
      }
    }
    expect(checked).toBeGreaterThan(100);
    expect(unsupported, `not every Node.js version in "${promised}"`).toEqual([]);
  });

  it('are the ones the README and the self-hosting guide name', () => {
    // ^20.19.0 → 20.19+, >=24 → 24+
    const names = promised.split('||').map((part) => {
      const lowest = semver.minVersion(part.trim())!;
      return lowest.minor === 0 ? `${lowest.major}+` : `${lowest.major}.${lowest.minor}+`;
    });
    const named = `Node.js ${names.slice(0, -1).join(', ')} or ${names.at(-1)}`;
    for (const doc of ['README.md', 'docs/self-hosting.md']) {
      expect(readFileSync(new URL(doc, root), 'utf8'), doc).toContain(named);
    }
  });
});
