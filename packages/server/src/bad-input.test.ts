import { ERROR_CODES } from '@threadkit/core';
import { startTestApi, TEST_ORIGIN, type TestApi } from '@threadkit/testing';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * Bad input of every kind on every route, with every kind of credential: the
 * operations come from the server's own OpenAPI document, so a new route is
 * fuzzed as soon as it is documented. Every answer must be a status the
 * operation documents, with a body that matches the schema documented for it
 * (a JSON error with a registered code and that code's status when it fails);
 * never a 500; and the server stays up.
 */

type Schema = {
  type?: string | string[];
  format?: string;
  enum?: unknown[];
  anyOf?: Schema[];
  oneOf?: Schema[];
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  minimum?: number;
  $ref?: string;
};

interface Operation {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE' | 'PATCH';
  path: string;
  pathParams: string[];
  query: { name: string; schema: Schema }[];
  body: Schema | null;
  /** Each documented status, with a validator of its JSON body when it documents one. */
  responses: Map<number, ValidateFunction | null>;
  /** Each documented status's content types other than JSON (the site export's JSON lines). */
  otherTypes: Map<number, string[]>;
}

interface Caller {
  name: string;
  headers: (guestToken: string) => Record<string, string>;
  /** Whether the fuzzed comment is the caller's own (so edits and deletes reach the store). */
  authorsComment?: boolean;
  /** A staff role the caller's guest account is given first. */
  role?: 'moderator' | 'admin';
}

const PAGE = 'https://blog.example.com/fuzz';
/** Operations whose body is an uploaded file, not JSON. */
const TAKES_FILES = new Set(['/v1/imports']);
const HUGE = 200 * 1024;

/** Strings that tend to break parsers, sanitisers, storage or logs. */
const ODD_STRINGS = [
  '\ud800', // lone high surrogate
  'a\udc00b\ud800', // lone low and high surrogates
  '\u202eevil\u202c', // right-to-left override
  '\u200f\u200e\u061c', // RTL/LTR marks
  '\u200b\u200c\u200d\u2060\ufeff', // zero-width characters and BOM
  '👩‍👩‍👧‍👦🏳️‍🌈💥', // emoji with joiners
  'nul\u0000byte',
  '\u0000',
  'Z̴̡̪͎̈́ͅa̸̢̛̗lgo', // stacked combining marks
  '\uffff\ufffe\ufffd',
  '𝕏𐍈\u{10ffff}', // astral plane
  '\r\n\t\u000b\u000c\u0085\u2028\u2029',
  '<script>alert(1)</script><img src=x onerror=alert(1)>',
  '"; DROP TABLE comments; --',
  '{{7*7}}$\u007b7*7}', // template injection, spelled so it is not a placeholder
  '%00%ZZ%ED%A0%80',
  '../../etc/passwd',
  ' ',
  '',
];

/** An array nested `depth` levels deep. */
const nested = (depth: number): unknown => {
  let value: unknown = [];
  for (let i = 0; i < depth; i++) value = [value];
  return value;
};

/** Values of every JSON type, for "wrong type" probes. */
const WRONG_TYPES: unknown[] = [
  0,
  -1,
  1.5,
  1e308,
  true,
  false,
  null,
  {},
  { nested: { deeper: [1, 2, 3] } },
  [],
  ['x'],
  [null],
  [{ a: 1 }],
  { deep: nested(100) },
  'x'.repeat(50_000),
  ...ODD_STRINGS,
];

const MALFORMED_JSON = [
  '{',
  '}',
  '{"a":',
  '{"a":1,}',
  "{'a':1}",
  '{a:1}',
  '[1,2',
  'undefined',
  'NaN',
  '{"a":1}{"b":2}',
  '{"a":"\\x41"}',
  '{"a":"\\ud800"',
  '\u0000',
  '\ufeff{}',
  '{"__proto__":{"polluted":true}}',
  '{"constructor":{"prototype":{"polluted":true}}}',
  `${'['.repeat(5000)}${']'.repeat(5000)}`,
  `${'{"a":'.repeat(2000)}1${'}'.repeat(2000)}`,
];

const TOP_LEVEL_WRONG = ['[]', '[{}]', '"a string"', '42', '-0', 'null', 'true', '""'];

/** Raw bytes that are not valid UTF-8 (a CESU-8 surrogate, a stray continuation byte, an overlong NUL). */
const INVALID_UTF8 = [
  Buffer.concat([Buffer.from('{"content":"'), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from('"}')]),
  Buffer.concat([Buffer.from('{"name":"'), Buffer.from([0x80, 0xff, 0xfe]), Buffer.from('"}')]),
  Buffer.concat([Buffer.from('{"direction":"'), Buffer.from([0xc0, 0x80]), Buffer.from('"}')]),
];

const BAD_PATH_PARAMS = [
  'not-a-uuid',
  '00000000-0000-0000-0000-000000000000',
  'FFFFFFFF-FFFF-7FFF-BFFF-FFFFFFFFFFFF',
  '{0190f5d2-0000-7000-8000-000000000001}',
  '0190f5d2000070008000000000000001',
  '%00',
  '%ZZ',
  '%',
  '%ED%A0%80',
  '..',
  '%2E%2E%2F%2E%2E',
  encodeURIComponent('💥'),
  encodeURIComponent('\u202e'),
  'x'.repeat(101),
  'x'.repeat(5000),
  '-1',
  '1e309',
];

const BAD_QUERY_VALUES = [
  '',
  'abc',
  '-1',
  '0',
  '1.5',
  '1e309',
  '0x10',
  'NaN',
  'Infinity',
  '%00',
  '%ZZ',
  '%',
  '%ED%A0%80',
  encodeURIComponent('👩‍👩‍👧‍👦'),
  encodeURIComponent('\u202e\u200b'),
  encodeURIComponent('javascript:alert(1)'),
  encodeURIComponent('http://[::1'),
  'x'.repeat(5000),
];

let api: TestApi;
let operations: Operation[];

beforeAll(async () => {
  api = await startTestApi();
  const response = await api.app.inject({ method: 'GET', url: '/openapi.json' });
  expect(response.statusCode).toBe(200);
  operations = operationsOf(response.json(), response.body);
});
afterAll(async () => {
  await api?.stop();
});

interface OpenApiOperation {
  parameters?: { in: string; name: string; schema: Schema }[];
  requestBody?: { content?: Record<string, { schema: Schema }> };
  responses?: Record<string, { content?: Record<string, { schema: Schema }> }>;
}

function operationsOf(
  doc: { paths: Record<string, Record<string, OpenApiOperation>> },
  raw: string,
): Operation[] {
  // The document is loaded as one schema, so that its response schemas' `#/components/...` references resolve.
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats.default(ajv);
  ajv.addSchema(JSON.parse(raw), 'openapi');
  const pointer = (...parts: string[]) =>
    parts.map((p) => p.replaceAll('~', '~0').replaceAll('/', '~1')).join('/');
  const found: Operation[] = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    if (!path.startsWith('/v1/')) continue;
    for (const method of ['get', 'post', 'put', 'delete', 'patch'] as const) {
      const operation = item[method];
      if (!operation) continue;
      const parameters = operation.parameters ?? [];
      found.push({
        method: method.toUpperCase() as Operation['method'],
        path,
        pathParams: parameters.filter((p) => p.in === 'path').map((p) => p.name),
        query: parameters.filter((p) => p.in === 'query').map((p) => ({ name: p.name, schema: p.schema })),
        body: operation.requestBody?.content?.['application/json']?.schema ?? null,
        responses: new Map(
          Object.entries(operation.responses ?? {}).map(([status, documented]) => [
            Number(status),
            documented.content?.['application/json']?.schema
              ? ajv.compile({
                  $ref: `openapi#/${pointer('paths', path, method, 'responses', status, 'content', 'application/json', 'schema')}`,
                })
              : null,
          ]),
        ),
        otherTypes: new Map(
          Object.entries(operation.responses ?? {}).map(([status, documented]) => [
            Number(status),
            Object.keys(documented.content ?? {}).filter((type) => type !== 'application/json'),
          ]),
        ),
      });
    }
  }
  return found;
}

