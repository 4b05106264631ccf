import { newId } from '@threadkit/core';
import { eventually, expectError, startTestApi, TEST_ORIGIN, type TestApi } from '@threadkit/testing';
import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * The operations side of the server (`api.md`, "Operations"): health, metrics, the OpenAPI document and docs page, security
 * headers, request-level errors, and fail-fast behaviour while Redis is down.
 */

let api: TestApi;
let token: string;
const PAGE = 'https://blog.example.com/operations';
const LIST = `/v1/comments?page_url=${encodeURIComponent(PAGE)}`;

beforeAll(async () => {
  api = await startTestApi();
  token = (await api.guest('Operator')).token;
});
afterAll(async () => {
  await api?.stop();
});

const post = (payload: InjectOptions['payload'], headers: Record<string, string> = {}) =>
  api.call({ method: 'POST', url: '/v1/comments', token, payload, headers });

describe('GET /health', () => {
  it('is 200 {status: ok} while Redis answers, with no key needed', async () => {
    const response = await api.app.inject({ method: 'GET', url: '/health' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ status: 'ok' });
  });
});

describe('GET /metrics', () => {
  const scrape = async () => {
    const response = await api.app.inject({ method: 'GET', url: '/metrics' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/plain/);
    return response.body;
  };
  const sample = (text: string, name: string, labels: Record<string, string>) => {
    const line = text
      .split('\n')
      .find(
        (l) =>
          l.startsWith(`${name}{`) && Object.entries(labels).every(([k, v]) => l.includes(`${k}="${v}"`)),
      );
    return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : 0;
  };

  it('counts requests by route pattern, method and status', async () => {
    const labels = { method: 'GET', route: '/v1/comments', status: '200' };
    const before = sample(await scrape(), 'threadkit_http_requests_total', labels);
    expect((await api.call({ method: 'GET', url: LIST })).statusCode).toBe(200);
    expect((await api.call({ method: 'GET', url: `${LIST}&sort=top` })).statusCode).toBe(200);
    const text = await scrape();
    expect(text).toContain('# TYPE threadkit_http_requests_total counter');
    expect(sample(text, 'threadkit_http_requests_total', labels)).toBe(before + 2);
  });

  it('labels parameterised routes by their pattern, never by the concrete URL', async () => {
    const id = newId();
    const response = await api.call({
      method: 'POST',
      url: `/v1/comments/${id}/vote`,
      token,
      payload: { direction: 'up' },
    });
    expectError(response, 404, 'not_found');
    const missing = await api.app.inject({ method: 'GET', url: `/no/such/route/${id}x` });
    expect(missing.statusCode).toBe(404);

    const text = await scrape();
    expect(
      sample(text, 'threadkit_http_requests_total', {
        method: 'POST',
        route: '/v1/comments/:id/vote',
        status: '404',
      }),
    ).toBeGreaterThanOrEqual(1);
    expect(text).not.toContain(id);
  });

  it('has a latency histogram per route and a Redis error counter', async () => {
    await api.call({ method: 'GET', url: LIST });
    const text = await scrape();
    expect(text).toContain('# TYPE threadkit_http_request_duration_seconds histogram');
    expect(text).toMatch(
      /^threadkit_http_request_duration_seconds_bucket\{[^}]*route="\/v1\/comments"[^}]*\} \d+/m,
    );
    expect(text).toMatch(
      /^threadkit_http_request_duration_seconds_count\{[^}]*route="\/v1\/comments"[^}]*\} \d+/m,
    );
    expect(text).toContain('# TYPE threadkit_redis_errors_total counter');
    expect(text).toMatch(/^threadkit_redis_errors_total \d+/m);
    // Process defaults come with the prefix too.
    expect(text).toMatch(/^threadkit_process_cpu_seconds_total /m);
  });
});

