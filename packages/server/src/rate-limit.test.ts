import { RATE_LIMIT_WINDOW_MS } from '@threadkit/core';
import { expectError, startTestApi, TEST_ORIGIN, type TestApi } from '@threadkit/testing';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

/**
 * Rate limits over HTTP with the real default budgets (the harness otherwise
 * runs with generous ones): `env: { RATE_LIMITS: '' }` means "unset". Time is
 * the limiter's injected clock, moved by the tests; nothing sleeps.
 */

const W = RATE_LIMIT_WINDOW_MS;
const PAGE = 'https://blog.example.com/rate-limits';
const LIST = `/v1/comments?page_url=${encodeURIComponent(PAGE)}`;

let now = Date.now();
const clock = () => now;
/** 10 s into a window two windows on: whatever earlier tests counted no longer weighs. */
const freshWindow = () => {
  now = (Math.floor(now / W) + 2) * W + 10_000;
};

type Call = InjectOptions & { token?: string };

function on(app: FastifyInstance, key: string, origin: string | null, { token, headers, ...rest }: Call) {
  return app.inject({
    ...rest,
    headers: {
      projectid: key,
      ...(origin ? { origin } : {}),
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...headers,
    },
  });
}

/** Sends `n` requests in a row: the statuses, the first refusal, and how many went through before it. */
async function burst(n: number, send: (i: number) => Promise<LightMyRequestResponse>) {
  const statuses: number[] = [];
  let refused: LightMyRequestResponse | undefined;
  for (let i = 0; i < n; i++) {
    const response = await send(i);
    statuses.push(response.statusCode);
    if (response.statusCode === 429) refused ??= response;
  }
  const first = statuses.indexOf(429);
  return { statuses, refused, ok: first === -1 ? n : first };
}

function expectRateLimited(response: LightMyRequestResponse | undefined, retryAfter: number) {
  expect(response, 'a 429').toBeDefined();
  const body = expectError(response!, 429, 'rate_limited');
  expect(response!.headers['retry-after']).toBe(String(retryAfter));
  return body;
}

