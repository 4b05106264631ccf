import { sentinelEnvironment, TEST_ORIGIN } from '@threadkit/testing';

/**
 * What nginx.test.ts sets for its instances over the example environment
 * file, and why: compose.test.ts checks that compose.scaled.yaml sets the
 * same variables, but for those named in TEST_ONLY.
 */
export function siteSettings(
  redis: { sentinels: { host: string; port: number }[]; name: string },
  dataDir: string,
) {
  return {
    // Redis with a replica behind Sentinel, as in deploy/compose.scaled.yaml.
    REDIS_URL: '',
    ...sentinelEnvironment(redis),
    DATA_DIR: dataDir,
    THREADKIT_ALLOWED_ORIGINS: TEST_ORIGIN,
    // Readers of a crashed gateway leave presence after 3 s rather than 30.
    WS_PRESENCE_TTL: '3',
  };
}

/** Variables of the test's instances that the scaled compose file leaves out, and why. */
export const TEST_ONLY: Record<string, string> = {
  REDIS_URL: 'emptied: Sentinel is used instead, in both',
  DATA_DIR: "the image's own (/data)",
  HTTP_HOST: 'the image listens on 0.0.0.0',
  WS_HOST: 'the image listens on 0.0.0.0',
  THREADKIT_ALLOWED_ORIGINS:
    "the test's standalone site; under MODE=saas each site's origins are in the dashboard",
  WS_PRESENCE_TTL: 'shortened so that the test sees a crashed gateway leave presence quickly',
};
