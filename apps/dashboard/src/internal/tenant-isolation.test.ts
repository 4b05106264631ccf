import { randomBytes } from 'node:crypto';
import { loadConfig, newId, OwnerTokens } from '@threadkit/core';
import { connectRedis, type RunningServer, startServer } from '@threadkit/server';
import { freePort, GENEROUS_RATE_LIMITS, RefusedHandshake, startRedis, TestSocket } from '@threadkit/testing';
import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OwnerPlans } from '../billing/plans';
import type { DatabaseHandle } from '../db/database';
import { owners } from '../db/schema';
import { databaseEngines } from '../db/test-databases';
import { Sites, type SiteView } from '../sites/sites';
import { internalApi } from './api';
import { serveFetch } from './serve.testing';

/**
 * Tenant isolation in MODE=saas: every operation of the API, as the server's
 * own OpenAPI document lists them, is called with every kind of credential of
 * site B (reader, commenter, moderator, owner by secret key and by owner
 * token) and with A's credentials on B's key, naming A's ids wherever an
 * operation takes one; then the live gateway the same way. Nothing of A may
 * come back, and A's keys in Redis must be byte for byte what they were.
 */

const SECRET = randomBytes(32).toString('base64url');
const pglite = databaseEngines().find((engine) => engine.name === 'pglite')!;
const ORIGIN_A = 'https://a.example';
const ORIGIN_B = 'https://b.example';
const PASSWORD = 'correct horse battery staple';
/** In every text of A, so that any of it in an answer to B is found. */
const MARK = 'A-PRIVATE';
/** More links than the default `max_links` (5): the comment is held for review. */
const HELD = Array.from({ length: 6 }, (_, i) => `https://link${i}.example`).join(' ');

let handle: DatabaseHandle;
let dashboard: { url: string; close(): Promise<void> };
let redisServer: Awaited<ReturnType<typeof startRedis>>;
let connection: Awaited<ReturnType<typeof connectRedis>>;
let server: RunningServer;
let siteA: SiteView;
let siteB: SiteView;
let secretB: string;
const ownerTokens = new OwnerTokens(SECRET);

/** What A holds, by name, to be put into B's requests. */
const a = {
  root: '',
  reply: '',
  held: '',
  ada: { id: '', token: '' },
  mod: { id: '', token: '' },
  session: '',
  notification: '',
  page: '',
};

type Call = InjectOptions & { token?: string; origin?: string | null; key?: string };

async function call(site: SiteView, { token, origin, key, headers, ...options }: Call) {
  const fallbackOrigin = site.id === siteA.id ? ORIGIN_A : ORIGIN_B;
  const sent = origin === undefined ? fallbackOrigin : origin;
  return server.app!.inject({
    ...options,
    headers: {
      projectid: key ?? site.publicKey,
      ...(sent ? { origin: sent } : {}),
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...headers,
    },
  });
}

async function ok(site: SiteView, options: Call) {
  const response = await call(site, options);
  expect(response.statusCode, `${options.method} ${options.url}: ${response.body}`).toBeLessThan(300);
  return response.body ? response.json() : null;
}

async function account(site: SiteView, name: string, email: string) {
  const body = await ok(site, {
    method: 'POST',
    url: '/v1/auth/register',
    payload: { name, email, password: PASSWORD },
  });
  return { id: body.user.id as string, token: body.token as string };
}

const ownerToken = (site: SiteView) => ownerTokens.sign({ ownerId: 'olivia', siteId: site.id });

async function promote(site: SiteView, userId: string) {
  await ok(site, {
    method: 'POST',
    url: `/v1/sites/${site.id}/moderators`,
    token: await ownerToken(site),
    origin: null,
    payload: { user_id: userId },
  });
}

/** Every key of A, dumped: any change to A shows. */
async function snapshotOfA(): Promise<Map<string, string>> {
  // What A's own requests left to be written (usage, rate-limit counts) is written first.
  await Promise.all([server.context.usage.flush(), server.context.rateLimiter.flush()]);
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, found] = await connection.redis.scan(cursor, 'MATCH', `tk:{${siteA.id}}*`, 'COUNT', 1000);
    cursor = next;
    keys.push(...found);
  } while (cursor !== '0');
  keys.sort();
  const dumps = await Promise.all(keys.map((key) => connection.redis.dumpBuffer(key)));
  return new Map(keys.map((key, i) => [key, dumps[i]?.toString('base64') ?? 'gone']));
}

