import { Writable } from 'node:stream';
import { generateApiKey } from '@threadkit/core';
import { startTestApi, TEST_ORIGIN, type TestApi } from '@threadkit/testing';
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from './app.js';
import { REFUSAL_LINES_PER_MINUTE, REFUSAL_QUIET_MS, RefusalThrottle } from './plugins/key-refusals.js';

/**
 * A key refused for a reason its owner must fix (`plugins/key-refusals.ts`),
 * over a real socket, so cached reads answered before routing are covered: the
 * page may read why, and the log says it once per origin and key.
 */

const PAGE = 'https://blog.example.com/key-refusals';
const LIST = `/v1/comments?page_url=${encodeURIComponent(PAGE)}`;

let api: TestApi;
let app: FastifyInstance;
let base: string;
const lines: Record<string, unknown>[] = [];

beforeAll(async () => {
  api = await startTestApi();
  // An instance that logs warnings (and, as in production, not every request: cached reads stay on).
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(JSON.parse(String(chunk)) as Record<string, unknown>);
      done();
    },
  });
  app = await buildApp({ context: api.context, logger: pino({ level: 'warn' }, stream) });
  base = await app.listen({ host: '127.0.0.1', port: 0 });
});
afterAll(async () => {
  await app?.close();
  await api?.stop();
});

const read = (headers: Record<string, string>) => fetch(`${base}${LIST}`, { headers });
const refusalLines = () => lines.filter((line) => String(line.msg).startsWith('site key refused'));

describe('a refused key or origin', () => {
  it('tells the page why, readable by it, and logs the origin, key and site once', async () => {
    // A read from the allowed origin first: the key is then known to the early path for cached reads.
    expect((await read({ origin: TEST_ORIGIN, projectid: api.site.publicKey })).status).toBe(200);
    const site = await api.context.sites.get(api.site.id);

    const elsewhere = 'https://staging.blog.example.net';
    for (let attempt = 0; attempt < 3; attempt++) {
      const response = await read({ origin: elsewhere, projectid: api.site.publicKey });
      expect(response.status).toBe(403);
      expect(response.headers.get('access-control-allow-origin')).toBe(elsewhere);
      expect(response.headers.get('access-control-expose-headers')).toBeNull();
      expect(response.headers.get('access-control-allow-credentials')).toBeNull();
      expect(await response.json()).toEqual({
        code: 'origin_not_allowed',
        error: `This page's origin ${elsewhere} is not allowed for the key ${api.site.publicKey}: add it to THREADKIT_ALLOWED_ORIGINS (comma-separated) and restart the server.`,
      });
    }
    expect(refusalLines()).toEqual([
      expect.objectContaining({
        level: 40,
        origin: elsewhere,
        key: api.site.publicKey,
        site: site.id,
        site_name: site.name,
        code: 'origin_not_allowed',
        msg: expect.stringContaining(`site key refused: This page's origin ${elsewhere} is not allowed`),
      }),
    ]);

    // Another origin is another line; an unknown key names no site.
    await read({ origin: 'https://old.blog.example.net', projectid: api.site.publicKey });
    const unknown = generateApiKey('public');
    const refusedKey = await read({ origin: TEST_ORIGIN, projectid: unknown });
    expect(refusedKey.status).toBe(401);
    expect(refusedKey.headers.get('access-control-allow-origin')).toBe(TEST_ORIGIN);
    expect((await refusedKey.json()).error).toContain(`Unknown key ${unknown}`);
    expect(refusalLines().map((line) => [line.origin, line.key, line.site, line.code])).toEqual([
      [elsewhere, api.site.publicKey, site.id, 'origin_not_allowed'],
      ['https://old.blog.example.net', api.site.publicKey, site.id, 'origin_not_allowed'],
      [TEST_ORIGIN, unknown, null, 'unauthorized'],
    ]);
  });

  it('logs a secret key used from a page, masked, with its site', async () => {
    const before = refusalLines().length;
    const response = await read({ origin: TEST_ORIGIN, projectid: api.site.secretKey });
    expect(response.status).toBe(403);
    expect(response.headers.get('access-control-allow-origin')).toBe(TEST_ORIGIN);
    const line = refusalLines()[before]!;
    expect(line).toMatchObject({ origin: TEST_ORIGIN, site: api.site.id, code: 'forbidden' });
    expect(JSON.stringify(line)).not.toContain(api.site.secretKey);
  });
});

describe('the refusal log throttle', () => {
  it('lets each origin and key through once in the quiet period, and again after it', () => {
    let now = 1_000_000;
    const throttle = new RefusalThrottle(() => now);
    expect(throttle.admits('https://a.example tk_pub_1')).toBe(true);
    expect(throttle.admits('https://a.example tk_pub_1')).toBe(false);
    expect(throttle.admits('https://b.example tk_pub_1')).toBe(true);
    now += REFUSAL_QUIET_MS - 1;
    expect(throttle.admits('https://a.example tk_pub_1')).toBe(false);
    now += 1;
    expect(throttle.admits('https://a.example tk_pub_1')).toBe(true);
  });

  it('writes at most so many lines a minute, however many origins are made up', () => {
    let now = 60_000 * 1000;
    const throttle = new RefusalThrottle(() => now);
    const admitted = Array.from({ length: 500 }, (_, i) => throttle.admits(`https://${i}.example tk_pub_1`));
    expect(admitted.filter(Boolean)).toHaveLength(REFUSAL_LINES_PER_MINUTE);
    now += 60_000;
    expect(throttle.admits('https://new.example tk_pub_1')).toBe(true);
  });
});