describe('GET /openapi.json and /docs', () => {
  it('is an OpenAPI 3.x document with every comments, auth and operations route', async () => {
    const response = await api.app.inject({ method: 'GET', url: '/openapi.json' });
    expect(response.statusCode).toBe(200);
    const doc = response.json();
    expect(doc.openapi).toMatch(/^3\.\d+\.\d+$/);
    expect(doc.info.title).toBeTruthy();
    const expected: Record<string, string[]> = {
      '/v1/comments': ['get', 'post'],
      '/v1/comments/counts': ['get'],
      '/v1/comments/{id}': ['put', 'delete'],
      '/v1/comments/{id}/vote': ['post'],
      '/v1/comments/{id}/report': ['post'],
      '/v1/comments/{id}/pin': ['post'],
      '/v1/comments/{id}/unpin': ['post'],
      '/v1/auth/guest': ['post'],
      '/v1/auth/refresh': ['post'],
      '/v1/auth/logout': ['post'],
      '/v1/auth/methods': ['get'],
      '/health': ['get'],
    };
    for (const [path, methods] of Object.entries(expected)) {
      expect(doc.paths, path).toHaveProperty([path]);
      for (const method of methods) expect(doc.paths[path], `${method} ${path}`).toHaveProperty([method]);
    }
    // Operations without a body schema are not documentation: no internal catch-alls.
    for (const path of Object.keys(doc.paths)) expect(path, 'documented path').not.toMatch(/\*/);
  });

  it('has the Comment and Error schemas as components, and routes refer to them', async () => {
    const doc = (await api.app.inject({ method: 'GET', url: '/openapi.json' })).json();
    const comment = doc.components.schemas.Comment;
    expect(comment).toBeDefined();
    for (const field of ['i', 'a', 'n', 't', 'h', 'u', 'd', 'c', 'r', 's', 'pid', 'e']) {
      expect(comment.properties, field).toHaveProperty([field]);
    }
    const error = doc.components.schemas.Error;
    expect(error.properties.code).toBeDefined();
    expect(JSON.stringify(error.properties.code)).toContain('origin_not_allowed');
    const created = doc.paths['/v1/comments'].post.responses['201'];
    expect(JSON.stringify(created)).toContain('#/components/schemas/Comment');
    expect(JSON.stringify(doc.paths['/v1/comments'].post.responses['400'])).toContain(
      '#/components/schemas/Error',
    );
    expect(doc.components.securitySchemes.projectid).toMatchObject({ type: 'apiKey', name: 'projectid' });
  });

  it('serves the /docs page as HTML whose scripts load from this server (CSP-friendly)', async () => {
    let url = '/docs';
    let response = await api.app.inject({ method: 'GET', url });
    for (let hops = 0; response.statusCode >= 300 && response.statusCode < 400 && hops < 5; hops++) {
      url = new URL(String(response.headers.location), `http://localhost${url}`).pathname;
      response = await api.app.inject({ method: 'GET', url });
    }
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/html/);
    expect(response.body).toMatch(/<html/i);
    const scripts = [...response.body.matchAll(/<script[^>]*\bsrc="([^"]+)"/g)].map((m) => m[1]!);
    expect(scripts.length).toBeGreaterThan(0);
    for (const src of scripts) {
      expect(src, 'same-origin script').not.toMatch(/^https?:/);
      const asset = await api.app.inject({
        method: 'GET',
        url: new URL(src, `http://localhost${url}`).pathname,
      });
      expect(asset.statusCode, src).toBe(200);
    }
    // No inline script, which the CSP (script-src 'self') would block.
    expect(response.body).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>\s*\S/);
  });

  it("carries the API's own title, description and icon, not the viewer's", async () => {
    const doc = (await api.app.inject({ method: 'GET', url: '/openapi.json' })).json();
    expect(doc.info.title).toBe('ThreadKit API');
    expect(doc.info.description).toContain('Authorize');
    expect(doc.info.description).toContain('projectid');
    expect(doc.info.description).not.toMatch(/swagger|fastify|owner token|dashboard/i);
    expect((await api.app.inject({ method: 'GET', url: '/docs/json' })).json().info).toEqual(doc.info);

    const page = await api.app.inject({ method: 'GET', url: '/docs/' });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('<title>ThreadKit API reference</title>');
    const icons = [...page.body.matchAll(/<link rel="icon"[^>]*href="([^"]+)"/g)].map((m) => m[1]!);
    expect(icons).toEqual(['./static/theme/favicon.svg']);
    const icon = await api.app.inject({ method: 'GET', url: '/docs/static/theme/favicon.svg' });
    expect([icon.statusCode, icon.headers['content-type']]).toEqual([200, 'image/svg+xml']);
    expect(icon.body).toMatch(/^<svg /);
    // The base layout: no top bar with the viewer's logo and its box to load other documents.
    const setup = await api.app.inject({ method: 'GET', url: '/docs/static/swagger-initializer.js' });
    expect(setup.body).toContain('"layout":"BaseLayout"');
  });
});

