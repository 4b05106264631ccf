import { errors, jwtVerify, SignJWT } from 'jose';
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

export class TokenSigner {
  private readonly key: Uint8Array;

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
    try {
      const { payload } = await jwtVerify(token, this.key, { algorithms: [ALGORITHM] });
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
      return {
        ...(payload as unknown as AccessClaims),
        sub: normalizeId(payload.sub),
        site_id: normalizeId(payload.site_id),
        sid: normalizeId(payload.sid),
      };
    } catch (error) {
      if (error instanceof errors.JWTExpired) throw unauthorized('The access token has expired.');
      if (error instanceof errors.JOSEError) throw unauthorized('The access token is invalid.');
      throw error;
    }
  }
}
