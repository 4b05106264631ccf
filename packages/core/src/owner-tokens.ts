import { hkdfSync, type webcrypto } from 'node:crypto';
import { decodeProtectedHeader, errors, jwtVerify, SignJWT } from 'jose';
import { unauthorized } from './errors.js';
import { hmacVerifyKey } from './tokens.js';

/**
 * A site owner's token in SaaS mode: the dashboard signs one for each call it
 * makes to the comment server on an owner's behalf (the moderation console),
 * and the server takes it as the owner of that one site. The owner never sees
 * it: it goes from the dashboard's server to the comment server's, like the
 * secret key, which the dashboard keeps only as a digest and so cannot send.
 *
 * The key is derived from the internal API's shared secret, under its own
 * label, so a token can only come from a holder of that secret and the secret
 * itself never signs anything. Tokens carry `kid: "owner"` in their header, so
 * the server tells them from commenters' tokens before verifying anything, and
 * live at most five minutes.
 */
export interface OwnerTokenClaims {
  /** The dashboard's id of the owner: the audit log names them `owner:<id>`. */
  ownerId: string;
  siteId: string;
}

const ALGORITHM = 'HS256';
const KEY_ID = 'owner';
const ISSUER = 'threadkit-dashboard';
const AUDIENCE = 'threadkit-api';
/** The longest life a token may claim; the dashboard signs one per call. */
export const OWNER_TOKEN_MAX_SECONDS = 300;

export class OwnerTokens {
  private readonly key: Uint8Array;
  private verifyKey: Promise<webcrypto.CryptoKey> | null = null;

  constructor(internalSecret: string) {
    if (Buffer.byteLength(internalSecret) < 32)
      throw new Error('The internal API secret must be at least 32 bytes');
    this.key = new Uint8Array(hkdfSync('sha256', internalSecret, '', 'threadkit owner token v1', 32));
  }

  /** Whether a bearer token is an owner token (by its header alone; nothing is verified). */
  static isOwnerToken(token: string): boolean {
    try {
      return decodeProtectedHeader(token).kid === KEY_ID;
    } catch {
      return false;
    }
  }

  sign(claims: OwnerTokenClaims, ttlSeconds = 60): Promise<string> {
    const ttl = Math.min(Math.max(1, Math.floor(ttlSeconds)), OWNER_TOKEN_MAX_SECONDS);
    return new SignJWT({ site_id: claims.siteId })
      .setProtectedHeader({ alg: ALGORITHM, typ: 'JWT', kid: KEY_ID })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setSubject(claims.ownerId)
      .setIssuedAt()
      .setExpirationTime(`${ttl}s`)
      .sign(this.key);
  }

  /** Signature, issuer, audience and expiry, with the algorithm pinned; a token claiming a longer life is refused. */
  async verify(token: string): Promise<OwnerTokenClaims> {
    try {
      this.verifyKey ??= hmacVerifyKey(this.key);
      const { payload } = await jwtVerify(token, await this.verifyKey, {
        algorithms: [ALGORITHM],
        issuer: ISSUER,
        audience: AUDIENCE,
        requiredClaims: ['sub', 'iat', 'exp'],
      });
      if (
        typeof payload.sub !== 'string' ||
        typeof payload.site_id !== 'string' ||
        payload.exp! - payload.iat! > OWNER_TOKEN_MAX_SECONDS
      ) {
        throw unauthorized('The owner token is invalid.');
      }
      return { ownerId: payload.sub, siteId: payload.site_id };
    } catch (error) {
      if (error instanceof errors.JWTExpired) throw unauthorized('The owner token has expired.');
      if (error instanceof errors.JOSEError) throw unauthorized('The owner token is invalid.');
      throw error;
    }
  }
}