describe('security headers', () => {
  it('are on every kind of response: operations, API success, API error and 404', async () => {
    const responses = {
      health: await api.app.inject({ method: 'GET', url: '/health' }),
      list: await api.call({ method: 'GET', url: LIST }),
      error: await api.app.inject({ method: 'GET', url: LIST }),
      missing: await api.app.inject({ method: 'GET', url: '/nope' }),
    };
    for (const [name, response] of Object.entries(responses)) {
      const h = response.headers;
      expect(h['x-content-type-options'], name).toBe('nosniff');
      expect(String(h['content-security-policy']), name).toContain("default-src 'self'");
      expect(String(h['content-security-policy']), name).toContain("object-src 'none'");
      expect(h['x-frame-options'], name).toBe('SAMEORIGIN');
      expect(String(h['strict-transport-security']), name).toMatch(/max-age=\d+/);
      expect(h['referrer-policy'], name).toBeDefined();
      expect(h['x-powered-by'], name).toBeUndefined();
    }
  });
});

describe('request-level errors', () => {
  it('a body over 64 KiB is 413 too_large', async () => {
    const body = expectError(
      await post({ page_url: PAGE, content: 'x'.repeat(70 * 1024) }),
      413,
      'too_large',
    );
    expect(body.error).toBeTruthy();
    // Just under the limit the request is parsed (and then judged on its content).
    const under = await post({ page_url: PAGE, content: 'y'.repeat(60 * 1024) });
    expect(under.statusCode).not.toBe(413);
    expect(under.statusCode).toBeLessThan(500);
  });

  it('malformed JSON is 400 invalid_request', async () => {
    for (const payload of ['{"content": ', '{content: "x"}', "{'content':'x'}", '{"a":1}}', '\u0000']) {
      const body = expectError(
        await post(payload, { 'content-type': 'application/json' }),
        400,
        'invalid_request',
      );
      expect(body.field, payload).toBe('body');
    }
  });

  it('an empty JSON body where one is required is 400, and is no body at all where none is', async () => {
    expectError(await post('', { 'content-type': 'application/json' }), 400, 'invalid_request');
    const mine = await post({ page_url: PAGE, content: 'to be deleted' });
    expect(mine.statusCode, mine.body).toBe(201);
    const deleted = await api.call({
      method: 'DELETE',
      url: `/v1/comments/${mine.json().comment.i}`,
      token,
      headers: { 'content-type': 'application/json' },
      payload: '',
    });
    expect(deleted.statusCode, deleted.body).toBe(204);
  });

  it('a body that is not JSON is 400 invalid_request (the 415 is mapped)', async () => {
    for (const contentType of ['application/xml', 'application/x-www-form-urlencoded', 'text/plain']) {
      const body = expectError(
        await post('content=hello', { 'content-type': contentType }),
        400,
        'invalid_request',
      );
      expect(body.field, contentType).toBe('body');
    }
  });

  it('an unknown body field is 400 naming the field', async () => {
    const body = expectError(
      await post({ page_url: PAGE, content: 'hi', bogus: true }),
      400,
      'invalid_request',
    );
    expect(body.field).toBe('bogus');
    const vote = await api.call({
      method: 'POST',
      url: `/v1/comments/${newId()}/vote`,
      token,
      payload: { direction: 'up', weight: 10 },
    });
    expect(expectError(vote, 400, 'invalid_request').field).toBe('weight');
  });

  it('wrong types are 400 naming the field', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ page_url: PAGE, content: 123 }, 'content'],
      [{ page_url: PAGE, content: ['a'] }, 'content'],
      [{ page_url: 42, content: 'hi' }, 'page_url'],
      [{ page_url: PAGE, content: 'hi', parent_id: 'not-a-uuid' }, 'parent_id'],
      [{ page_url: PAGE }, 'content'],
    ];
    for (const [payload, field] of cases) {
      const body = expectError(await post(payload), 400, 'invalid_request');
      expect(body.field, JSON.stringify(payload)).toBe(field);
    }
    const vote = await api.call({
      method: 'POST',
      url: `/v1/comments/${newId()}/vote`,
      token,
      payload: { direction: 'sideways' },
    });
    expect(expectError(vote, 400, 'invalid_request').field).toBe('direction');
  });

  it('wrong query types are 400 naming the parameter', async () => {
    for (const [query, field] of [
      ['&limit=abc', 'limit'],
      ['&limit=0', 'limit'],
      ['&limit=201', 'limit'],
      ['&sort=sideways', 'sort'],
    ] as const) {
      const body = expectError(
        await api.call({ method: 'GET', url: `${LIST}${query}` }),
        400,
        'invalid_request',
      );
      expect(body.field, query).toBe(field);
    }
  });

  it('a path id that is not a UUID is 400 naming it', async () => {
    const response = await api.call({
      method: 'POST',
      url: '/v1/comments/not-a-uuid/vote',
      token,
      payload: { direction: 'up' },
    });
    expect(expectError(response, 400, 'invalid_request').field).toBe('id');
  });

  it('text that is not well-formed Unicode (a lone surrogate) is 400 naming the field, not a 500', async () => {
    for (const [payload, field] of [
      [{ page_url: PAGE, content: 'broken \ud83d half' }, 'content'],
      [{ page_url: PAGE, content: '\udc00' }, 'content'],
      [{ page_key: 'key-\ud800', content: 'hi' }, 'page_key'],
    ] as const) {
      const body = expectError(await post(payload), 400, 'invalid_request');
      expect(body.field, JSON.stringify(payload)).toBe(field);
    }
    const guest = expectError(
      await api.call({ method: 'POST', url: '/v1/auth/guest', payload: { name: 'Eve\ud800' } }),
      400,
      'invalid_request',
    );
    expect(guest.field).toBe('name');
    // Well-formed astral characters (surrogate pairs) are fine and round-trip.
    const ok = await post({ page_url: PAGE, content: 'family 👩‍👩‍👧‍👦 and 𝕏 \u202eltr\u202c' });
    expect(ok.statusCode, ok.body).toBe(201);
    expect(ok.json().comment.t).toBe('family 👩‍👩‍👧‍👦 and 𝕏 \u202eltr\u202c');
  });

  it('a malformed URL or an overlong path segment is 400 in the API error format', async () => {
    for (const segment of ['%ZZ', '%', '%ED%A0%80', 'x'.repeat(500)]) {
      const response = await api.call({
        method: 'POST',
        url: `/v1/comments/${segment}/vote`,
        token,
        payload: { direction: 'up' },
      });
      expect(expectError(response, 400, 'invalid_request').field, segment.slice(0, 10)).toBe('path');
    }
  });

  it('deeply nested JSON is a 400, not a stack overflow', async () => {
    for (const payload of [
      `${'['.repeat(20_000)}${']'.repeat(20_000)}`,
      `${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}`,
    ]) {
      expectError(await post(payload, { 'content-type': 'application/json' }), 400, 'invalid_request');
    }
    expect((await api.app.inject({ method: 'GET', url: '/health' })).statusCode).toBe(200);
  });

  it('an unknown route is 404 not_found as JSON, with or without a key', async () => {
    expectError(await api.app.inject({ method: 'GET', url: '/nope' }), 404, 'not_found');
    expectError(await api.call({ method: 'GET', url: '/v1/nope' }), 404, 'not_found');
    expectError(await api.call({ method: 'PATCH', url: '/v1/comments' }), 404, 'not_found');
    expectError(await api.app.inject({ method: 'GET', url: '/v1/nope' }), 404, 'not_found');
  });
});

