import { Readable } from 'node:stream';
import {
  type ExportLine,
  type ImportJobView,
  keys,
  type RedisClient,
  readThreadKitExport,
  runImport,
  sitePrefix,
  UrlMap,
} from '@threadkit/core';
import {
  eventually,
  type SmtpTestServer,
  startSmtpServer,
  startTestApi,
  TEST_ORIGIN,
  type TestApi,
} from '@threadkit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * `threadkit import threadkit` as a restore: a site built through the API on
 * one Redis is exported, restored through `POST /v1/imports` into a new site on
 * a second Redis, and exported again. The two exports must say the same thing,
 * line by line, but for what belongs to the target site (below); the threads
 * must read the same through the API to readers, to a shadow-banned author and
 * to a moderator; and a second restore must write nothing.
 */

const PASSWORD = 'correct horse battery';
const ARTICLE = `${TEST_ORIGIN}/articles/restore`;
const LOCKED = `${TEST_ORIGIN}/articles/locked`;
const KEYED = 'post-4711';
const KEYED_URL = `${TEST_ORIGIN}/keyed`;

let smtp: SmtpTestServer;
let source: TestApi;
let target: TestApi;
/** The rate limiter's clock of both servers: moved past the export budget's window before each export. */
let now = Date.now();
let exported = '';
let restoredReport: ImportJobView;

const built = {
  admin: { userId: '', token: '' },
  moderator: { userId: '', token: '' },
  shadow: { userId: '', token: '' },
  troll: '',
  erased: '',
  silent: '',
  deepest: '',
  pinned: '',
  held: '',
};

async function ok(response: Awaited<ReturnType<TestApi['call']>>, status?: number) {
  if (status) expect(response.statusCode, response.body).toBe(status);
  else expect([200, 201, 202, 204], response.body).toContain(response.statusCode);
  return response.statusCode === 204 ? null : response.json();
}

async function post(token: string, content: string, where: object, parentId?: string): Promise<string> {
  const body = await ok(
    await source.call({
      method: 'POST',
      url: '/v1/comments',
      token,
      payload: { ...where, content, ...(parentId ? { parent_id: parentId } : {}) },
    }),
    201,
  );
  return body.comment.i as string;
}

async function exportOf(api: TestApi): Promise<string> {
  now += 120_000;
  const response = await api.owner({ method: 'GET', url: '/v1/export' });
  expect(response.statusCode, response.body).toBe(200);
  return response.body;
}

/** Signs in by a one-time e-mail code, as anyone with the address can. */
async function signInByCode(api: TestApi, email: string): Promise<{ userId: string; token: string }> {
  const sent = await api.call({ method: 'POST', url: '/v1/auth/otp/send', payload: { email } });
  expect(sent.statusCode, sent.body).toBe(204);
  const code = await smtp.codeFor(email);
  const body = await ok(
    await api.call({ method: 'POST', url: '/v1/auth/otp/verify', payload: { email, code } }),
    200,
  );
  return { userId: body.user.id as string, token: body.token as string };
}

/** Restores an export into the target site through the API, and waits for the report. */
async function restore(text: string): Promise<ImportJobView> {
  const started = await target.owner({
    method: 'POST',
    url: '/v1/imports?format=threadkit',
    headers: { 'content-type': 'application/x-ndjson' },
    payload: text,
  });
  expect(started.statusCode, started.body).toBe(202);
  const { id } = started.json() as { id: string };
  const done = await eventually(
    'the restore is done',
    async () => (await target.owner({ method: 'GET', url: `/v1/imports/${id}` })).json() as ImportJobView,
    (view: ImportJobView) => view.status !== 'running',
    30_000,
  );
  expect(done.status, done.error ?? undefined).toBe('done');
  return done;
}

/**
 * An export's lines by type, in a stable order, with what must differ between
 * two sites taken out: the header's `exported_at` and `site_id`; the site
 * line's `id`, `name`, `domain` and `created_at` (the target site's own); and
 * page ids, each replaced by the page's URL and key (they derive from the site
 * and the page's identity), in page lines and in comments' `page_id`.
 */
function comparable(text: string) {
  const lines = text
    .trimEnd()
    .split('\n')
    .map((line) => JSON.parse(line) as ExportLine);
  const pageName = new Map<string, string>();
  for (const line of lines) if (line.type === 'page') pageName.set(line.id, `${line.url} ${line.key}`);
  const out: string[] = [];
  for (const line of lines) {
    if (line.type === 'header') {
      const { exported_at: _, site_id: __, ...rest } = line;
      out.push(JSON.stringify(rest));
    } else if (line.type === 'site') {
      const { id: _, name: __, domain: ___, created_at: ____, ...rest } = line;
      out.push(JSON.stringify(rest));
    } else if (line.type === 'page') out.push(JSON.stringify({ ...line, id: pageName.get(line.id) }));
    else if (line.type === 'comment')
      out.push(JSON.stringify({ ...line, page_id: pageName.get(line.page_id) ?? line.page_id }));
    else out.push(JSON.stringify(line));
  }
  // Within each kind, the order is the order Redis walks its keys: no particular one.
  const rank: Record<string, number> = { header: 0, site: 1, user: 2, page: 3, comment: 4, end: 5 };
  return out.sort((a, b) => {
    const ta = rank[JSON.parse(a).type] ?? 9;
    const tb = rank[JSON.parse(b).type] ?? 9;
    return ta - tb || (a < b ? -1 : a > b ? 1 : 0);
  });
}

