import { fileURLToPath } from 'node:url';
import type { NextConfig } from 'next';

// The container image (apps/dashboard/Dockerfile) builds with NEXT_OUTPUT=standalone: a server.js
// with only the files it needs, traced from the repository's root so the workspace packages come too.
const standalone =
  process.env.NEXT_OUTPUT === 'standalone'
    ? {
        output: 'standalone' as const,
        outputFileTracingRoot: fileURLToPath(new URL('../../', import.meta.url)),
      }
    : {};

const config: NextConfig = {
  ...standalone,
  // Native modules, WASM and the workspace's own packages load from node_modules at run time.
  serverExternalPackages: ['@threadkit/core', '@electric-sql/pglite', 'pg', 'argon2', 'drizzle-orm'],
  poweredByHeader: false,
  reactStrictMode: true,
  async headers() {
    return [
      {
        source: '/:path*',
        headers: [
          { key: 'X-Frame-Options', value: 'DENY' },
          { key: 'X-Content-Type-Options', value: 'nosniff' },
          { key: 'Referrer-Policy', value: 'same-origin' },
        ],
      },
    ];
  },
};

export default config;