/** A plausible value for a schema, so that one field at a time can be broken. */
function sample(schema: Schema, name: string, ids: { comment: string }): unknown {
  const branch = schema.anyOf?.[0] ?? schema.oneOf?.[0];
  if (branch) return sample(branch, name, ids);
  if (schema.enum) return schema.enum[0];
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  switch (type) {
    case 'integer':
    case 'number':
      return schema.minimum ?? 1;
    case 'boolean':
      return true;
    case 'array':
      return [sample(schema.items ?? {}, name, ids)];
    case 'object': {
      const value: Record<string, unknown> = {};
      for (const [key, property] of Object.entries(schema.properties ?? {})) {
        if (key === 'page_key' || key === 'parent_id') continue; // optional identity knobs
        value[key] = sample(property, key, ids);
      }
      return value;
    }
    default:
      if (schema.format === 'uuid') return ids.comment;
      if (name.endsWith('url')) return PAGE;
      return `fuzz ${name}`;
  }
}

function urlOf(operation: Operation, pathValue: string, query = ''): string {
  let url = operation.path;
  for (const param of operation.pathParams) url = url.replace(`{${param}}`, pathValue);
  const base = operation.query.some((q) => q.name === 'page_url')
    ? `page_url=${encodeURIComponent(PAGE)}`
    : '';
  const search = [base, query].filter(Boolean).join('&');
  return search ? `${url}?${search}` : url;
}