/** Every key of a site with its contents (the epoch and version counters aside). */
async function contents(redis: RedisClient, siteId: string): Promise<Record<string, unknown>> {
  const found = new Set<string>();
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', `${sitePrefix(siteId)}*`, 'COUNT', 1000);
    cursor = next;
    for (const key of batch) found.add(key);
  } while (cursor !== '0');
  const out: Record<string, unknown> = {};
  for (const key of [...found].sort()) {
    // The import's own record (and its list), limits' windows and usage counts are not the
    // site's data: they count the requests themselves, some in batches written at any time.
    if (key.endsWith(':epoch') || /:imports?(:|$)/.test(key) || /:(limit|rl|usage):/.test(key)) continue;
    const type = await redis.type(key);
    if (type === 'string') out[key] = (await redis.getBuffer(key))?.toString('base64');
    else if (type === 'hash') {
      const { ver: _, ...fields } = await redis.hgetall(key);
      out[key] = fields;
    } else if (type === 'zset') out[key] = await redis.zrange(key, 0, -1, 'WITHSCORES');
    else if (type === 'list') out[key] = await redis.lrange(key, 0, -1);
    else if (type === 'set') out[key] = (await redis.smembers(key)).sort();
  }
  return out;
}

/** A page's whole thread through the API, as `token`'s holder (anonymous without one). */
async function thread(api: TestApi, query: string, token?: string) {
  const response = await api.call({
    method: 'GET',
    url: `/v1/comments?${query}&replies=50`,
    ...(token ? { token } : {}),
  });
  expect(response.statusCode, response.body).toBe(200);
  return response.json() as Record<string, unknown>;
}

beforeAll(async () => {
  smtp = await startSmtpServer();
  const options = { env: { SMTP_URL: smtp.url }, context: { clock: () => now } };
  [source, target] = await Promise.all([startTestApi(options), startTestApi(options)]);
  const site = source.site.id;

  // Non-default settings, and a secret (never exported: the target keeps its own).
  await ok(
    await source.owner({
      method: 'PUT',
      url: `/v1/sites/${site}/settings`,
      payload: {
        akismet_key: 'akismet-secret-of-the-source',
        word_filter: ['holdme'],
        word_filter_action: 'hold',
        max_comment_length: 4000,
        allowed_origins: [TEST_ORIGIN, 'https://www.example.com'],
      },
    }),
  );
  const register = (name: string, email: string) => source.register(name, email, PASSWORD);
  built.admin = await register('Ada Admin', 'ada@example.com');
  await source.promote(built.admin.userId, 'admin');
  // The moderator signs up by a code (proving the address), so they sign in to the restored site by one.
  built.moderator = await signInByCode(source, 'mo@example.com');
  await source.promote(built.moderator.userId, 'moderator');
  built.silent = (await register('Silent Sam', 'sam@example.com')).userId;
  await source.promote(built.silent, 'moderator');
  const bob = await source.guest('Bob Guest');
  const carol = await source.guest('Carol Guest');
  const troll = await source.guest('Troll');
  const lurker = await source.guest('Lurker');
  const shadow = await source.guest('Shadow');
  built.shadow = { userId: shadow.userId, token: shadow.token };
  built.troll = troll.userId;

  // Replies five levels deep under a pinned, voted root.
  const at = { page_url: ARTICLE };
  const root = await post(built.admin.token, 'The **first** root', at);
  const l2 = await post(bob.token, 'A reply', at, root);
  const l3 = await post(carol.token, 'A reply to the reply', at, l2);
  const l4 = await post(built.admin.token, 'Deeper', at, l3);
  built.deepest = await post(bob.token, 'Deeper still', at, l4);
  built.pinned = root;
  await ok(await source.owner({ method: 'POST', url: `/v1/comments/${root}/pin` }));
  for (const [voter, id, direction] of [
    [bob, root, 'up'],
    [carol, root, 'up'],
    [carol, l2, 'down'],
    [bob, l4, 'up'],
  ] as const)
    await ok(
      await source.call({
        method: 'POST',
        url: `/v1/comments/${id}/vote`,
        token: voter.token,
        payload: { direction },
      }),
    );
  const edited = await post(bob.token, 'Before the edit', at);
  await ok(
    await source.call({
      method: 'PUT',
      url: `/v1/comments/${edited}`,
      token: bob.token,
      payload: { content: 'After the edit' },
    }),
  );
  built.held = await post(carol.token, 'Please holdme for review', at);
  const rejected = await post(troll.token, 'Something rude', at);
  await ok(
    await source.call({
      method: 'POST',
      url: `/v1/moderation/reject/${rejected}`,
      token: built.moderator.token,
    }),
  );
  const placeholder = await post(lurker.token, 'Deleted, but answered', at);
  await post(bob.token, 'An answer that keeps it', at, placeholder);
  await ok(
    await source.call({ method: 'DELETE', url: `/v1/comments/${placeholder}`, token: lurker.token }),
    204,
  );

  await post(carol.token, 'On a keyed page', { page_key: KEYED, page_url: KEYED_URL });
  await post(bob.token, 'On the locked page', { page_url: LOCKED });
  await ok(
    await source.call({
      method: 'POST',
      url: '/v1/moderation/lock',
      token: built.moderator.token,
      payload: { page_url: LOCKED },
    }),
  );
  await post(built.moderator.token, 'A moderator, on the locked page', { page_url: LOCKED });

  const shadowed = await post(shadow.token, 'Nobody else sees this', at);
  await post(bob.token, 'A reply to the shadow', at, shadowed);
  await ok(await source.owner({ method: 'POST', url: `/v1/moderation/shadowban/${shadow.userId}` }));
  await ok(await source.owner({ method: 'POST', url: `/v1/moderation/ban/${troll.userId}`, payload: {} }));
  // An erased account: its comment stays, with its id and no user line ("[deleted]").
  const erased = await source.guest('Gone Soon');
  built.erased = erased.userId;
  await post(erased.token, 'My author will be erased', at, root);
  await ok(await source.call({ method: 'DELETE', url: '/v1/users/me', token: erased.token }), 204);

  exported = await exportOf(source);
  restoredReport = await restore(exported);
}, 120_000);