beforeAll(async () => {
  [handle, redisServer] = await Promise.all([pglite.open('tenants'), startRedis()]);
  const sites = new Sites(handle.db);
  dashboard = await serveFetch(internalApi({ secret: SECRET, sites }));
  const [httpPort, wsPort] = [await freePort(), await freePort()];
  const config = loadConfig({
    MODE: 'saas',
    INTERNAL_API_URL: dashboard.url,
    INTERNAL_API_SECRET: SECRET,
    REDIS_URL: redisServer.url,
    HTTP_HOST: '127.0.0.1',
    HTTP_PORT: String(httpPort),
    WS_HOST: '127.0.0.1',
    WS_PORT: String(wsPort === httpPort ? await freePort() : wsPort),
    LOG_LEVEL: 'silent',
    RATE_LIMITS: GENEROUS_RATE_LIMITS,
  });
  connection = await connectRedis(config, () => {});
  server = await startServer(config, connection);
  const [owner] = (await handle.db
    .insert(owners)
    .values({ id: newId(), email: 'olivia@example.com', emailVerifiedAt: new Date() })
    .returning()) as [typeof owners.$inferSelect];
  await new OwnerPlans(handle.db).grant(owner!.id, 'business');
  siteA = (await sites.create(owner!, { name: 'A', domain: 'a.example', allowedOrigins: [ORIGIN_A] })).site;
  ({ site: siteB, secretKey: secretB } = await sites.create(owner!, {
    name: 'B',
    domain: 'b.example',
    allowedOrigins: [ORIGIN_B],
  }));

  // Site A: a thread with a reply, votes, a report, a held comment, a moderator, a notification.
  a.ada = await account(siteA, `Ada ${MARK}`, 'ada@a.example');
  a.mod = await account(siteA, `Mod ${MARK}`, 'mod@a.example');
  await promote(siteA, a.mod.id);
  const post = (token: string, content: string, parent?: string) =>
    ok(siteA, {
      method: 'POST',
      url: '/v1/comments',
      token,
      payload: {
        page_key: 'post',
        page_url: `${ORIGIN_A}/post`,
        content,
        ...(parent ? { parent_id: parent } : {}),
      },
    }).then((body) => body.comment.i as string);
  a.root = await post(a.ada.token, `Root ${MARK}`);
  a.reply = await post(a.mod.token, `Reply ${MARK} to @Ada`, a.root);
  a.held = await post(a.ada.token, `Held ${MARK} ${HELD}`);
  await ok(siteA, {
    method: 'POST',
    url: `/v1/comments/${a.reply}/vote`,
    token: a.ada.token,
    payload: { direction: 'up' },
  });
  await ok(siteA, {
    method: 'POST',
    url: `/v1/comments/${a.reply}/report`,
    token: a.ada.token,
    payload: { reason: 'spam', details: MARK },
  });
  a.page = (await ok(siteA, { method: 'GET', url: '/v1/comments?page_key=post' })).page_id;
  a.session = (
    await ok(siteA, { method: 'GET', url: '/v1/users/me/sessions', token: a.ada.token })
  ).sessions[0].id;
  a.notification = (
    await ok(siteA, { method: 'GET', url: '/v1/notifications', token: a.ada.token })
  ).notifications[0].id;
  expect([a.page, a.session, a.notification].every(Boolean)).toBe(true);
});
afterAll(async () => {
  await server?.close();
  await connection?.close();
  await redisServer?.stop();
  await dashboard?.close();
  await handle?.close();
});

/** What of A an answer to B must never hold. */
const secretsOfA = () => [
  MARK,
  a.root,
  a.reply,
  a.held,
  a.ada.id,
  a.mod.id,
  a.session,
  a.notification,
  siteA.id,
];

interface Operation {
  method: string;
  path: string;
  params: string[];
  body: { required?: string[]; properties?: Record<string, Schema> } | null;
}
type Schema = {
  type?: string | string[];
  enum?: unknown[];
  minimum?: number;
  items?: Schema;
  anyOf?: Schema[];
};