interface Probe {
  what: string;
  request: InjectOptions;
  /** The status this probe must get once its credentials are accepted (they are checked before the body is read). */
  expect?: number;
}

function probesFor(operation: Operation, commentId: string): Probe[] {
  const probes: Probe[] = [];
  const ids = { comment: commentId };
  const valid = operation.body ? (sample(operation.body, 'body', ids) as Record<string, unknown>) : undefined;
  const url = urlOf(operation, commentId);
  const method = operation.method;
  const json = (what: string, payload: unknown, extra: Partial<Probe> = {}) =>
    probes.push({
      what,
      request: { method, url, payload: JSON.stringify(payload), headers: JSON_TYPE },
      ...extra,
    });
  const rawBody = (what: string, payload: string | Buffer, contentType = 'application/json') =>
    probes.push({ what, request: { method, url, payload, headers: { 'content-type': contentType } } });

  probes.push({ what: 'baseline', request: { method, url, ...(valid ? { payload: valid } : {}) } });

  if (method !== 'GET') {
    for (const payload of MALFORMED_JSON) rawBody(`malformed JSON ${payload.slice(0, 30)}`, payload);
    for (const payload of TOP_LEVEL_WRONG) rawBody(`top-level ${payload}`, payload);
    for (const payload of INVALID_UTF8) rawBody('invalid UTF-8 bytes', payload);
    rawBody('empty JSON body', '');
    rawBody('form body', 'content=hello&page_url=x', 'application/x-www-form-urlencoded');
    rawBody('XML body', '<content>hello</content>', 'application/xml');
    rawBody('text body', 'hello', 'text/plain');
    rawBody('JSON with a bogus charset', JSON.stringify(valid ?? {}), 'application/json; charset=utf-7');
    rawBody('multipart', '--x\r\n\r\nhello\r\n--x--', 'multipart/form-data; boundary=x');
    // An import's body is a file, with a limit of its own (IMPORT_MAX_BYTES): 200 KB is no size for it.
    if (!TAKES_FILES.has(operation.path)) {
      json('200 KB string body', 'x'.repeat(HUGE), { expect: 413 });
      json('200 KB object body', { ...(valid ?? {}), content: 'x'.repeat(HUGE) }, { expect: 413 });
    }
    json('many keys', Object.fromEntries(Array.from({ length: 5000 }, (_, i) => [`k${i}`, i])));
  }

  if (operation.body && valid) {
    json('unknown field', { ...valid, zzz_unknown: 1 });
    json('unknown fields only', { a: 1, b: [2], c: { d: 3 } });
    json('empty object', {});
    for (const property of Object.keys(operation.body.properties ?? {})) {
      for (const value of WRONG_TYPES) {
        const label = typeof value === 'string' ? JSON.stringify(value.slice(0, 20)) : JSON.stringify(value);
        json(`${property} = ${label?.slice(0, 40)}`, { ...valid, [property]: value });
      }
      const { [property]: _dropped, ...without } = valid;
      json(`without ${property}`, without);
      // Deeper than JSON.stringify goes: written out by hand.
      const deep = `${'['.repeat(5000)}${']'.repeat(5000)}`;
      rawBody(
        `${property} nested 5 000 deep`,
        `${JSON.stringify(without).slice(0, -1)},"${property}":${deep}}`,
      );
    }
  }

  for (const value of operation.pathParams.length > 0 ? BAD_PATH_PARAMS : []) {
    probes.push({
      what: `path ${value.slice(0, 40)}`,
      request: { method, url: urlOf(operation, value), ...(valid ? { payload: valid } : {}) },
    });
  }

  for (const { name } of operation.query) {
    for (const value of BAD_QUERY_VALUES) {
      probes.push({
        what: `query ${name}=${value.slice(0, 30)}`,
        request: { method, url: urlOf(operation, commentId, `${name}=${value}`) },
      });
    }
    for (const extra of [`${name}=a&${name}=b`, `${name}[]=x`, `${name}[a]=b`, name, `${name}=&${name}=`]) {
      probes.push({ what: `query ${extra}`, request: { method, url: urlOf(operation, commentId, extra) } });
    }
  }
  probes.push({
    what: 'unknown query parameter',
    request: { method, url: urlOf(operation, commentId, 'zzz=1') },
  });
  probes.push({
    what: 'many query parameters',
    request: {
      method,
      url: urlOf(operation, commentId, Array.from({ length: 500 }, (_, i) => `q${i}=${i}`).join('&')),
    },
  });
  if (method === 'GET') {
    for (const etag of ['*', '"', 'W/"x"', 'x'.repeat(5000), '\u00ff']) {
      probes.push({
        what: `if-none-match ${etag.slice(0, 10)}`,
        request: { method, url, headers: { 'if-none-match': etag } },
      });
    }
  }
  for (const authorization of [
    'Bearer',
    'Bearer x.y.z',
    `Bearer ${'a'.repeat(10_000)}`,
    'Basic Og==',
    'Bearer \u00ff',
  ]) {
    probes.push({
      what: `authorization ${authorization.slice(0, 20)}`,
      request: { method, url, headers: { authorization }, ...(valid ? { payload: valid } : {}) },
    });
  }
  return probes;
}

