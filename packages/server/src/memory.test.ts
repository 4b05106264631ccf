import { describe, expect, it } from 'vitest';
import { IdleMemoryRelease, releaseMemory } from './memory.js';

/** A release driven by a scripted utilisation per interval; counts its collections. */
function scripted(utilisations: number[]) {
  let released = 0;
  const release = new IdleMemoryRelease({
    intervalMs: 3_600_000,
    utilization: () => utilisations.shift() ?? 0,
    release: async () => {
      released++;
    },
  });
  return {
    released: () => released,
    async run(intervals: number) {
      for (let i = 0; i < intervals; i++) await release.check();
      release.stop();
    },
  };
}

describe('idle memory release', () => {
  it('collects once when a busy spell is followed by an idle interval', async () => {
    const server = scripted([0.4, 0.9, 0.003, 0.002, 0.001]);
    await server.run(5);
    expect(server.released()).toBe(1);
  });

  it('never collects under steady traffic, nor when the process was never busy', async () => {
    const steady = scripted([0.3, 0.2, 0.25, 0.2, 0.3]);
    await steady.run(5);
    expect(steady.released()).toBe(0);
    const quiet = scripted([0.002, 0.004, 0.02, 0.001, 0.003]);
    await quiet.run(5);
    expect(quiet.released()).toBe(0);
  });

  it('waits for a truly idle interval after light traffic, and collects again after the next burst', async () => {
    const server = scripted([0.5, 0.03, 0.02, 0.004, 0.002, 0.6, 0.001]);
    await server.run(7);
    expect(server.released()).toBe(2);
  });

  it('resolves, and the event loop runs on after it', async () => {
    await releaseMemory();
    const fired = await new Promise<boolean>((resolve) => setTimeout(() => resolve(true), 10));
    expect(fired).toBe(true);
  });
});
