import { describe, expect, it } from 'vitest';
import { collectGarbage, IdleMemoryRelease, youngGenerationBytes } from './memory.js';

/**
 * A release driven by a scripted utilisation per interval. Its collections are
 * counted; each one shrinks the young generation only when `shrinks` says so.
 */
function scripted(utilisations: number[], shrinks: (collection: number) => boolean = () => true) {
  let collections = 0;
  let young = 16 << 20;
  const release = new IdleMemoryRelease({
    intervalMs: 3_600_000,
    utilization: () => utilisations.shift() ?? 0,
    collect: () => {
      collections++;
      if (shrinks(collections)) young = 1 << 20;
    },
    youngGeneration: () => young,
  });
  return {
    collections: () => collections,
    /** Traffic again: the young generation grows back. */
    grow: () => {
      young = 16 << 20;
    },
    run(intervals: number) {
      for (let i = 0; i < intervals; i++) release.check();
    },
    stop: () => release.stop(),
  };
}

describe('idle memory release', () => {
  it('collects once start-up is over, at the first idle interval', () => {
    const server = scripted([0.002, 0.001, 0.003]);
    server.run(3);
    server.stop();
    expect(server.collections()).toBe(1);
  });

  it('collects once when a busy spell is followed by an idle interval that shrinks the young generation', () => {
    const server = scripted([0.002, 0.4, 0.9, 0.003, 0.002, 0.001]);
    server.run(1);
    server.grow();
    server.run(5);
    server.stop();
    expect(server.collections()).toBe(2);
  });

  it('collects again on the next idle intervals while the young generation has not shrunk, three at most', () => {
    const late = scripted([0.4, 0.003, 0.002, 0.001, 0.002], (n) => n === 2);
    late.run(5);
    late.stop();
    expect(late.collections()).toBe(2);
    const never = scripted([0.4, 0.003, 0.002, 0.001, 0.002, 0.001], () => false);
    never.run(6);
    never.stop();
    expect(never.collections()).toBe(3);
  });

  it('never collects under steady traffic', () => {
    const steady = scripted([0.3, 0.2, 0.25, 0.2, 0.3]);
    steady.run(5);
    steady.stop();
    expect(steady.collections()).toBe(0);
  });

  it('waits for a truly idle interval after light traffic, and collects again after the next burst', () => {
    const server = scripted([0.5, 0.03, 0.02, 0.004, 0.002, 0.6, 0.001]);
    server.run(4);
    expect(server.collections()).toBe(1);
    server.grow();
    server.run(3);
    server.stop();
    expect(server.collections()).toBe(2);
  });

  it('collects for real, without exposing gc to the application', () => {
    let garbage: unknown[] | null = Array.from({ length: 200_000 }, (_, i) => ({ i, text: `garbage ${i}` }));
    const withGarbage = process.memoryUsage().heapUsed;
    expect(garbage).toHaveLength(200_000);
    garbage = null;
    collectGarbage();
    // 200 000 small objects and their strings are well over 10 MB.
    expect(process.memoryUsage().heapUsed).toBeLessThan(withGarbage - 10 * 2 ** 20);
    expect(youngGenerationBytes()).toBeGreaterThan(0);
    expect((globalThis as { gc?: unknown }).gc).toBeUndefined();
  });
});