describe('with the default budgets', () => {
  let api: TestApi;

  beforeAll(async () => {
    api = await startTestApi({ env: { RATE_LIMITS: '' }, context: { clock } });
  });
  afterAll(async () => {
    await api?.stop();
  });
  beforeEach(freshWindow);

  const guest = async (name: string, remoteAddress: string) => {
    const response = await api.call({
      method: 'POST',
      url: '/v1/auth/guest',
      payload: { name },
      remoteAddress,
    });
    expect(response.statusCode, response.body).toBe(201);
    return response.json().token as string;
  };

  it('120 reads a minute per address, then 429 with Retry-After until the window has moved on', async () => {
    const read = (remoteAddress: string) => api.call({ method: 'GET', url: LIST, remoteAddress });
    const { ok, refused } = await burst(125, () => read('198.51.100.1'));
    expect(ok).toBe(120);
    // 120 reads 10 s into the window: room for one more 50.5 s later (Retry-After rounds up).
    const body = expectRateLimited(refused, 51);
    expect(body.error).toMatch(/120/);
    // Browsers may read the refusal and its Retry-After.
    expect(refused!.headers['access-control-allow-origin']).toBe(TEST_ORIGIN);
    expect(String(refused!.headers['access-control-expose-headers'])).toContain('retry-after');

    // Another address has its own budget.
    expect((await read('198.51.100.2')).statusCode).toBe(200);

    now += 50_000;
    expectRateLimited(await read('198.51.100.1'), 1);
    now += 500;
    expect((await read('198.51.100.1')).statusCode).toBe(200);
  });

  it('20 writes a minute per user, whatever the address; other users and reads are not affected', async () => {
    const ada = await guest('Ada', '198.51.100.10');
    const bob = await guest('Bob', '198.51.100.10');
    const post = (token: string, i: number, remoteAddress = '198.51.100.10') =>
      api.call({
        method: 'POST',
        url: '/v1/comments',
        token,
        remoteAddress,
        payload: { page_url: PAGE, content: `Comment number ${i} by this user` },
      });
    const { ok, statuses, refused } = await burst(22, (i) => post(ada, i, `198.51.100.${10 + (i % 3)}`));
    expect(ok, statuses.join(' ')).toBe(20);
    expect(statuses.slice(0, 20).every((s) => s === 201)).toBe(true);
    // 20 writes 10 s into the window: room again 50 s + 60 s × (1 − 19/20) = 53 s later.
    expectRateLimited(refused, 53);

    expect((await post(bob, 1)).statusCode).toBe(201);
    expect(
      (await api.call({ method: 'GET', url: LIST, token: ada, remoteAddress: '198.51.100.10' })).statusCode,
    ).toBe(200);
    now += 53_000;
    expect((await post(ada, 99)).statusCode).toBe(201);
  });

  it("a guest's writes and reads also count in its address's budget: new guests buy no more room", async () => {
    const address = '198.51.100.60';
    // Guest tokens are free to mint: three of them, one address.
    const guests = [await guest('G1', address), await guest('G2', address), await guest('G3', address)];
    const post = (token: string, i: number, remoteAddress = address) =>
      api.call({
        method: 'POST',
        url: '/v1/comments',
        token,
        remoteAddress,
        payload: { page_url: PAGE, content: `Guest comment number ${i}` },
      });
    const { ok, statuses, refused } = await burst(24, (i) => post(guests[i % 3]!, i));
    expect(ok, statuses.join(' ')).toBe(20);
    expectRateLimited(refused, 53);
    // A guest made afterwards at that address is refused too…
    expectError(await post(await guest('G4', address), 99), 429, 'rate_limited');
    // …while the same guests elsewhere still have room in their own budgets…
    expect((await post(guests[0]!, 100, '198.51.100.61')).statusCode).toBe(201);
    // …and a signed-in account at that address keeps its own budget, per user.
    const registered = await api.call({
      method: 'POST',
      url: '/v1/auth/register',
      payload: { name: 'Acct', email: 'rate-acct@example.com', password: 'correct horse battery staple' },
      remoteAddress: '198.51.100.62',
    });
    expect(registered.statusCode, registered.body).toBe(201);
    expect((await post(registered.json().token, 101)).statusCode).toBe(201);

    // Reads: 120 a minute for the address, whoever of its guests reads.
    const readFrom = '198.51.100.63';
    const reader = await guest('Reader', readFrom);
    const reads = await burst(121, (i) =>
      api.call({ method: 'GET', url: LIST, remoteAddress: readFrom, ...(i % 2 ? { token: reader } : {}) }),
    );
    expect(reads.ok).toBe(120);
  });

  it('10 sign-in attempts a minute per address, counted across the auth routes', async () => {
    const address = '198.51.100.20';
    const { ok, refused } = await burst(11, (i) =>
      api.call({ method: 'POST', url: '/v1/auth/guest', payload: { name: `G${i}` }, remoteAddress: address }),
    );
    expect(ok).toBe(10);
    expectRateLimited(refused, 56);
    // A password sign-in from the same address is an attempt too; from elsewhere it is not refused.
    const login = (remoteAddress: string) =>
      api.call({
        method: 'POST',
        url: '/v1/auth/login',
        payload: { email: 'nobody@example.com', password: 'not the password' },
        remoteAddress,
      });
    expectError(await login(address), 429, 'rate_limited');
    expectError(await login('198.51.100.21'), 401, 'unauthorized');
    // Reads from that address have their own budget.
    expect((await api.call({ method: 'GET', url: LIST, remoteAddress: address })).statusCode).toBe(200);
  });

  it('a site overrides budgets with its rate_limits setting; the key budget caps everyone', async () => {
    await api.context.sites.setSetting(api.site.id, 'rate_limits', 'reads=5,key=12');
    try {
      // A server with nothing cached sees the setting at once (others within the 5 s site cache).
      const app = await api.secondInstance();
      const read = (remoteAddress: string) =>
        on(app, api.site.publicKey, TEST_ORIGIN, { method: 'GET', url: LIST, remoteAddress });
      const first = await burst(6, () => read('198.51.100.30'));
      expect(first.ok).toBe(5);
      expectRateLimited(first.refused, 62);
      // The public key's overall budget: 12 requests a minute, from any number of addresses.
      const many = await burst(10, (i) => read(`198.51.100.${31 + i}`));
      expect(many.ok).toBe(7);
      expect(expectRateLimited(many.refused, 55).error).toMatch(/site key/);

      // The secret key has a budget of its own, the key budget only (no per-address one).
      const owner = await burst(13, () => on(app, api.site.secretKey, null, { method: 'GET', url: LIST }));
      expect(owner.ok).toBe(12);
      expectRateLimited(owner.refused, 55);
    } finally {
      await api.context.sites.setSetting(api.site.id, 'rate_limits', '');
    }
  });

  it('routes outside the limits never answer 429', async () => {
    const { statuses } = await burst(150, () =>
      api.app.inject({ method: 'GET', url: '/v1/auth/google/callback?state=nope&code=x' }),
    );
    expect(statuses).not.toContain(429);
    const health = await burst(150, () => api.app.inject({ method: 'GET', url: '/health' }));
    expect(health.statuses.every((s) => s === 200)).toBe(true);
  });

  it('documents 429 on the limited routes of the OpenAPI document', async () => {
    const doc = (await api.app.inject({ method: 'GET', url: '/openapi.json' })).json();
    expect(doc.paths['/v1/comments'].get.responses).toHaveProperty('429');
    expect(doc.paths['/v1/comments'].post.responses).toHaveProperty('429');
    expect(doc.paths['/v1/auth/guest'].post.responses).toHaveProperty('429');
    expect(doc.paths['/v1/auth/{provider}/callback'].get.responses).not.toHaveProperty('429');
  });
});