// Last: it takes Redis away from everything above.
describe('while Redis is down', () => {
  it('fails fast with 503 unavailable and recovers by itself once Redis is back', async () => {
    const server = api.backend.server!;
    const other = await api.secondInstance();
    // Make the data survive the crash (the test server runs without AOF), then warm everything up.
    await api.redis.call('SAVE');
    expect((await api.call({ method: 'GET', url: LIST })).statusCode).toBe(200);
    const errorsBefore = Number(
      /^threadkit_redis_errors_total (\d+)/m.exec((await api.app.inject({ url: '/metrics' })).body)?.[1],
    );

    await server.kill();

    // Wait for the clients to notice the connection is gone (not for a fixed time).
    await eventually(
      'the clients to see Redis go',
      async () => [api.redis.status, api.context.redis.status],
      (s) => s.every((status) => status !== 'ready'),
      5000,
    );

    for (const app of [api.app, other]) {
      // The second instance has its own connection, which notices the loss on its own.
      await eventually(
        'this instance to see Redis go',
        async () => (await app.inject({ method: 'GET', url: '/health' })).statusCode,
        (status) => status === 503,
        5000,
      );
      const health = await app.inject({ method: 'GET', url: '/health' });
      expect(health.statusCode).toBe(503);
      expect(health.json()).toMatchObject({ status: 'unavailable', code: 'unavailable' });

      // An anonymous read may be answered from this instance's copy of the page for a
      // moment (at most the page-state age); once that is stale it needs Redis and fails.
      const list = await eventually(
        'reads to need Redis',
        () =>
          app.inject({
            method: 'GET',
            url: LIST,
            headers: { projectid: api.site.publicKey, origin: TEST_ORIGIN },
          }),
        (response) => response.statusCode !== 200,
        5000,
      );
      expectError(list, 503, 'unavailable');

      // Writes always need Redis: they fail at once rather than queue behind a reconnect.
      const write = await app.inject({
        method: 'POST',
        url: '/v1/comments',
        headers: { projectid: api.site.publicKey, origin: TEST_ORIGIN, authorization: `Bearer ${token}` },
        payload: { page_url: PAGE, content: 'during the outage' },
      });
      expectError(write, 503, 'unavailable');
    }

    // Metrics still work, and count the connection errors (reported as reconnect attempts fail).
    const metrics = await eventually(
      'the Redis error counter to go up',
      () => api.app.inject({ method: 'GET', url: '/metrics' }),
      (response) =>
        response.statusCode === 200 &&
        Number(/^threadkit_redis_errors_total (\d+)/m.exec(response.body)?.[1]) > errorsBefore,
      10_000,
    );
    expect(metrics.body).toMatch(
      /threadkit_http_requests_total\{[^}]*route="\/v1\/comments"[^}]*status="503"/,
    );

    await server.restart();

    for (const app of [api.app, other]) {
      await eventually(
        '/health to recover',
        async () => (await app.inject({ method: 'GET', url: '/health' })).statusCode,
        (status) => status === 200,
      );
      const list = await eventually(
        'reads to recover',
        () =>
          app.inject({
            method: 'GET',
            url: LIST,
            headers: { projectid: api.site.publicKey, origin: TEST_ORIGIN },
          }),
        (response) => response.statusCode === 200,
      );
      expect(list.json().page_id).toBeTruthy();
    }
    // Writes work again with the session made before the crash.
    const after = await post({ page_url: PAGE, content: 'after the outage' });
    expect(after.statusCode, after.body).toBe(201);
  });
});