/** Values naming A wherever an operation takes an id, and plausible ones elsewhere. */
function pathValue(path: string, param: string): string {
  if (param === 'comment_id') return a.reply;
  if (param === 'user_id') return a.mod.id;
  if (param === 'provider') return 'google';
  if (param === 'id') {
    if (path.startsWith('/v1/sites/')) return siteA.id;
    if (path.startsWith('/v1/users/me/sessions')) return a.session;
    if (path.startsWith('/v1/users/')) return a.ada.id;
    if (path.startsWith('/v1/notifications')) return a.notification;
    return a.reply;
  }
  return 'x';
}

const BODY_VALUES: Record<string, unknown> = {
  content: 'From B',
  page_url: `${ORIGIN_B}/post`,
  page_key: 'post',
  parent_id: '',
  comment_ids: [],
  comment_id: '',
  user_id: '',
  direction: 'up',
  reason: 'spam',
  action: 'approve',
  name: 'Bea',
  email: 'bea@b.example',
  password: PASSWORD,
  ids: [],
};

function bodyFor(operation: Operation): Record<string, unknown> | undefined {
  if (!operation.body) return undefined;
  const body: Record<string, unknown> = {};
  for (const [name, schema] of Object.entries(operation.body.properties ?? {})) {
    const required = operation.body.required?.includes(name);
    if (name === 'parent_id' || name === 'comment_id') body[name] = a.reply;
    else if (name === 'user_id') body[name] = a.mod.id;
    else if (name.endsWith('ids')) body[name] = [a.reply, a.held];
    else if (required || name in BODY_VALUES) body[name] = BODY_VALUES[name] ?? sample(schema);
  }
  return body;
}

function sample(schema: Schema): unknown {
  if (schema.enum) return schema.enum[0];
  if (schema.anyOf) return sample(schema.anyOf[0]!);
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  if (type === 'integer' || type === 'number') return schema.minimum ?? 1;
  if (type === 'boolean') return true;
  if (type === 'array') return schema.items ? [sample(schema.items)] : [];
  if (type === 'object') return {};
  return 'x';
}

async function operations(): Promise<Operation[]> {
  const document = (await server.app!.inject({ method: 'GET', url: '/openapi.json' })).json() as {
    paths: Record<
      string,
      Record<
        string,
        {
          parameters?: { in: string; name: string }[];
          requestBody?: { content?: Record<string, { schema?: Operation['body'] }> };
        }
      >
    >;
  };
  const found: Operation[] = [];
  for (const [template, methods] of Object.entries(document.paths)) {
    if (!template.startsWith('/v1/')) continue;
    for (const [method, operation] of Object.entries(methods)) {
      const params = (operation.parameters ?? []).filter((p) => p.in === 'path').map((p) => p.name);
      const body = operation.requestBody?.content?.['application/json']?.schema ?? null;
      found.push({ method: method.toUpperCase(), path: template, params, body });
    }
  }
  return found;
}

/** B's callers, fresh for each operation (a call may sign out, change its password or erase its account). */
let made = 0;
async function callersOfB(): Promise<{ name: string; options: Partial<Call> }[]> {
  const guest = await ok(siteB, { method: 'POST', url: '/v1/auth/guest', payload: { name: 'Bob' } });
  const mod = await account(siteB, `Keeper ${++made}`, `mod${made}@b.example`);
  await promote(siteB, mod.id);
  return [
    { name: 'B reader', options: {} },
    { name: 'B commenter', options: { token: guest.token } },
    { name: 'B moderator', options: { token: mod.token } },
    { name: 'B owner (secret key)', options: { key: secretB, origin: null } },
    { name: 'B owner (owner token)', options: { token: await ownerToken(siteB), origin: null } },
    { name: "A's commenter on B's key", options: { token: a.ada.token } },
    { name: "A's owner token on B's key", options: { token: await ownerToken(siteA), origin: null } },
  ];
}