const JSON_TYPE = { 'content-type': 'application/json' };

/** Responses whose body was checked against the schema their operation documents. */
let schemaChecked = 0;

/** What a response must look like, or a description of what is wrong with it. */
function problemWith(response: LightMyRequestResponse, probe: Probe, operation: Operation): string | null {
  const status = response.statusCode;
  if (status >= 500) return `status ${status}: ${response.body.slice(0, 200)}`;
  if (probe.expect !== undefined && status !== probe.expect && status !== 401)
    return `status ${status}, expected ${probe.expect}`;
  // A path parameter like `..` leads the URL out of the operation: the router's own 404 answers it.
  const unrouted = status === 404 && response.body.includes('"No route ');
  if (!operation.responses.has(status) && !unrouted)
    return `status ${status} is not documented: ${response.body.slice(0, 200)}`;
  // A documented JSON-lines answer (the site export): every line is JSON.
  const type = String(response.headers['content-type']).split(';')[0]!;
  if (status < 300 && type === 'application/x-ndjson' && operation.otherTypes.get(status)?.includes(type)) {
    const bad = response.body.split('\n').find((line) => {
      if (line === '') return false;
      try {
        JSON.parse(line);
        return false;
      } catch {
        return true;
      }
    });
    return bad === undefined ? null : `status ${status} with a line that is not JSON: ${bad.slice(0, 100)}`;
  }
  const validate = operation.responses.get(status);
  if (validate && response.body !== '') {
    let body: unknown;
    try {
      body = JSON.parse(response.body);
    } catch {
      return `status ${status} with a non-JSON body: ${response.body.slice(0, 100)}`;
    }
    schemaChecked++;
    if (!validate(body)) {
      return `status ${status} does not match its documented schema: ${ajvErrors(validate)}; ${response.body.slice(0, 200)}`;
    }
  }
  if (status < 300 || status === 304) {
    if (response.body === '') return null;
    try {
      JSON.parse(response.body);
      return null;
    } catch {
      return `status ${status} with a non-JSON body: ${response.body.slice(0, 100)}`;
    }
  }
  if (!String(response.headers['content-type']).startsWith('application/json'))
    return `status ${status} with content-type ${response.headers['content-type']}`;
  let body: { code?: string; error?: unknown };
  try {
    body = JSON.parse(response.body);
  } catch {
    return `status ${status} with a non-JSON body: ${response.body.slice(0, 100)}`;
  }
  if (!body.code || !Object.hasOwn(ERROR_CODES, body.code))
    return `unregistered error code ${JSON.stringify(body.code)}: ${response.body.slice(0, 200)}`;
  if (ERROR_CODES[body.code as keyof typeof ERROR_CODES].status !== status)
    return `code ${body.code} with status ${status}`;
  if (typeof body.error !== 'string' || body.error.length === 0) return 'no error message';
  return null;
}

