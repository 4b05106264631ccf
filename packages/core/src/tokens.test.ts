import { SignJWT } from 'jose';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ThreadKitError } from './errors.js';
import { idFromUuid } from './ids.js';
import { TokenSigner } from './tokens.js';

const SECRET = 'a-test-secret-that-is-32-bytes!!';
const OTHER_SECRET = 'another-secret-of-32-bytes-long!';
const UUID_CLAIMS = {
  sub: '0190f5d2-0000-7000-8000-000000000001',
  site_id: '0190f5d2-0000-7000-8000-000000000002',
  sid: '0190f5d2-0000-7000-8000-000000000003',
};
const CLAIMS = {
  sub: idFromUuid(UUID_CLAIMS.sub),
  site_id: idFromUuid(UUID_CLAIMS.site_id),
  sid: idFromUuid(UUID_CLAIMS.sid),
};
const key = (secret: string) => new TextEncoder().encode(secret);
const b64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const now = () => Math.floor(Date.now() / 1000);

async function expectUnauthorized(promise: Promise<unknown>): Promise<void> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ThreadKitError);
  expect(error).toMatchObject({ code: 'unauthorized', status: 401 });
}

describe('TokenSigner: round trip', () => {
  it('signs a token that verifies to its claims, with iat and exp TTL apart', async () => {
    const signer = new TokenSigner(SECRET, 900);
    const before = now();
    const token = await signer.sign(CLAIMS);
    const claims = await signer.verify(token);
    expect(claims).toMatchObject(CLAIMS);
    expect(claims.iat).toBeGreaterThanOrEqual(before);
    expect(claims.iat).toBeLessThanOrEqual(now());
    expect(claims.exp - claims.iat).toBe(900);
  });

  it('uses HS256 with typ JWT in the header', async () => {
    const token = await new TokenSigner(SECRET, 60).sign(CLAIMS);
    const header = JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString());
    expect(header).toEqual({ alg: 'HS256', typ: 'JWT' });
  });

  it('verifies with another signer holding the same secret', async () => {
    const token = await new TokenSigner(SECRET, 60).sign(CLAIMS);
    await expect(new TokenSigner(SECRET, 3600).verify(token)).resolves.toMatchObject(CLAIMS);
  });

  it('reads the UUID ids of tokens signed before layout 2 as the same ids', async () => {
    const token = await new TokenSigner(SECRET, 60).sign(UUID_CLAIMS);
    await expect(new TokenSigner(SECRET, 60).verify(token)).resolves.toMatchObject(CLAIMS);
  });
});

describe('TokenSigner: tokens already verified', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('verify again to the same claims, and expire on time all the same', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const signer = new TokenSigner(SECRET, 60);
    const token = await signer.sign(CLAIMS);
    const first = await signer.verify(token);
    await expect(signer.verify(token)).resolves.toEqual(first);
    vi.setSystemTime(Date.now() + 61_000);
    const error = await signer.verify(token).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'unauthorized', message: 'The access token has expired.' });
    await expect(signer.verify(token)).rejects.toMatchObject({ message: 'The access token has expired.' });
  });

  it('never stand in for a tampered copy', async () => {
    const signer = new TokenSigner(SECRET, 3600);
    const token = await signer.sign(CLAIMS);
    await signer.verify(token);
    const last = token.at(-2) === 'A' ? 'B' : 'A';
    await expectUnauthorized(signer.verify(`${token.slice(0, -2)}${last}${token.at(-1)}`));
  });
});

describe('TokenSigner: rejections', () => {
  const signer = new TokenSigner(SECRET, 3600);

  it('rejects a token whose payload was tampered with', async () => {
    const token = await signer.sign(CLAIMS);
    const [header, payload, signature] = token.split('.');
    const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString());
    const forged = b64url({ ...claims, sub: 'someone-else' });
    expect(forged).not.toBe(payload);
    await expectUnauthorized(signer.verify(`${header}.${forged}.${signature}`));
  });

  it('rejects a token with a tampered signature', async () => {
    const token = await signer.sign(CLAIMS);
    const last = token.at(-2) === 'A' ? 'B' : 'A';
    await expectUnauthorized(signer.verify(`${token.slice(0, -2)}${last}${token.at(-1)}`));
  });

  it('rejects a token signed with another secret', async () => {
    const token = await new TokenSigner(OTHER_SECRET, 3600).sign(CLAIMS);
    await expectUnauthorized(signer.verify(token));
  });

  it('rejects an expired token', async () => {
    const token = await new SignJWT({ site_id: CLAIMS.site_id, sid: CLAIMS.sid })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(CLAIMS.sub)
      .setIssuedAt(now() - 7200)
      .setExpirationTime(now() - 60)
      .sign(key(SECRET));
    const error = await signer.verify(token).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ThreadKitError);
    expect(error).toMatchObject({ code: 'unauthorized', message: 'The access token has expired.' });
  });

  it('rejects an unsigned alg:none token', async () => {
    const token = `${b64url({ alg: 'none', typ: 'JWT' })}.${b64url({
      ...CLAIMS,
      iat: now(),
      exp: now() + 3600,
    })}.`;
    await expectUnauthorized(signer.verify(token));
  });

  it('rejects a token signed with HS512 even with the same secret', async () => {
    const token = await new SignJWT({ site_id: CLAIMS.site_id, sid: CLAIMS.sid })
      .setProtectedHeader({ alg: 'HS512', typ: 'JWT' })
      .setSubject(CLAIMS.sub)
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(key(SECRET));
    await expectUnauthorized(signer.verify(token));
  });

  it.each(['sid', 'site_id', 'sub', 'exp', 'iat'] as const)(
    'rejects a correctly signed token missing %s',
    async (missing) => {
      const claims: Record<string, unknown> = { ...CLAIMS, iat: now(), exp: now() + 3600 };
      delete claims[missing];
      const token = await new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).sign(key(SECRET));
      const error = await signer.verify(token).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ThreadKitError);
      expect(error).toMatchObject({ code: 'unauthorized' });
    },
  );

  it('rejects a correctly signed token whose sid is not a string', async () => {
    const token = await new SignJWT({ site_id: CLAIMS.site_id, sid: 42 })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(CLAIMS.sub)
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(key(SECRET));
    await expectUnauthorized(signer.verify(token));
  });

  it.each(['', 'garbage', 'a.b.c', 'a.b', '...'])('rejects the malformed token %j', async (token) => {
    await expectUnauthorized(signer.verify(token));
  });
});

describe('TokenSigner: constructor', () => {
  it('refuses a secret shorter than 32 bytes', () => {
    expect(() => new TokenSigner('x'.repeat(31), 3600)).toThrow(/32 bytes/);
    expect(() => new TokenSigner('', 3600)).toThrow(/32 bytes/);
  });

  it('accepts a secret of exactly 32 bytes, counted in bytes', () => {
    expect(() => new TokenSigner('x'.repeat(32), 3600)).not.toThrow();
    expect(() => new TokenSigner('é'.repeat(16), 3600)).not.toThrow();
    expect(() => new TokenSigner('é'.repeat(15), 3600)).toThrow(/32 bytes/);
  });
});
