import { hkdfSync } from 'node:crypto';
import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { ThreadKitError } from './errors.js';
import { OWNER_TOKEN_MAX_SECONDS, OwnerTokens } from './owner-tokens.js';
import { TokenSigner } from './tokens.js';

const SECRET = 'an-internal-secret-of-32-bytes!!';
const OTHER = 'another-internal-secret-32-bytes';
const CLAIMS = { ownerId: 'owner-1', siteId: '0cZdmZixoJscOFqiPZ6LHx' };
const derived = (secret: string) =>
  new Uint8Array(hkdfSync('sha256', secret, '', 'threadkit owner token v1', 32));
const now = () => Math.floor(Date.now() / 1000);

async function refusal(promise: Promise<unknown>): Promise<ThreadKitError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ThreadKitError);
  expect(error).toMatchObject({ code: 'unauthorized', status: 401 });
  return error as ThreadKitError;
}

/** A token as the dashboard signs one, with any claim or header changed. */
function forge(
  key: Uint8Array,
  { header = {}, claims = {} }: { header?: Record<string, unknown>; claims?: Record<string, unknown> } = {},
) {
  const iat = now();
  return new SignJWT({
    site_id: CLAIMS.siteId,
    sub: CLAIMS.ownerId,
    iss: 'threadkit-dashboard',
    aud: 'threadkit-api',
    iat,
    exp: iat + 60,
    ...claims,
  })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT', kid: 'owner', ...header })
    .sign(key);
}

describe('OwnerTokens', () => {
  it('signs a token that another holder of the secret verifies to its owner and site', async () => {
    const token = await new OwnerTokens(SECRET).sign(CLAIMS);
    await expect(new OwnerTokens(SECRET).verify(token)).resolves.toEqual(CLAIMS);
    const header = JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString());
    expect(header).toEqual({ alg: 'HS256', typ: 'JWT', kid: 'owner' });
  });

  it('is told from a commenter token by its header alone', async () => {
    expect(OwnerTokens.isOwnerToken(await new OwnerTokens(SECRET).sign(CLAIMS))).toBe(true);
    const commenter = await new TokenSigner(SECRET, 60).sign({ sub: 'u', site_id: 's', sid: 'x' });
    expect(OwnerTokens.isOwnerToken(commenter)).toBe(false);
    expect(OwnerTokens.isOwnerToken('not a token')).toBe(false);
  });

  it('refuses a token signed with another secret, or with the secret itself rather than the derived key', async () => {
    await refusal(new OwnerTokens(SECRET).verify(await new OwnerTokens(OTHER).sign(CLAIMS)));
    await refusal(new OwnerTokens(SECRET).verify(await forge(new TextEncoder().encode(SECRET))));
    await expect(new OwnerTokens(SECRET).verify(await forge(derived(SECRET)))).resolves.toEqual(CLAIMS);
  });

  it('refuses an expired token, and one that claims to live longer than five minutes', async () => {
    const key = derived(SECRET);
    const expired = await forge(key, { claims: { iat: now() - 120, exp: now() - 60 } });
    expect((await refusal(new OwnerTokens(SECRET).verify(expired))).message).toMatch(/expired/);
    const long = await forge(key, { claims: { exp: now() + OWNER_TOKEN_MAX_SECONDS + 60 } });
    await refusal(new OwnerTokens(SECRET).verify(long));
  });

  it('caps the life the dashboard asks for at five minutes', async () => {
    const token = await new OwnerTokens(SECRET).sign(CLAIMS, 3600);
    const payload = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString());
    expect(payload.exp - payload.iat).toBe(OWNER_TOKEN_MAX_SECONDS);
  });

  it('refuses another issuer or audience, missing claims, and any algorithm but HS256', async () => {
    const key = derived(SECRET);
    const tokens = new OwnerTokens(SECRET);
    await refusal(tokens.verify(await forge(key, { claims: { iss: 'someone' } })));
    await refusal(tokens.verify(await forge(key, { claims: { aud: 'threadkit-gateway' } })));
    await refusal(tokens.verify(await forge(key, { claims: { site_id: undefined } })));
    await refusal(tokens.verify(await forge(key, { claims: { sub: undefined } })));
    await refusal(tokens.verify(await forge(key, { claims: { exp: undefined } })));
    await refusal(tokens.verify(await forge(key, { header: { alg: 'HS512' } })));
    const unsigned = `${Buffer.from(JSON.stringify({ alg: 'none', kid: 'owner' })).toString('base64url')}.${Buffer.from(
      JSON.stringify({ sub: 'x', site_id: CLAIMS.siteId, iss: 'threadkit-dashboard', aud: 'threadkit-api' }),
    ).toString('base64url')}.`;
    await refusal(tokens.verify(unsigned));
  });

  it('needs a secret of at least 32 bytes', () => {
    expect(() => new OwnerTokens('short')).toThrow(/32 bytes/);
  });
});
