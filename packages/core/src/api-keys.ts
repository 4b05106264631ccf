import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export type ApiKeyKind = 'public' | 'secret';

const PREFIX: Record<ApiKeyKind, string> = { public: 'tk_pub_', secret: 'tk_sec_' };
const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

function base62(bytes: Buffer): string {
  let n = BigInt(`0x${bytes.toString('hex')}`);
  let out = '';
  while (n > 0n) {
    out = BASE62[Number(n % 62n)] + out;
    n /= 62n;
  }
  // 32 bytes need up to 43 base62 digits; pad so every key has the same length.
  return out.padStart(43, '0');
}

/** A new API key: the kind's prefix and 32 random bytes in base62. */
export function generateApiKey(kind: ApiKeyKind): string {
  return PREFIX[kind] + base62(randomBytes(32));
}

export function apiKeyKind(key: string): ApiKeyKind | null {
  if (key.startsWith(PREFIX.public)) return 'public';
  if (key.startsWith(PREFIX.secret)) return 'secret';
  return null;
}

/** Keys are stored and looked up by hash, so a Redis dump does not leak secret keys. */
export const hashApiKey = (key: string): string => createHash('sha256').update(key).digest('hex');

/** Constant-time string comparison (hashes first, so lengths never leak either). */
export function safeEqual(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ha, hb);
}

/** `tk_sec_4fQ…x9Z`: enough to recognise a key without revealing it. */
export const maskApiKey = (key: string): string => `${key.slice(0, 10)}…${key.slice(-3)}`;