describe('tenant isolation', () => {
  it('answers nothing of A and changes nothing of A, on every operation with every credential of B', async () => {
    const before = await snapshotOfA();
    const list = await operations();
    expect(list.length).toBeGreaterThan(40);
    const leaks: string[] = [];
    for (const operation of list) {
      const url = operation.path.replace(/\{(\w+)\}/g, (_, param: string) =>
        encodeURIComponent(pathValue(operation.path, param)),
      );
      // Query parameters that pick a page name B's page of the same key and path as A's.
      const query = operation.method === 'GET' && operation.path === '/v1/comments' ? '?page_key=post' : '';
      for (const { name, options } of await callersOfB()) {
        const response = await call(siteB, {
          method: operation.method as InjectOptions['method'],
          url: `${url}${query}`,
          ...(operation.body ? { payload: bodyFor(operation) } : {}),
          ...options,
        });
        const what = `${operation.method} ${operation.path} as ${name}: ${response.statusCode}`;
        for (const secret of secretsOfA())
          if (response.body.includes(secret)) leaks.push(`${what} shows ${secret}`);
        // An operation on one of A's ids is refused, whoever asks on B's key.
        if (operation.params.some((p) => p !== 'provider') && response.statusCode < 400)
          leaks.push(`${what} accepted`);
      }
    }
    expect(leaks).toEqual([]);
    const after = await snapshotOfA();
    const changed = [...new Set([...before.keys(), ...after.keys()])].filter(
      (key) => before.get(key) !== after.get(key),
    );
    expect(changed).toEqual([]);
    // Some 60 operations × 7 callers, each operation with a new account (argon2id): long on a loaded machine.
  }, 240_000);

  it('relays nothing of A to live connections on B’s key, whatever page id they name', async () => {
    const watcherOfA = await TestSocket.open(server.wsUrl!, { projectId: siteA.publicKey, origin: ORIGIN_A });
    await watcherOfA.subscribe(a.page);
    const guest = await ok(siteB, { method: 'POST', url: '/v1/auth/guest', payload: { name: 'Bob' } });
    const readerOfB = await TestSocket.open(server.wsUrl!, { projectId: siteB.publicKey, origin: ORIGIN_B });
    const commenterOfB = await TestSocket.open(server.wsUrl!, {
      projectId: siteB.publicKey,
      origin: ORIGIN_B,
      token: guest.token,
    });
    for (const socket of [readerOfB, commenterOfB]) {
      // A's page id, on B's key, is a page of B's: empty, and deaf to A.
      await socket.subscribe(a.page);
      socket.send('resync', { page_id: a.page, since: 0 });
    }
    commenterOfB.send('typing', { page_id: a.page, reply_to: null });

    await ok(siteA, {
      method: 'POST',
      url: '/v1/comments',
      token: a.ada.token,
      payload: { page_key: 'post', page_url: `${ORIGIN_A}/post`, content: `Live ${MARK}` },
    });
    await ok(siteA, {
      method: 'POST',
      url: `/v1/comments/${a.root}/vote`,
      token: a.mod.token,
      payload: { direction: 'up' },
    });
    await watcherOfA.next('new_comment');
    await watcherOfA.next('vote_update');
    // A's events reached A's reader; B's, asked after them, have had every chance to arrive.
    for (const socket of [readerOfB, commenterOfB]) {
      socket.send('ping');
      await socket.next('pong');
      const heard = JSON.stringify(socket.received);
      for (const secret of secretsOfA()) expect(heard, `${secret} in ${heard}`).not.toContain(secret);
      expect(socket.received.map((m) => m.method)).not.toContain('new_comment');
    }
    expect(watcherOfA.take('typing')).toEqual([]);

    // A's token on B's key is no token; A's key from B's origin opens nothing.
    const crossed = await TestSocket.open(server.wsUrl!, {
      projectId: siteB.publicKey,
      origin: ORIGIN_B,
      token: a.ada.token,
    });
    expect((await crossed.closed).code).toBe(4001);
    const refused = await TestSocket.open(server.wsUrl!, {
      projectId: siteA.publicKey,
      origin: ORIGIN_B,
    }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(RefusedHandshake);
    expect((refused as RefusedHandshake).status).toBe(403);
    for (const socket of [watcherOfA, readerOfB, commenterOfB]) socket.close();
  });
});