afterAll(async () => {
  await Promise.all([source?.stop(), target?.stop()]);
  await smtp?.stop();
});

describe('restoring a ThreadKit export', () => {
  it('writes every page, comment and commenter, and says which settings it set and which it kept', () => {
    const lines = exported
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as ExportLine);
    const end = lines.at(-1) as Extract<ExportLine, { type: 'end' }>;
    expect(restoredReport.comments).toEqual({ written: end.comments, present: 0 });
    expect(restoredReport.pages).toMatchObject({ written: end.pages, present: 0 });
    expect(restoredReport.authors).toEqual({ written: end.users, present: 0 });
    expect(restoredReport.skipped).toEqual([]);
    expect(restoredReport.changed).toEqual([]);
    expect(restoredReport.settings?.kept).toEqual(['akismet_key', 'moderation_api_key']);
    expect(restoredReport.settings?.applied).toContain('word_filter');
    expect(restoredReport.settings?.applied).toContain('allowed_origins');
  });

  it('exports again line for line as the source, but for what belongs to the target site', async () => {
    const again = await exportOf(target);
    expect(comparable(again)).toEqual(comparable(exported));
    // Comment and user ids are the source's own: permalinks keep working.
    expect(again).toContain(`"id":"${built.deepest}"`);
    expect(again).toContain(`"id":"${built.shadow.userId}"`);
    expect(again).toContain(`"author_id":"${built.erased}"`);
    expect(await target.redis.exists(keys.user(target.site.id, built.erased))).toBe(0);
  });

  it("keeps the target's secrets, and its own site's name and keys", async () => {
    const site = await target.context.sites.get(target.site.id);
    expect(site.settings.akismet_key ?? '').not.toBe('akismet-secret-of-the-source');
    expect(site.settings.word_filter).toEqual(['holdme']);
    expect(site.settings.max_comment_length).toBe(4000);
  });

  it('writes nothing when run again', async () => {
    const before = await contents(target.redis, target.site.id);
    const again = await restore(exported);
    expect(again.comments.written).toBe(0);
    expect(again.authors.written).toBe(0);
    expect(again.pages.written).toBe(0);
    expect(await contents(target.redis, target.site.id)).toEqual(before);
  });

  it('reads the same threads to readers, to the shadow-banned author and to a moderator', async () => {
    // The moderator proved their address: a code signs them in to their restored account.
    const moderator = await signInByCode(target, 'mo@example.com');
    expect(moderator.userId).toBe(built.moderator.userId);
    // A guest cannot sign in again (nothing that signs in is exported): a session is opened for them.
    const shadowTokens = await target.context.auth.startSession(target.site.id, built.shadow.userId);
    const viewers: [string, string | undefined, string | undefined][] = [
      ['anonymous', undefined, undefined],
      ['shadow-banned author', built.shadow.token, shadowTokens.token],
      ['moderator', built.moderator.token, moderator.token],
    ];
    const queries = [
      `page_url=${encodeURIComponent(ARTICLE)}`,
      `page_url=${encodeURIComponent(LOCKED)}`,
      `page_key=${KEYED}&page_url=${encodeURIComponent(KEYED_URL)}`,
    ];
    for (const query of queries)
      for (const [who, before, after] of viewers) {
        const original = await thread(source, query, before);
        const restored = await thread(target, query, after);
        expect(strip(restored), `${who}: ${query}`).toEqual(strip(original));
      }
    const anonymous = JSON.stringify(await thread(target, queries[0]!));
    expect(anonymous).not.toContain('Nobody else sees this');
    expect(anonymous).not.toContain('holdme');
    const own = JSON.stringify(await thread(target, queries[0]!, shadowTokens.token));
    expect(own).toContain('Nobody else sees this');
  });

  it('keeps roles, bans and shadow-bans in force', async () => {
    const site = target.site.id;
    expect(await target.redis.sismember(`${sitePrefix(site)}:role:moderator`, built.silent)).toBe(1);
    expect(await target.redis.sismember(`${sitePrefix(site)}:role:admin`, built.admin.userId)).toBe(1);
    expect(await target.redis.sismember(`${sitePrefix(site)}:ban`, built.troll)).toBe(1);
    expect(await target.redis.sismember(`${sitePrefix(site)}:sb`, built.shadow.userId)).toBe(1);
    await expect(target.context.auth.startSession(site, built.troll)).rejects.toThrow();
    const held = await target.owner({ method: 'GET', url: '/v1/moderation/queue' });
    expect(held.statusCode, held.body).toBe(200);
    expect(held.body).toContain(built.held);
    expect(held.body).toContain('word_filter: \\"holdme\\"');
    expect(await target.redis.hget(keys.user(site, built.admin.userId), 'password')).toBeNull();
  });

  it("keeps the target's allowed origins when the URL mapping moves the pages", async () => {
    const report = await runImport(target.redis, {
      siteId: target.site.id,
      format: 'threadkit',
      read: (skip) => readThreadKitExport(Readable.from([exported]), skip),
      urlMap: new UrlMap().addRule(`${TEST_ORIGIN}=https://comments.example.org`),
      dryRun: true,
    });
    expect(report.settings?.kept).toEqual(['akismet_key', 'allowed_origins', 'moderation_api_key']);
    expect(report.settings?.applied).toContain('word_filter');
    // A dry run: two pages would be new at their new URLs; the keyed one is found by its key.
    expect(report.pages).toEqual({ written: 2, present: 1 });
    // In SaaS mode the dashboard holds the settings: a restore sets none.
    const saas = await runImport(target.redis, {
      siteId: target.site.id,
      format: 'threadkit',
      read: (skip) => readThreadKitExport(Readable.from([exported]), skip),
      siteSettings: 'dashboard',
      dryRun: true,
    });
    expect(saas.settings?.applied).toEqual([]);
    expect(saas.settings?.kept).toContain('word_filter');
  });

  it('gives a comment whose id another comment of the site holds a new id, and reports it', async () => {
    // The same id, created at another time: another comment, which the restore must not overwrite.
    const changed = exported
      .split('\n')
      .map((line) => {
        if (!line.includes(`"id":"${built.held}"`)) return line;
        const comment = JSON.parse(line) as Extract<ExportLine, { type: 'comment' }>;
        return JSON.stringify({
          ...comment,
          created_at: new Date(Date.parse(comment.created_at) + 1).toISOString(),
          markdown: 'Another comment',
        });
      })
      .join('\n');
    const before = (await target.redis.getBuffer(keys.comment(target.site.id, built.held)))?.toString(
      'base64',
    );
    const report = await runImport(target.redis, {
      siteId: target.site.id,
      format: 'threadkit',
      read: (skip) => readThreadKitExport(Readable.from([changed]), skip),
      urlMap: new UrlMap(),
    });
    expect(report.comments.written).toBe(1);
    expect(report.changed['comment id already used by another comment of the site (given a new id)']).toEqual(
      {
        count: 1,
        examples: [built.held],
      },
    );
    expect((await target.redis.getBuffer(keys.comment(target.site.id, built.held)))?.toString('base64')).toBe(
      before,
    );
  });
});

/** A thread's answer without what belongs to the site it is read from (page ids, versions). */
function strip(value: unknown): unknown {
  return JSON.parse(
    JSON.stringify(value, (key, v) =>
      ['page_id', 'pg', 'version', 'ver', 'epoch', 'etag'].includes(key) ? undefined : v,
    ),
  );
}
