import type { NextConfig } from 'next';

const config: NextConfig = {
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
