import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (pkg: string) => fileURLToPath(new URL(`./packages/${pkg}/src/index.ts`, import.meta.url));

export default defineConfig({
  resolve: {
    // Tests run against the TypeScript sources, not the built output.
    alias: {
      '@threadkit/core': src('core'),
      '@threadkit/loadtest': src('loadtest'),
      '@threadkit/server': src('server'),
      '@threadkit/testing': src('testing'),
    },
  },
  test: {
    include: ['packages/*/src/**/*.test.ts', 'apps/*/src/**/*.test.ts', 'tests/**/*.test.ts'],
    pool: 'forks',
    reporters: ['default', './tests/summary-reporter.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Polls wait on a condition; on a loaded machine a browser can take seconds to get there.
    expect: { poll: { timeout: 10_000 } },
  },
});
