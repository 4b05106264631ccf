import http from 'node:http';
import { OwnerTokens } from '@threadkit/core';
import {
  eventually,
  expectError,
  startTestApi,
  startTestGateway,
  TEST_ORIGIN,
  type TestApi,
  type TestGateway,
} from '@threadkit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * Owner tokens are the dashboard's, in SaaS mode (apps/dashboard tests them
 * there, end to end). A standalone server has no internal secret to check one
 * with: it refuses them, on every path a Bearer token takes.
 */

const SECRET = 'an-internal-secret-of-32-bytes!!';
let api: TestApi;
let token: string;

beforeAll(async () => {
  api = await startTestApi();
  token = await new OwnerTokens(SECRET).sign({ ownerId: 'owner-1', siteId: api.site.id });
});
afterAll(async () => {
  await api?.stop();
});

const QUEUE = { method: 'GET' as const, url: '/v1/moderation/queue' };

describe('an owner token on a standalone server', () => {
  it('is refused 401, with the public key or the secret key', async () => {
    const withPublic = await api.app.inject({
      ...QUEUE,
      headers: { projectid: api.site.publicKey, authorization: `Bearer ${token}` },
    });
    expect(expectError(withPublic, 401, 'unauthorized').error).toMatch(/SaaS/);
    expect(withPublic.headers['access-control-allow-origin']).toBeUndefined();
    expectError(await api.owner({ ...QUEUE, token }), 401, 'unauthorized');
    // The secret key alone still acts as the owner.
    expect((await api.owner(QUEUE)).statusCode).toBe(200);
  });

  it('is refused 403 from a browser, as a secret key is, without CORS headers', async () => {
    const fromPage = await api.call({ ...QUEUE, token });
    expectError(fromPage, 403, 'forbidden');
    expect(fromPage.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('leaves a thread read to the route, which refuses it, counted once', async () => {
    const base = await api.app.listen({ host: '127.0.0.1', port: 0 });
    const metrics = async () => (await get(base, '/metrics', {})).body;
    const cachedReads = async () =>
      Number(/^threadkit_http_cached_reads_total (\d+)/m.exec(await metrics())?.[1] ?? 0);
    const list = `/v1/comments?page_url=${encodeURIComponent(`${TEST_ORIGIN}/owner-token`)}`;
    // A Referer from an allowed page gets a read past the early checks to the token.
    const headers = { projectid: api.site.publicKey, referer: `${TEST_ORIGIN}/owner-token` };
    const early = await cachedReads();
    await eventually(
      'a read answered early',
      async () => ((await get(base, list, headers)).status === 200 ? cachedReads() : -1),
      (count) => count > early,
    );
    await api.context.usage.flush();
    const month = api.context.usage.currentMonth();
    const before = await api.context.usage.read(api.site.id, month);
    const cachedBefore = await cachedReads();

    const refused = await get(base, list, { ...headers, authorization: `Bearer ${token}` });
    expect(refused.status).toBe(401);
    expect(JSON.parse(refused.body).code).toBe('unauthorized');
    expect(await cachedReads()).toBe(cachedBefore);
    await api.context.usage.flush();
    const after = await api.context.usage.read(api.site.id, month);
    expect(after.api_requests - before.api_requests).toBe(1);
    expect(after.pageviews - before.pageviews).toBe(0);
  });
});

describe('an owner token on the WebSocket gateway', () => {
  let gateway: TestGateway;
  beforeAll(async () => {
    gateway = await startTestGateway(api);
  });
  afterAll(async () => {
    await gateway?.close();
  });

  it('opens no live connection: the client is told why and closed with 4001', async () => {
    const socket = await gateway.connect({ token });
    const error = await socket.next('error');
    expect(error.params).toMatchObject({ code: 'unauthorized' });
    expect(error.params.message).toMatch(/owner token/i);
    expect((await socket.closed).code).toBe(4001);
    // The gateway goes on serving others.
    const reader = await gateway.connect();
    expect((await reader.next('connected')).method).toBe('connected');
    reader.close();
  });
});

/** One GET on its own connection: the status and the body as text. */
function get(base: string, path: string, headers: Record<string, string>) {
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
    const request = http.get(`${base}${path}`, { headers, agent: false }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        body += chunk;
      });
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
      response.on('error', reject);
    });
    request.on('error', reject);
  });
}
