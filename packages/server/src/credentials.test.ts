import { randomBytes } from 'node:crypto';
import { DEFAULT_SETTINGS, generateApiKey, isId, keys, maskApiKey, newId, SiteStore } from '@threadkit/core';
import { expectError, startTestApi, TEST_ORIGIN, type TestApi } from '@threadkit/testing';
import type { InjectOptions } from 'fastify';
import { decodeJwt, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * Credentials of every /v1 request (`api.md`, "Credentials"): site keys, allowed
 * origins and CORS, commenter tokens, refresh rotation and guest sign-in, on a real Redis.
 */

let api: TestApi;
const PAGE = 'https://blog.example.com/credentials';
const LIST = `/v1/comments?page_url=${encodeURIComponent(PAGE)}`;

beforeAll(async () => {
  api = await startTestApi();
});
afterAll(async () => {
  await api?.stop();
});

/** A request with exactly these headers (no key or origin added). */
const raw = (headers: Record<string, string>, options: Partial<InjectOptions> = {}) =>
  api.app.inject({ method: 'GET', url: LIST, headers, ...options } as InjectOptions);

const withToken = (token: string) => api.call({ method: 'GET', url: LIST, token });

/** Restores a setting after a test changes it, so tests stay independent. */
async function withSetting(
  name: 'allow_localhost' | 'allow_guests' | 'allowed_origins',
  value: string,
  restore: string,
  body: () => Promise<void>,
) {
  await api.context.sites.setSetting(api.site.id, name, value);
  try {
    await body();
  } finally {
    await api.context.sites.setSetting(api.site.id, name, restore);
  }
}

const jwtKey = async () => {
  const secret = await api.redis.get(keys.jwtSecret());
  expect(secret, 'the generated JWT secret is stored in Redis').toBeTruthy();
  return new TextEncoder().encode(secret!);
};

const now = () => Math.floor(Date.now() / 1000);

async function craft(
  key: Uint8Array,
  claims: { sub: string; site_id: string; sid: string },
  times: { iat?: number; exp?: number } = {},
) {
  return new SignJWT({ site_id: claims.site_id, sid: claims.sid })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(claims.sub)
    .setIssuedAt(times.iat ?? now())
    .setExpirationTime(times.exp ?? now() + 600)
    .sign(key);
}

const claimsOf = (token: string) => {
  const claims = decodeJwt(token);
  return { sub: claims.sub as string, site_id: claims.site_id as string, sid: claims.sid as string };
};

describe('the projectid key', () => {
  it('is required: without it every /v1 route answers 401 unauthorized', async () => {
    expectError(await raw({ origin: TEST_ORIGIN }), 401, 'unauthorized');
    expectError(
      await raw({ origin: TEST_ORIGIN }, { method: 'POST', url: '/v1/auth/guest', payload: { name: 'A' } }),
      401,
      'unauthorized',
    );
    expectError(await raw({ origin: TEST_ORIGIN, projectid: '' }), 401, 'unauthorized');
  });

  it('must be a known key: a well-formed but unknown key is 401, which names it and where the right one is', async () => {
    const unknown = generateApiKey('public');
    const fromPage = await raw({ origin: TEST_ORIGIN, projectid: unknown });
    expect(expectError(fromPage, 401, 'unauthorized').error).toBe(
      `Unknown key ${unknown}: no site has it; \`threadkit site show\` prints the public key.`,
    );
    // The page may read why (and nothing more), so the widget can tell its owner.
    expect(fromPage.headers['access-control-allow-origin']).toBe(TEST_ORIGIN);
    expect(fromPage.headers['access-control-allow-credentials']).toBeUndefined();
    expect(fromPage.headers['access-control-expose-headers']).toBeUndefined();
    // A secret key is never repeated whole, even a wrong one.
    const secret = generateApiKey('secret');
    const fromServer = expectError(await raw({ projectid: secret }), 401, 'unauthorized');
    expect(fromServer.error).toContain(maskApiKey(secret));
    expect(fromServer.error).not.toContain(secret);
  });

  it('must be well formed: a malformed key is 401', async () => {
    for (const key of [
      'nope',
      'tk_pub_',
      'tk_xyz_abc',
      `${api.site.publicKey}x`,
      api.site.publicKey.slice(1),
    ]) {
      expectError(await raw({ origin: TEST_ORIGIN, projectid: key }), 401, 'unauthorized');
    }
  });
});

describe('the public key and allowed origins', () => {
  it('works from the allowed origin, and CORS reflects exactly that origin', async () => {
    const response = await raw({ origin: TEST_ORIGIN, projectid: api.site.publicKey });
    expect(response.statusCode, response.body).toBe(200);
    expect(response.headers['access-control-allow-origin']).toBe(TEST_ORIGIN);
    expect(String(response.headers.vary)).toMatch(/\bOrigin\b/i);
    expect(String(response.headers['access-control-expose-headers'])).toMatch(/etag/i);
  });

  it('is refused from another origin with 403 origin_not_allowed, which the page alone may read', async () => {
    for (const origin of [
      'https://evil.example.net',
      'http://blog.example.com', // same host, other scheme: exact origin entries are exact
      'https://blog.example.com.evil.net',
      'https://sub.blog.example.com',
      'not a url',
    ]) {
      const response = await raw({ origin, projectid: api.site.publicKey });
      // The origin, the key, and how the owner of a standalone server allows it.
      expect(expectError(response, 403, 'origin_not_allowed').error, origin).toBe(
        `This page's origin ${origin} is not allowed for the key ${api.site.publicKey}: add it to THREADKIT_ALLOWED_ORIGINS (comma-separated) and restart the server.`,
      );
      // Readable by that page, so the widget can say why; no credentials, no headers exposed.
      expect(response.headers['access-control-allow-origin'], origin).toBe(origin);
      expect(String(response.headers.vary)).toMatch(/\bOrigin\b/i);
      expect(response.headers['access-control-allow-credentials']).toBeUndefined();
      expect(response.headers['access-control-expose-headers']).toBeUndefined();
    }
    // An opaque origin (a sandboxed frame's) gets no CORS header at all.
    const opaque = await raw({ origin: 'null', projectid: api.site.publicKey });
    expectError(opaque, 403, 'origin_not_allowed');
    expect(opaque.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('accepts the Referer origin when a same-origin request omits Origin', async () => {
    const response = await raw({ referer: `${TEST_ORIGIN}/some/post?x=1`, projectid: api.site.publicKey });
    expect(response.statusCode, response.body).toBe(200);
    expect(response.headers['access-control-allow-origin']).toBe(TEST_ORIGIN);

    const foreign = await raw({ referer: 'https://evil.example.net/post', projectid: api.site.publicKey });
    expectError(foreign, 403, 'origin_not_allowed');
  });

  it("works from the server's own pages (the /docs page): the browser marks them Sec-Fetch-Site: same-origin", async () => {
    await withSetting('allow_localhost', 'false', 'true', async () => {
      // A GET as the docs page sends it: no Origin, no Referer (the page's policy is no-referrer).
      const read = await raw({ projectid: api.site.publicKey, 'sec-fetch-site': 'same-origin' });
      expect(read.statusCode, read.body).toBe(200);
      expect(read.json().tree.comments).toEqual([]);
      expect(read.headers['access-control-allow-origin']).toBeUndefined();
      // A POST from it carries the server's own origin, which is on no site's list.
      const guest = await raw(
        {
          projectid: api.site.publicKey,
          'sec-fetch-site': 'same-origin',
          origin: 'https://comments.example.net',
        },
        { method: 'POST', url: '/v1/auth/guest', payload: { name: 'Reader' } },
      );
      expect(guest.statusCode, guest.body).toBe(201);
    });
  });

  it('is still refused from pages of other sites, whatever their Sec-Fetch-Site says', async () => {
    for (const [site, origin] of [
      ['cross-site', 'https://evil.example.net'],
      ['same-site', 'https://other.blog.example.com'],
      ['none', undefined],
      ['same-origin, cross-site', 'https://evil.example.net'],
    ] as const) {
      const response = await raw({
        projectid: api.site.publicKey,
        'sec-fetch-site': site,
        ...(origin ? { origin } : {}),
      });
      expectError(response, 403, 'origin_not_allowed');
      // The refusal is readable by the refused page alone (so it can say why), and nothing more.
      expect(response.headers['access-control-allow-origin'], site).toBe(origin);
      expect(response.headers['access-control-expose-headers'], site).toBeUndefined();
      expect(response.headers['access-control-allow-credentials'], site).toBeUndefined();
    }
  });

  it('is refused with neither Origin nor Referer (servers use the secret key)', async () => {
    expectError(await raw({ projectid: api.site.publicKey }), 403, 'origin_not_allowed');
    // An opaque origin ("null", e.g. a sandboxed iframe) counts as none.
    expectError(await raw({ origin: 'null', projectid: api.site.publicKey }), 403, 'origin_not_allowed');
  });

  it('works from localhost while allow_localhost is on, and not once it is turned off', async () => {
    for (const origin of ['http://localhost:3000', 'http://127.0.0.1:8080', 'http://[::1]:5173']) {
      const response = await raw({ origin, projectid: api.site.publicKey });
      expect(response.statusCode, `${origin}: ${response.body}`).toBe(200);
      expect(response.headers['access-control-allow-origin']).toBe(origin);
    }
    await withSetting('allow_localhost', 'false', 'true', async () => {
      // The instance that made the change sees it at once; a fresh one reads it from Redis.
      const fresh = await api.secondInstance();
      for (const app of [api.app, fresh]) {
        const response = await app.inject({
          method: 'GET',
          url: LIST,
          headers: { origin: 'http://localhost:3000', projectid: api.site.publicKey },
        });
        expectError(response, 403, 'origin_not_allowed');
        expect(response.headers['access-control-expose-headers']).toBeUndefined();
      }
      // The configured origin still works.
      expect((await raw({ origin: TEST_ORIGIN, projectid: api.site.publicKey })).statusCode).toBe(200);
    });
  });

  it('matches wildcard subdomains (*.example.org) but not the apex or look-alikes', async () => {
    await withSetting('allowed_origins', '*.example.org', TEST_ORIGIN, async () => {
      for (const origin of ['https://news.example.org', 'http://a.b.example.org:8443']) {
        const response = await raw({ origin, projectid: api.site.publicKey });
        expect(response.statusCode, `${origin}: ${response.body}`).toBe(200);
        expect(response.headers['access-control-allow-origin']).toBe(origin);
      }
      for (const origin of [
        'https://example.org',
        'https://evilexample.org',
        'https://example.org.evil.net',
        TEST_ORIGIN,
      ]) {
        const response = await raw({ origin, projectid: api.site.publicKey });
        expectError(response, 403, 'origin_not_allowed');
        expect(response.headers['access-control-expose-headers'], origin).toBeUndefined();
      }
    });
    expect((await raw({ origin: TEST_ORIGIN, projectid: api.site.publicKey })).statusCode).toBe(200);
  });

  it('carries CORS headers on errors after the origin check, so the widget can read them', async () => {
    const response = await api.call({ method: 'GET', url: LIST, token: 'not-a-jwt' });
    expectError(response, 401, 'unauthorized');
    expect(response.headers['access-control-allow-origin']).toBe(TEST_ORIGIN);
  });
});

describe('the secret key', () => {
  it('is refused from a browser (any Origin header) with 403 forbidden, saying to rotate it', async () => {
    for (const origin of [TEST_ORIGIN, 'https://evil.example.net', 'http://localhost:3000']) {
      const response = await raw({ origin, projectid: api.site.secretKey });
      const body = expectError(response, 403, 'forbidden');
      expect(body.error).toMatch(/public key \(tk_pub_…\) in pages.*threadkit site rotate-keys/);
      expect(body.error).not.toContain(api.site.secretKey);
      // The page may read the refusal, and nothing else.
      expect(response.headers['access-control-allow-origin']).toBe(origin);
      expect(response.headers['access-control-expose-headers']).toBeUndefined();
    }
  });

  it('acts as the owner server to server: it can pin, a commenter cannot', async () => {
    const { token } = await api.guest('Author');
    const created = await api.call({
      method: 'POST',
      url: '/v1/comments',
      token,
      payload: { page_url: PAGE, content: 'Pin me' },
    });
    expect(created.statusCode, created.body).toBe(201);
    const id = created.json().comment.i as string;

    expectError(await api.call({ method: 'POST', url: `/v1/comments/${id}/pin`, token }), 403, 'forbidden');

    const pinned = await api.owner({ method: 'POST', url: `/v1/comments/${id}/pin` });
    expect(pinned.statusCode, pinned.body).toBe(200);
    expect(pinned.json()).toEqual({ comment_id: id, pinned: true });
    expect(pinned.headers['access-control-allow-origin']).toBeUndefined();

    const thread = await api.owner({ method: 'GET', url: LIST });
    expect(thread.statusCode).toBe(200);
    expect(thread.json().pinned).toContain(id);

    const unpinned = await api.owner({ method: 'POST', url: `/v1/comments/${id}/unpin` });
    expect(unpinned.statusCode, unpinned.body).toBe(200);
    expect(unpinned.json()).toEqual({ comment_id: id, pinned: false });
  });
});

describe('CORS preflight', () => {
  it('answers OPTIONS with 204 and the headers the widget needs', async () => {
    const response = await api.app.inject({
      method: 'OPTIONS',
      url: '/v1/comments',
      headers: {
        origin: TEST_ORIGIN,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'projectid, authorization, content-type',
      },
    });
    expect(response.statusCode, response.body).toBe(204);
    expect(response.headers['access-control-allow-origin']).toBe(TEST_ORIGIN);
    const allowHeaders = String(response.headers['access-control-allow-headers']).toLowerCase();
    for (const header of ['projectid', 'authorization', 'content-type', 'if-none-match', 'idempotency-key']) {
      expect(allowHeaders).toContain(header);
    }
    const allowMethods = String(response.headers['access-control-allow-methods']).toUpperCase();
    for (const method of ['GET', 'POST', 'PUT', 'DELETE']) expect(allowMethods).toContain(method);
    expect(String(response.headers.vary)).toMatch(/\bOrigin\b/i);
  });

  it('covers routes with parameters too', async () => {
    const response = await api.app.inject({
      method: 'OPTIONS',
      url: `/v1/comments/${newId()}/vote`,
      headers: { origin: TEST_ORIGIN, 'access-control-request-method': 'POST' },
    });
    expect(response.statusCode).toBe(204);
    expect(response.headers['access-control-allow-origin']).toBe(TEST_ORIGIN);
  });
});

describe('commenter tokens', () => {
  it('a real token works, and so does one signed the same way with the stored secret (control)', async () => {
    const guest = await api.guest('Control');
    expect((await withToken(guest.token)).statusCode).toBe(200);
    const crafted = await craft(await jwtKey(), claimsOf(guest.token));
    const response = await withToken(crafted);
    expect(response.statusCode, response.body).toBe(200);
  });

  it('rejects a malformed Authorization header', async () => {
    for (const authorization of ['Basic dXNlcjpwYXNz', 'Bearer', 'Bearer a b', 'token']) {
      const response = await api.call({ method: 'GET', url: LIST, headers: { authorization } });
      expectError(response, 401, 'unauthorized');
    }
  });

  it('rejects a tampered token (payload changed, signature kept)', async () => {
    const victim = await api.guest('Victim');
    const attacker = await api.guest('Attacker');
    const [header, payload, signature] = attacker.token.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
    const forged = Buffer.from(JSON.stringify({ ...claims, sub: victim.userId })).toString('base64url');
    expectError(await withToken(`${header}.${forged}.${signature}`), 401, 'unauthorized');

    // A flipped signature character, too.
    const last = signature.at(-2) === 'A' ? 'B' : 'A';
    const flipped = `${header}.${payload}.${signature.slice(0, -2)}${last}${signature.at(-1)}`;
    expectError(await withToken(flipped), 401, 'unauthorized');
  });

  it('rejects an unsigned token (alg: none)', async () => {
    const guest = await api.guest('None');
    const claims = decodeJwt(guest.token);
    const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    for (const header of [{ alg: 'none', typ: 'JWT' }, { alg: 'None' }, { alg: 'NONE' }]) {
      expectError(await withToken(`${encode(header)}.${encode(claims)}.`), 401, 'unauthorized');
      expectError(await withToken(`${encode(header)}.${encode(claims)}`), 401, 'unauthorized');
    }
  });

  it('rejects a token signed with another secret', async () => {
    const guest = await api.guest('Other secret');
    const otherKey = new TextEncoder().encode(randomBytes(48).toString('base64url'));
    expectError(await withToken(await craft(otherKey, claimsOf(guest.token))), 401, 'unauthorized');
  });

  it('rejects an expired token even with a live session', async () => {
    const guest = await api.guest('Expired');
    const expired = await craft(await jwtKey(), claimsOf(guest.token), {
      iat: now() - 7200,
      exp: now() - 3600,
    });
    const response = await withToken(expired);
    expectError(response, 401, 'unauthorized');
    expect(response.json().error).toMatch(/expired/i);
    // The session itself is fine: the real token still works.
    expect((await withToken(guest.token)).statusCode).toBe(200);
  });

  it('rejects a token whose session does not exist', async () => {
    const guest = await api.guest('No session');
    const claims = claimsOf(guest.token);
    expectError(
      await withToken(await craft(await jwtKey(), { ...claims, sid: newId() })),
      401,
      'unauthorized',
    );
  });

  describe('across sites', () => {
    const OTHER_ORIGIN = 'https://other.example.net';
    const other = {
      id: newId(),
      publicKey: generateApiKey('public'),
      secretKey: generateApiKey('secret'),
    };
    const onOther = (options: InjectOptions & { token?: string }) => {
      const { token, headers, ...rest } = options;
      return api.app.inject({
        ...rest,
        headers: {
          projectid: other.publicKey,
          origin: OTHER_ORIGIN,
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...headers,
        },
      });
    };

    beforeAll(async () => {
      await new SiteStore(api.redis).create(
        {
          id: other.id,
          name: 'Other site',
          domain: 'other.example.net',
          settings: { ...DEFAULT_SETTINGS, allowed_origins: [OTHER_ORIGIN] },
          created_at: now(),
        },
        { publicKey: other.publicKey, secretKey: other.secretKey },
      );
    });

    it("one site's keys do not work from the other site's origin", async () => {
      expectError(
        await raw({ origin: OTHER_ORIGIN, projectid: api.site.publicKey }),
        403,
        'origin_not_allowed',
      );
      expectError(await raw({ origin: TEST_ORIGIN, projectid: other.publicKey }), 403, 'origin_not_allowed');
    });

    it("rejects another site's token, and a token claiming another site", async () => {
      const signIn = await onOther({ method: 'POST', url: '/v1/auth/guest', payload: { name: 'Elsewhere' } });
      expect(signIn.statusCode, signIn.body).toBe(201);
      const foreign = signIn.json() as { token: string; refresh_token: string };
      // It works on its own site…
      expect((await onOther({ method: 'GET', url: LIST, token: foreign.token })).statusCode).toBe(200);
      // …and nowhere else, for reading or writing.
      expectError(await withToken(foreign.token), 401, 'unauthorized');
      expectError(
        await api.call({
          method: 'POST',
          url: '/v1/comments',
          token: foreign.token,
          payload: { page_url: PAGE, content: 'cross-site' },
        }),
        401,
        'unauthorized',
      );
      // Its refresh token cannot mint tokens on this site either.
      expectError(
        await api.call({
          method: 'POST',
          url: '/v1/auth/refresh',
          payload: { refresh_token: foreign.refresh_token },
        }),
        401,
        'unauthorized',
      );

      // A token of this site's session re-signed with the real secret but another site_id.
      const local = await api.guest('Local');
      const relabelled = await craft(await jwtKey(), { ...claimsOf(local.token), site_id: other.id });
      expectError(await withToken(relabelled), 401, 'unauthorized');
      expectError(await onOther({ method: 'GET', url: LIST, token: relabelled }), 401, 'unauthorized');
    });
  });
});

describe('sessions', () => {
  it('logout ends the session at once: the token is refused right after', async () => {
    const guest = await api.guest('Leaving');
    expect((await withToken(guest.token)).statusCode).toBe(200);
    const logout = await api.call({ method: 'POST', url: '/v1/auth/logout', token: guest.token });
    expect(logout.statusCode, logout.body).toBe(204);
    expect(logout.body).toBe('');
    expectError(await withToken(guest.token), 401, 'unauthorized');
    expectError(
      await api.call({ method: 'POST', url: '/v1/auth/logout', token: guest.token }),
      401,
      'unauthorized',
    );
    // The refresh token died with the session.
    expectError(
      await api.call({
        method: 'POST',
        url: '/v1/auth/refresh',
        payload: { refresh_token: guest.refreshToken },
      }),
      401,
      'unauthorized',
    );
  });

  it('logout without a token is 401', async () => {
    expectError(await api.call({ method: 'POST', url: '/v1/auth/logout' }), 401, 'unauthorized');
  });

  it('refresh returns a new working pair and the old refresh token stops working', async () => {
    const guest = await api.guest('Refresher');
    const first = await api.call({
      method: 'POST',
      url: '/v1/auth/refresh',
      payload: { refresh_token: guest.refreshToken },
    });
    expect(first.statusCode, first.body).toBe(200);
    const pair = first.json() as { token: string; refresh_token: string };
    expect(Object.keys(pair).sort()).toEqual(['refresh_token', 'token']);
    expect(pair.refresh_token).not.toBe(guest.refreshToken);
    expect(claimsOf(pair.token)).toEqual(claimsOf(guest.token));
    expect((await withToken(pair.token)).statusCode).toBe(200);

    // The new refresh token rotates again.
    const second = await api.call({
      method: 'POST',
      url: '/v1/auth/refresh',
      payload: { refresh_token: pair.refresh_token },
    });
    expect(second.statusCode, second.body).toBe(200);
    expect((await withToken(second.json().token)).statusCode).toBe(200);
  });

  it('presenting a used refresh token again revokes the whole session', async () => {
    const guest = await api.guest('Copied');
    const refresh = (refresh_token: string) =>
      api.call({ method: 'POST', url: '/v1/auth/refresh', payload: { refresh_token } });
    const rotated = await refresh(guest.refreshToken);
    expect(rotated.statusCode, rotated.body).toBe(200);
    const pair = rotated.json() as { token: string; refresh_token: string };
    expect((await withToken(pair.token)).statusCode).toBe(200);

    // Reuse of the old one: refused, and the session is gone.
    expectError(await refresh(guest.refreshToken), 401, 'unauthorized');
    expectError(await withToken(pair.token), 401, 'unauthorized');
    expectError(await withToken(guest.token), 401, 'unauthorized');
    expectError(await refresh(pair.refresh_token), 401, 'unauthorized');
  });

  it('a forged refresh token is refused without ending the session', async () => {
    const guest = await api.guest('Forged');
    const sid = claimsOf(guest.token).sid;
    for (const token of [`${sid}.${randomBytes(32).toString('base64url')}`, 'garbage', '', '.']) {
      expectError(
        await api.call({ method: 'POST', url: '/v1/auth/refresh', payload: { refresh_token: token } }),
        401,
        'unauthorized',
      );
    }
    expect((await withToken(guest.token)).statusCode).toBe(200);
  });

  it('refresh validates its body', async () => {
    for (const payload of [{}, { refresh_token: 42 }, { refresh_token: 'x', extra: true }]) {
      const response = await api.call({ method: 'POST', url: '/v1/auth/refresh', payload });
      expectError(response, 400, 'invalid_request');
      expect(response.json().field).toBeTruthy();
    }
  });
});

describe('guest sign-in', () => {
  it('POST /v1/auth/guest gives 201 with a token pair and a guest user', async () => {
    const response = await api.call({ method: 'POST', url: '/v1/auth/guest', payload: { name: 'Grace' } });
    expect(response.statusCode, response.body).toBe(201);
    const body = response.json();
    expect(typeof body.token).toBe('string');
    expect(typeof body.refresh_token).toBe('string');
    expect(body.user).toMatchObject({ name: 'Grace', guest: true, role: 'user', avatar_url: null, karma: 0 });
    expect(isId(body.user.id)).toBe(true);
    expect(claimsOf(body.token)).toMatchObject({ sub: body.user.id, site_id: api.site.id });
    // The token works, and a comment posted with it carries the guest's name.
    const posted = await api.call({
      method: 'POST',
      url: '/v1/comments',
      token: body.token,
      payload: { page_url: PAGE, content: 'As a guest' },
    });
    expect(posted.statusCode, posted.body).toBe(201);
    expect(posted.json().comment).toMatchObject({ a: body.user.id, n: 'Grace' });
  });

  it('refuses an empty, blank or missing name with 400 on field name', async () => {
    for (const payload of [{ name: '' }, { name: '   ' }, { name: '\t\n \u0000' }, {}]) {
      const response = await api.call({ method: 'POST', url: '/v1/auth/guest', payload });
      expectError(response, 400, 'invalid_request');
      expect(response.json().field, JSON.stringify(payload)).toBe('name');
    }
  });

  it('refuses a name that is too long, or not a string', async () => {
    for (const payload of [
      { name: 'x'.repeat(51) },
      { name: 'x'.repeat(201) },
      { name: 7 },
      { name: null },
    ]) {
      const response = await api.call({ method: 'POST', url: '/v1/auth/guest', payload });
      expectError(response, 400, 'invalid_request');
      expect(response.json().field, JSON.stringify(payload)).toBe('name');
    }
  });

  it('cleans control characters and extra whitespace out of the name', async () => {
    const response = await api.call({
      method: 'POST',
      url: '/v1/auth/guest',
      payload: { name: '  Ada\u0000\u0007 Love\nlace\u001b  ' },
    });
    expect(response.statusCode, response.body).toBe(201);
    expect(response.json().user.name).toBe('Ada Love lace');
  });

  it('is refused with 403 when the site does not allow guests, and methods say so', async () => {
    const methods = await api.call({ method: 'GET', url: '/v1/auth/methods' });
    expect(methods.statusCode).toBe(200);
    expect(methods.json()).toEqual({ methods: ['guest', 'password', 'email_code'] });

    await withSetting('allow_guests', 'false', 'true', async () => {
      const response = await api.call({ method: 'POST', url: '/v1/auth/guest', payload: { name: 'Nope' } });
      expectError(response, 403, 'forbidden');
      const none = await api.call({ method: 'GET', url: '/v1/auth/methods' });
      expect(none.statusCode).toBe(200);
      expect(none.json().methods).not.toContain('guest');
    });
    expect(
      (await api.call({ method: 'POST', url: '/v1/auth/guest', payload: { name: 'Back' } })).statusCode,
    ).toBe(201);
  });

  it('GET /v1/auth/methods needs the key like every /v1 route', async () => {
    expectError(await raw({ origin: TEST_ORIGIN }, { url: '/v1/auth/methods' }), 401, 'unauthorized');
  });
});

describe('key hints', () => {
  it('the stored site record never holds the secret key in clear', async () => {
    const record = await api.redis.hgetall(keys.site(api.site.id));
    expect(JSON.stringify(record)).not.toContain(api.site.secretKey);
    expect(record.sec_hint).toBe(maskApiKey(api.site.secretKey));
  });
});