const ajvErrors = (validate: ValidateFunction) =>
  (validate.errors ?? [])
    .slice(0, 3)
    .map((e) => `${e.instancePath || '/'} ${e.message}`)
    .join(', ');

/** A staff account per role, registered once; each call a new session of it (logout ends one). */
const staff = new Map<string, string>();
async function staffSession(role: 'moderator' | 'admin'): Promise<{ token: string; userId: string }> {
  let userId = staff.get(role);
  if (!userId) {
    const registered = await api.call({
      method: 'POST',
      url: '/v1/auth/register',
      payload: { name: `Fuzz ${role}`, email: `fuzz-${role}@example.com`, password: 'a long fuzz password' },
    });
    expect(registered.statusCode, registered.body).toBe(201);
    userId = registered.json().user.id as string;
    await api.promote(userId, role);
    staff.set(role, userId);
  }
  const { token } = await api.context.auth.startSession(api.site.id, userId);
  return { token, userId };
}

describe('bad input on every documented /v1 operation', () => {
  it('finds the operations in the OpenAPI document', () => {
    const names = operations.map((o) => `${o.method} ${o.path}`);
    expect(names).toEqual(
      expect.arrayContaining([
        'GET /v1/comments',
        'POST /v1/comments',
        'PUT /v1/comments/{id}',
        'DELETE /v1/comments/{id}',
        'POST /v1/comments/{id}/vote',
        'POST /v1/auth/guest',
        'POST /v1/auth/refresh',
      ]),
    );
    expect(operations.filter((o) => o.body).length).toBeGreaterThanOrEqual(6);
  });

  const callers: Caller[] = [
    {
      name: 'a guest commenter (public key, allowed origin, token)',
      headers: (token) => ({
        projectid: api.site.publicKey,
        origin: TEST_ORIGIN,
        authorization: `Bearer ${token}`,
      }),
    },
    {
      name: "the comment's author",
      headers: (token) => ({
        projectid: api.site.publicKey,
        origin: TEST_ORIGIN,
        authorization: `Bearer ${token}`,
      }),
      authorsComment: true,
    },
    {
      name: 'a moderator (public key, allowed origin, token)',
      headers: (token) => ({
        projectid: api.site.publicKey,
        origin: TEST_ORIGIN,
        authorization: `Bearer ${token}`,
      }),
      role: 'moderator',
    },
    {
      name: 'an admin (public key, allowed origin, token)',
      headers: (token) => ({
        projectid: api.site.publicKey,
        origin: TEST_ORIGIN,
        authorization: `Bearer ${token}`,
      }),
      role: 'admin',
    },
    {
      name: 'the owner (secret key, server to server)',
      headers: () => ({ projectid: api.site.secretKey }),
    },
    {
      name: 'an anonymous reader (public key, no token)',
      headers: () => ({ projectid: api.site.publicKey, origin: TEST_ORIGIN }),
    },
  ];

  for (const caller of callers) {
    it(`answers ${caller.name} only as documented: a listed status, a body matching its schema, never a 5xx`, async () => {
      const problems: string[] = [];
      const statuses = new Map<number, number>();
      let sent = 0;
      for (const operation of operations) {
        // Fresh credentials and a fresh comment per operation: logout and delete use them up.
        const guest = caller.role ? await staffSession(caller.role) : await api.guest('Fuzz guest');
        const headers = caller.headers(guest.token);
        const author = caller.authorsComment ? guest : await api.guest('Fuzz author');
        const created = await api.call({
          method: 'POST',
          url: '/v1/comments',
          token: author.token,
          payload: { page_url: PAGE, content: 'a comment to fuzz' },
        });
        expect(created.statusCode, created.body).toBe(201);
        const commentId = created.json().comment.i as string;

        for (const probe of probesFor(operation, commentId)) {
          const request = { ...probe.request, headers: { ...headers, ...probe.request.headers } };
          const response = await api.app.inject(request);
          sent++;
          statuses.set(response.statusCode, (statuses.get(response.statusCode) ?? 0) + 1);
          const problem = problemWith(response, probe, operation);
          if (problem) problems.push(`${operation.method} ${operation.path} [${probe.what}]: ${problem}`);
        }
        // Some probes are valid requests (the owner may lock the page or the site): open both again.
        for (const payload of [{}, { page_url: PAGE }]) {
          await api.owner({ method: 'POST', url: '/v1/moderation/unlock', payload });
        }
      }
      expect(problems).toEqual([]);
      // The run did reach the handlers and the validators, not just the key check.
      expect(sent).toBeGreaterThan(operations.length * 50);
      expect(statuses.get(400) ?? 0).toBeGreaterThan(100);
      expect(statuses.get(413) ?? 0).toBeGreaterThan(0);
      expect(schemaChecked).toBeGreaterThan(sent / 2);
      expect([...statuses.keys()].some((s) => s >= 200 && s < 300)).toBe(true);
    });
  }

  it('leaves the server healthy and working', async () => {
    const health = await api.app.inject({ method: 'GET', url: '/health' });
    expect(health.statusCode).toBe(200);
    expect(health.json()).toEqual({ status: 'ok' });
    // Some of the owner's requests were valid (`POST /moderation/lock {}` locks the whole site): open it again.
    expect((await api.owner({ method: 'POST', url: '/v1/moderation/unlock', payload: {} })).statusCode).toBe(
      204,
    );
    const { token } = await api.guest('After the storm');
    const posted = await api.call({
      method: 'POST',
      url: '/v1/comments',
      token,
      payload: { page_url: `${PAGE}/after`, content: 'still **here**' },
    });
    expect(posted.statusCode, posted.body).toBe(201);
    const list = await api.call({
      method: 'GET',
      url: `/v1/comments?page_url=${encodeURIComponent(`${PAGE}/after`)}`,
    });
    expect(list.statusCode).toBe(200);
    expect(list.json().tree.comments[0].h).toContain('<strong>here</strong>');
  });
});
