import { readFileSync } from 'node:fs';

/**
 * How many files (sockets included) this process may open, or null where it
 * cannot be read (it is read from /proc, so on Linux only). Node raises its
 * soft limit to the hard one as it starts, so this is the hard limit the
 * process was started with: what `ulimit -Hn` or systemd's `LimitNOFILE` set.
 */
export function openFilesLimit(): number | null {
  try {
    const match = /^Max open files\s+(\d+)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
    return match ? Number(match[1]) : null;
  } catch {
    return null;
  }
}
