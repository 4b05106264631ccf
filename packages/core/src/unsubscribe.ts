import { createHmac } from 'node:crypto';
import { errors, jwtVerify, SignJWT } from 'jose';
import { unauthorized } from './errors.js';
import { normalizeId } from './ids.js';

const ALGORITHM = 'HS256';
const TYPE = 'threadkit-unsubscribe+jwt';
const AUDIENCE = 'threadkit:unsubscribe';

/**
 * The signed token of a one-click unsubscribe link: site id and user id, no
 * expiry (an old e-mail's link keeps working). It is a JWT whose key is derived
 * from the server's JWT secret with HMAC under its own label, with its own `typ`
 * and audience, so an access token never passes as an unsubscribe token nor the
 * other way round: each fails the other's signature check.
 */
export class UnsubscribeTokens {
  private readonly key: Uint8Array;

  constructor(secret: string) {
    this.key = createHmac('sha256', secret).update('threadkit unsubscribe link key v1').digest();
  }

  sign(claims: { siteId: string; userId: string }): Promise<string> {
    return new SignJWT({ site_id: claims.siteId })
      .setProtectedHeader({ alg: ALGORITHM, typ: TYPE })
      .setSubject(claims.userId)
      .setAudience(AUDIENCE)
      .setIssuedAt()
      .sign(this.key);
  }

  async verify(token: string): Promise<{ siteId: string; userId: string }> {
    try {
      const { payload } = await jwtVerify(token, this.key, {
        algorithms: [ALGORITHM],
        audience: AUDIENCE,
        typ: TYPE,
      });
      if (typeof payload.sub !== 'string' || typeof payload.site_id !== 'string') {
        throw unauthorized('The unsubscribe link is incomplete.');
      }
      // Links mailed before layout 2 carry UUIDs; the ids are the same values.
      return { siteId: normalizeId(payload.site_id), userId: normalizeId(payload.sub) };
    } catch (error) {
      if (error instanceof errors.JOSEError) throw unauthorized('The unsubscribe link is invalid.');
      throw error;
    }
  }
}