describe('the client address behind proxies', () => {
  const read = (api: TestApi, remoteAddress: string, forwardedFor?: string) =>
    api.call({
      method: 'GET',
      url: LIST,
      remoteAddress,
      ...(forwardedFor ? { headers: { 'x-forwarded-for': forwardedFor } } : {}),
    });

  describe('TRUST_PROXY=127.0.0.1', () => {
    let api: TestApi;
    beforeAll(async () => {
      api = await startTestApi({
        env: { RATE_LIMITS: 'reads=5', TRUST_PROXY: '127.0.0.1' },
        context: { clock },
      });
    });
    afterAll(async () => {
      await api?.stop();
    });
    beforeEach(freshWindow);

    it('counts each forwarded client apart, through the trusted proxy', async () => {
      const first = await burst(6, () => read(api, '127.0.0.1', '203.0.113.10'));
      expect(first.ok).toBe(5);
      expect((await read(api, '127.0.0.1', '203.0.113.11')).statusCode).toBe(200);
      // A client cannot pose as another by prepending addresses: the proxy appends the real one.
      expectError(await read(api, '127.0.0.1', '203.0.113.99, 203.0.113.10'), 429, 'rate_limited');
    });

    it('ignores X-Forwarded-For from a socket that is not a trusted proxy', async () => {
      const { ok } = await burst(6, (i) => read(api, '198.51.100.40', `203.0.113.${50 + i}`));
      expect(ok).toBe(5);
      expect((await read(api, '198.51.100.41', '203.0.113.60')).statusCode).toBe(200);
    });
  });

  describe('without TRUST_PROXY', () => {
    let api: TestApi;
    beforeAll(async () => {
      api = await startTestApi({ env: { RATE_LIMITS: 'reads=5' }, context: { clock } });
    });
    afterAll(async () => {
      await api?.stop();
    });
    beforeEach(freshWindow);

    it('ignores X-Forwarded-For: the socket address is the client', async () => {
      const { ok } = await burst(6, (i) => read(api, '127.0.0.1', `203.0.113.${70 + i}`));
      expect(ok).toBe(5);
      expect((await read(api, '198.51.100.50', '203.0.113.70')).statusCode).toBe(200);
    });
  });
});
