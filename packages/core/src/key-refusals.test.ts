import { describe, expect, it } from 'vitest';
import { generateApiKey, maskApiKey } from './api-keys.js';
import { originNotAllowed, secretKeyInBrowser, shownKey, unknownKey } from './key-refusals.js';
import { requireAllowedOrigin } from './origins.js';

const PUBLIC = generateApiKey('public');
const SECRET = generateApiKey('secret');
const SETTINGS = { allowed_origins: ['blog.example.com'], allow_localhost: false };

describe('refusals of a key, in the words of where the owner fixes them', () => {
  it('names the origin and key, and where to allow the origin in each mode', () => {
    expect(originNotAllowed('https://x.example', PUBLIC, 'standalone').message).toBe(
      `This page's origin https://x.example is not allowed for the key ${PUBLIC}: add it to THREADKIT_ALLOWED_ORIGINS (comma-separated) and restart the server.`,
    );
    expect(originNotAllowed('https://x.example', PUBLIC, 'saas').message).toBe(
      `This page's origin https://x.example is not allowed for the key ${PUBLIC}: add it to the site's allowed origins in the dashboard.`,
    );
    expect(originNotAllowed('https://x.example', PUBLIC, 'saas').code).toBe('origin_not_allowed');
  });

  it('refuses through requireAllowedOrigin with the same words; a request from no page is told about keys', () => {
    expect(() => requireAllowedOrigin('https://x.example', SETTINGS, PUBLIC, 'saas')).toThrow(
      originNotAllowed('https://x.example', PUBLIC, 'saas').message,
    );
    expect(() => requireAllowedOrigin(null, SETTINGS, PUBLIC, 'saas')).toThrow(/servers use the secret key/);
    expect(() => requireAllowedOrigin('https://blog.example.com', SETTINGS, PUBLIC, 'saas')).not.toThrow();
  });

  it('says a key is unknown and where the right one is', () => {
    expect(unknownKey(PUBLIC, 'standalone').message).toBe(
      `Unknown key ${PUBLIC}: no site has it; \`threadkit site show\` prints the public key.`,
    );
    expect(unknownKey(PUBLIC, 'saas').message).toBe(
      `Unknown key ${PUBLIC}: no site has it; copy the public key from the site's embed code in the dashboard.`,
    );
    expect(unknownKey(PUBLIC, 'saas').status).toBe(401);
  });

  it('shows public keys whole, and secret or overlong ones masked', () => {
    expect(shownKey(PUBLIC)).toBe(PUBLIC);
    expect(shownKey(SECRET)).toBe(maskApiKey(SECRET));
    expect(unknownKey(SECRET, 'saas').message).not.toContain(SECRET);
    const long = `tk_pub_${'a'.repeat(5000)}`;
    expect(shownKey(long)).toBe(maskApiKey(long));
  });

  it('tells whoever put the secret key in a page to use the public one and rotate', () => {
    expect(secretKeyInBrowser('saas').message).toMatch(/public key \(tk_pub_…\) in pages.*in the dashboard/);
    expect(secretKeyInBrowser('standalone').message).toContain('threadkit site rotate-keys');
    expect(secretKeyInBrowser('standalone').code).toBe('forbidden');
  });
});
