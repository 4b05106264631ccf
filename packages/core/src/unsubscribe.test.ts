import { describe, expect, it } from 'vitest';
import { ThreadKitError } from './errors.js';
import { TokenSigner } from './tokens.js';
import { UnsubscribeTokens } from './unsubscribe.js';

const SECRET = 'a-test-secret-that-is-long-enough-for-hs256';

describe('UnsubscribeTokens', () => {
  const tokens = new UnsubscribeTokens(SECRET);

  it('round-trips site and user', async () => {
    const token = await tokens.sign({ siteId: 'S', userId: 'U' });
    expect(await tokens.verify(token)).toEqual({ siteId: 'S', userId: 'U' });
  });

  it('refuses a tampered token, an access token, and works in no other role', async () => {
    const token = await tokens.sign({ siteId: 'S', userId: 'U' });
    const [header, , signature] = token.split('.');
    const forged = Buffer.from(
      JSON.stringify({ site_id: 'S', sub: 'someone-else', aud: 'threadkit:unsubscribe' }),
    ).toString('base64url');
    await expect(tokens.verify(`${header}.${forged}.${signature}`)).rejects.toMatchObject({
      code: 'unauthorized',
    });

    const access = new TokenSigner(SECRET, 3600);
    const accessToken = await access.sign({ sub: 'U', site_id: 'S', sid: 'session' });
    await expect(tokens.verify(accessToken)).rejects.toBeInstanceOf(ThreadKitError);
    // …and an unsubscribe token is no access token.
    await expect(access.verify(token)).rejects.toMatchObject({ code: 'unauthorized' });
  });

  it('refuses a token signed with another secret', async () => {
    const other = new UnsubscribeTokens(`${SECRET}-other`);
    await expect(tokens.verify(await other.sign({ siteId: 'S', userId: 'U' }))).rejects.toMatchObject({
      code: 'unauthorized',
    });
  });
});
