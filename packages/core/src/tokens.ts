import { webcrypto } from 'node:crypto';
import { errors, jwtVerify, SignJWT } from 'jose';
import { LRUCache } from 'lru-cache';
import { unauthorized } from './errors.js';
import { normalizeId } from './ids.js';

/** Claims of a commenter's access token (`api.md`). */
export interface AccessClaims {
  sub: string;
  site_id: string;
  sid: string;
  iat: number;
  exp: number;
}

const ALGORITHM = 'HS256';

/**
 * An HS256 key as WebCrypto holds it, for verifying: imported once per signer,
 * since jose given the raw bytes imports them again for every token.
 */
export const hmacVerifyKey = (key: Uint8Array): Promise<webcrypto.CryptoKey> =>
  webcrypto.subtle.importKey('raw', key, { name: 'HMAC', hash: 'SHA-256' }, false, ['verify']);

export class TokenSigner {
  private readonly key: Uint8Array;
  /**
   * The key as WebCrypto holds it, imported once: given the raw bytes, jose imports
   * them again for every token it verifies, a large part of a signed-in request's CPU.
   */
  private verifyKey: Promise<webcrypto.CryptoKey> | null = null;
  /**
   * Tokens whose signature has been checked, by their exact text. WebCrypto's HMAC
   * costs a signed-in reader about a tenth of a millisecond per request, and a
   * reader sends the same token for an hour; expiry is still checked on every use.
   */
  private readonly verified = new LRUCache<string, AccessClaims>({ max: 10_000 });

  constructor(
    secret: string,
    private readonly ttlSeconds: number,
  ) {
    if (Buffer.byteLength(secret) < 32) throw new Error('The JWT secret must be at least 32 bytes');
    this.key = new TextEncoder().encode(secret);
  }

  sign(claims: { sub: string; site_id: string; sid: string }): Promise<string> {
    return new SignJWT({ site_id: claims.site_id, sid: claims.sid })
      .setProtectedHeader({ alg: ALGORITHM, typ: 'JWT' })
      .setSubject(claims.sub)
      .setIssuedAt()
      .setExpirationTime(`${this.ttlSeconds}s`)
      .sign(this.key);
  }

  /** Verifies signature and expiry with the algorithm pinned, so `alg: none` or RS/HS confusion never passes. */
  async verify(token: string): Promise<AccessClaims> {
    const known = this.verified.get(token);
    if (known) {
      if (known.exp > Date.now() / 1000) return known;
      this.verified.delete(token);
      throw unauthorized('The access token has expired.');
    }
    try {
      this.verifyKey ??= hmacVerifyKey(this.key);
      const { payload } = await jwtVerify(token, await this.verifyKey, { algorithms: [ALGORITHM] });
      if (
        typeof payload.sub !== 'string' ||
        typeof payload.site_id !== 'string' ||
        typeof payload.sid !== 'string' ||
        typeof payload.exp !== 'number' ||
        typeof payload.iat !== 'number'
      ) {
        throw unauthorized('The access token is missing claims.');
      }
      // Tokens signed before layout 2 carry UUIDs; the ids are the same values.
      const claims: AccessClaims = {
        ...(payload as unknown as AccessClaims),
        sub: normalizeId(payload.sub),
        site_id: normalizeId(payload.site_id),
        sid: normalizeId(payload.sid),
      };
      this.verified.set(token, claims);
      return claims;
    } catch (error) {
      if (error instanceof errors.JWTExpired) throw unauthorized('The access token has expired.');
      if (error instanceof errors.JOSEError) throw unauthorized('The access token is invalid.');
      throw error;
    }
  }
}
