import { keys, resolvePage } from '@threadkit/core';
import {
  RefusedHandshake,
  startTestApi,
  startTestGateway,
  type TestApi,
  type TestGateway,
} from '@threadkit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * The gateway and a site whose data is being deleted: its connections are
 * closed and new ones refused, so their presence does not come back after
 * the purge. The gateway runs in a process of its own, whose site-purge
 * worker tells it of the purge.
 */

let api: TestApi;
let gw: TestGateway;
/** Both processes' purge clock: the purge stays under way until the test moves it. */
let now = Date.now();
const MARGIN = 10_000;
const purging = { sitePurges: { clock: () => now, pollMs: 20, marginMs: MARGIN } };

beforeAll(async () => {
  api = await startTestApi({ context: purging });
  gw = await startTestGateway(api, { heartbeatMs: 50, context: purging });
});
afterAll(async () => {
  await gw?.close();
  await api?.stop();
});

async function keysOf(siteId: string): Promise<string[]> {
  const [, found] = await api.redis.scan('0', 'MATCH', `tk:{${siteId}}*`, 'COUNT', 100_000);
  return found.sort();
}

describe('a site being purged', () => {
  it('has its live connections closed with 4001 and new ones refused, and its presence stays gone', async () => {
    const url = 'https://blog.example.com/purged';
    const page = resolvePage(api.site.id, { page_url: url }).id;
    const guest = await api.guest('Ann');
    const reader = await gw.connect();
    await reader.next('connected');
    await reader.subscribe(page);
    const signedIn = await gw.connect({ token: guest.token });
    await signedIn.next('connected');
    await signedIn.subscribe(page);
    expect(await api.redis.exists(keys.presence(api.site.id, page))).toBe(1);

    await api.context.purges.request(api.site.id);
    for (const socket of [reader, signedIn]) {
      expect((await socket.next('error')).params).toEqual({
        code: 'unauthorized',
        message: 'This site has been deleted.',
      });
      expect((await socket.closed).code).toBe(4001);
    }
    const refused = await gw.connect().catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(RefusedHandshake);
    expect((refused as RefusedHandshake).status).toBe(401);
    expect(JSON.parse((refused as RefusedHandshake).body)).toMatchObject({
      code: 'unauthorized',
      error: 'This site has been deleted.',
    });

    // What both processes still count for the site (requests, connections) is written within a
    // second, inside the margin; here it is written now, before the clock jumps past the margin.
    await Promise.all(
      [api.context, gw.context].flatMap((context) => [context.usage.flush(), context.rateLimiter.flush()]),
    );
    now += MARGIN;
    await expect.poll(async () => api.redis.zscore(keys.purges(), api.site.id)).toBeNull();
    expect(gw.gateway.connectionCount).toBe(0);
    expect(await keysOf(api.site.id)).toEqual([]);
  });
});
