import { createReadStream, createWriteStream, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import {
  generateDisqus,
  type ImportFormat,
  type ImportOptions,
  type ImportRecord,
  type ImportReport,
  idFromUuid,
  importReader,
  keys,
  nameId,
  type RedisClient,
  runImport,
  sitePrefix,
  UrlMap,
} from '@threadkit/core';
import {
  eventually,
  type SmtpTestServer,
  startSmtpServer,
  startTestApi,
  type TestApi,
} from '@threadkit/testing';
import initSqlJs from 'sql.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * Imports from Disqus, WordPress, Remark42 and Isso files written for these
 * tests (`tests/fixtures/import`, and an Isso database made here), read back
 * through the HTTP API as any reader would, and the engine's guarantees:
 * a second run adds nothing, an interrupted one is completed by a rerun, a
 * dry run writes nothing, an imported author is claimed by proving the address.
 */

let api: TestApi;
let smtp: SmtpTestServer;
const scratch = mkdtempSync(join(tmpdir(), 'threadkit-import-test-'));

beforeAll(async () => {
  smtp = await startSmtpServer();
  api = await startTestApi({ env: { SMTP_URL: smtp.url, IMPORT_MAX_BYTES: '100000' } });
});
afterAll(async () => {
  await api?.stop();
  await smtp?.stop();
  rmSync(scratch, { recursive: true, force: true });
});

/** Sites of their own for the tests that compare everything written (no reads, no other imports). */
const SOME_SITE = idFromUuid('6ba7b810-9dad-11d1-80b4-00c04fd430c8');
const ISSO_SITE = nameId('isso-keys', SOME_SITE);

const fixture = (name: string) => new URL(`../fixtures/import/${name}`, import.meta.url).pathname;
const moved = () => new UrlMap().addRule('https://old.example.com=https://blog.example.com');

async function importFile(
  format: ImportFormat,
  file: string,
  options: Partial<ImportOptions> = {},
): Promise<ImportReport> {
  const reader = await importReader(format);
  return runImport(api.redis, {
    siteId: api.site.id,
    format,
    read: (skip) => reader(createReadStream(file), skip),
    urlMap: moved(),
    ...options,
  });
}

interface View {
  i: string;
  a: string | null;
  n: string;
  t: string;
  h: string;
  c: number;
  m: number | null;
  s: string;
  u: number;
  d: number;
  e: boolean;
  pid: string | null;
  g?: boolean;
  r: View[];
}

async function thread(query: string, as: 'owner' | 'public' = 'owner') {
  const request = { method: 'GET' as const, url: `/v1/comments?${query}&replies=50` };
  const response = as === 'owner' ? await api.owner(request) : await api.call(request);
  expect(response.statusCode, response.body).toBe(200);
  return response.json() as { tree: { comments: View[] }; total: number; locked: boolean; pinned: string[] };
}

const byText = (comments: View[], text: string): View => {
  const all = (list: View[]): View[] => list.flatMap((c) => [c, ...all(c.r)]);
  const found = all(comments).find((c) => c.t.includes(text));
  if (!found) throw new Error(`no comment with "${text}"`);
  return found;
};

const urlQuery = (url: string) => `page_url=${encodeURIComponent(url)}`;

/** Every key of a site with its contents, ids and order aside where only the order of writing decides them. */
async function contents(redis: RedisClient, siteId: string): Promise<Record<string, unknown>> {
  const found: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', `${sitePrefix(siteId)}*`, 'COUNT', 1000);
    cursor = next;
    found.push(...batch);
  } while (cursor !== '0');
  const out: Record<string, unknown> = {};
  for (const key of [...new Set(found)].sort()) {
    if (key.endsWith(':epoch')) continue;
    const type = await redis.type(key);
    if (type === 'string') out[key] = (await redis.getBuffer(key))?.toString('base64');
    else if (type === 'hash') {
      const { ver: _, ...fields } = await redis.hgetall(key);
      out[key] = fields;
    } else if (type === 'zset') out[key] = await redis.zrange(key, 0, -1, 'WITHSCORES');
    else if (type === 'list') out[key] = (await redis.lrange(key, 0, -1)).sort();
    else if (type === 'set') out[key] = (await redis.smembers(key)).sort();
    else out[key] = type;
  }
  return out;
}

async function deleteSite(redis: RedisClient, siteId: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', `${sitePrefix(siteId)}*`, 'COUNT', 1000);
    cursor = next;
    if (batch.length > 0) await redis.del(...batch);
  } while (cursor !== '0');
}

describe('Disqus', () => {
  let report: ImportReport;
  beforeAll(async () => {
    report = await importFile('disqus', fixture('disqus.xml'));
  });

  it('imports what is sound and reports what it skipped, and why', () => {
    expect(report.pages).toEqual({ written: 2, present: 0 });
    expect(report.comments).toEqual({ written: 7, present: 0 });
    // Ann (by her address), Bob, Gail (anonymous), the spammer.
    expect(report.authors).toEqual({ written: 4, present: 0 });
    expect(Object.fromEntries(Object.entries(report.skipped).map(([k, v]) => [k, v.examples]))).toEqual({
      'malformed XML (a post was skipped)': ['109'],
      'deleted, without replies': ['107'],
      'comment on a page with neither a usable URL nor an identifier': ['108'],
      'comment on a page the file does not have': ['110'],
    });
    expect(
      report.changed['reply to a comment the file does not have (imported as a root)']?.examples,
    ).toEqual(['103']);
  });

  it('keeps threading, dates, authors and status, with the HTML sanitised', async () => {
    // The thread had its own identifier: it is the page key.
    const { tree, total, locked } = await thread('page_key=post-10');
    expect(locked).toBe(false);
    const first = byText(tree.comments, 'First!');
    expect(first.pid).toBeNull();
    expect(first.n).toBe('Ann Author');
    expect(first.c).toBe(Date.UTC(2019, 2, 1, 10, 0, 0) / 1000);
    expect(first.h).not.toMatch(/script|alert|img|tracker|javascript/);
    expect(first.h).toContain(
      '<a href="https://ok.example/page" rel="nofollow ugc noopener" target="_blank">a link</a>',
    );
    const reply = byText(tree.comments, 'I agree');
    expect(reply.pid).toBe(first.i);
    expect(reply.h).toBe('<p>I agree, <strong>strongly</strong>.<br />Second line.</p>');
    expect(byText(tree.comments, 'Deep reply').pid).toBe(reply.i);
    const orphan = byText(tree.comments, 'not in the file');
    expect(orphan.pid).toBeNull();
    expect(orphan.g).toBe(true);
    expect(byText(tree.comments, 'cheap pills').s).toBe('rejected');
    // Spam is hidden: four public comments, and readers see no spam.
    expect(total).toBe(4);
    const visible = await thread('page_key=post-10', 'public');
    expect(() => byText(visible.tree.comments, 'cheap pills')).toThrow();
    expect(visible.total).toBe(4);
  });

  it('rewrites URLs, closes closed threads, and keeps a deleted comment only as its replies placeholder', async () => {
    const { tree, locked, total } = await thread(urlQuery('https://blog.example.com/2019/closed'));
    expect(locked).toBe(true);
    expect(total).toBe(1);
    expect(tree.comments).toHaveLength(1);
    const [placeholder] = tree.comments;
    expect(placeholder!.s).toBe('deleted');
    expect(placeholder!.a).toBeNull();
    expect(placeholder!.r.map((r) => r.t)).toEqual(['Answer to the removed one']);
  });

  it('adds nothing when run again', async () => {
    const before = await contents(api.redis, api.site.id);
    const again = await importFile('disqus', fixture('disqus.xml'));
    expect(again.comments).toEqual({ written: 0, present: 7 });
    expect(again.pages).toEqual({ written: 0, present: 2 });
    expect(again.authors).toEqual({ written: 0, present: 4 });
    expect(await contents(api.redis, api.site.id)).toEqual(before);
  });

  it('lands whoever proves an imported author’s address in that account, with its comments', async () => {
    const annId = nameId('import:disqus:author:email:ann@example.org', api.site.id);
    expect(await api.redis.get(keys.login(api.site.id, 'email', 'ann@example.org'))).toBe(annId);
    const user = await api.redis.hgetall(keys.user(api.site.id, annId));
    expect(user).toMatchObject({ name: 'Ann Author', guest: '0', email_verified: '0', imported: 'disqus' });
    expect(user.password).toBeUndefined();
    const send = await api.call({
      method: 'POST',
      url: '/v1/auth/otp/send',
      payload: { email: 'Ann@Example.org' },
    });
    expect(send.statusCode, send.body).toBe(204);
    const code = await smtp.codeFor('ann@example.org');
    const verified = await api.call({
      method: 'POST',
      url: '/v1/auth/otp/verify',
      payload: { email: 'ann@example.org', code },
    });
    expect(verified.statusCode, verified.body).toBe(200);
    const signedIn = verified.json() as { token: string; user: { id: string; email_verified: boolean } };
    expect(signedIn.user.id).toBe(annId);
    expect(signedIn.user.email_verified).toBe(true);
    const exported = await api.call({ method: 'GET', url: '/v1/users/me/export', token: signedIn.token });
    expect(exported.statusCode, exported.body).toBe(200);
    expect(exported.body).toContain('Deep reply by Ann');
    expect(exported.body).toContain('First!');
  });
});

describe('WordPress', () => {
  let report: ImportReport;
  beforeAll(async () => {
    report = await importFile('wordpress', fixture('wordpress.xml'));
  });

  it('imports posts and their comments, skipping pingbacks, unanswered trash and broken XML', () => {
    expect(report.comments).toEqual({ written: 5, present: 0 });
    expect(Object.keys(report.skipped).sort()).toEqual([
      'deleted, without replies',
      'malformed XML (an item was skipped)',
      'pingbacks are not comments',
    ]);
  });

  it('keeps paragraphs, status and the review queue', async () => {
    const { tree, total } = await thread(urlQuery('https://blog.example.com/a-post'));
    const carol = byText(tree.comments, 'Thanks for this!');
    expect(carol.t).toBe('Thanks for this!\n\nA second paragraph.\nWith a line break and a bad link.');
    expect(carol.h).toBe(
      '<p>Thanks for this!</p>\n<p>A second paragraph.<br />\nWith a line break and <a rel="nofollow ugc noopener" target="_blank">a bad link</a>.</p>',
    );
    expect(carol.c).toBe(Date.UTC(2020, 4, 1, 12) / 1000);
    const pending = byText(tree.comments, 'Waiting for a moderator');
    expect(pending.s).toBe('pending');
    expect(pending.pid).toBe(carol.i);
    expect(byText(tree.comments, 'Glad you liked it').pid).toBe(carol.i);
    expect(byText(tree.comments, 'cheap watches').s).toBe('rejected');
    expect(total).toBe(2);
    const queue = await api.owner({ method: 'GET', url: '/v1/moderation/queue' });
    expect(queue.statusCode, queue.body).toBe(200);
    expect(queue.body).toContain(pending.i);
  });

  it('closes a post closed to comments and merges one commenter by address', async () => {
    const closed = await thread(urlQuery('https://blog.example.com/closed-post'));
    expect(closed.locked).toBe(true);
    const [comment] = closed.tree.comments;
    expect(comment!.h).toBe('<p>Before it closed <strong>bold</strong></p>');
    const open = await thread(urlQuery('https://blog.example.com/a-post'));
    expect(comment!.a).toBe(byText(open.tree.comments, 'Thanks for this!').a);
  });
});

describe('Remark42', () => {
  it('imports a backup: Markdown source, votes, pins, edits, read-only pages', async () => {
    const report = await importFile('remark42', fixture('remark42.jsonl'));
    expect(report.comments).toEqual({ written: 4, present: 0 });
    expect(Object.keys(report.skipped).sort()).toEqual([
      'a line that is not JSON',
      'comment without an id or a locator URL',
      'deleted, without replies',
    ]);
    const { tree, pinned } = await thread(urlQuery('https://blog.example.com/notes/one'));
    const root = byText(tree.comments, 'Root with');
    expect(root.h).toBe('<p>Root with <em>emphasis</em> &lt;script&gt;alert(1)&lt;/script&gt;</p>');
    expect([root.u, root.d, root.e]).toEqual([2, 0, true]);
    expect(root.g).toBe(true);
    expect(pinned).toEqual([root.i]);
    const reply = byText(tree.comments, 'A reply, written before');
    expect(reply.pid).toBe(root.i);
    expect([reply.u, reply.d]).toEqual([0, 1]);
    expect(reply.n).toBe('Frank');
    expect(byText(tree.comments, 'Parent never came').pid).toBeNull();
    expect((await thread(urlQuery('https://blog.example.com/notes/frozen'))).locked).toBe(true);
  });
});

describe('Isso', () => {
  it('reads the SQLite database; page paths become URLs with an origin', async () => {
    const SQL = await initSqlJs();
    const db = new SQL.Database();
    db.run(`CREATE TABLE threads (id INTEGER PRIMARY KEY, uri VARCHAR(256) UNIQUE, title VARCHAR(256));
      CREATE TABLE comments (tid REFERENCES threads(id), id INTEGER PRIMARY KEY, parent INTEGER,
        created FLOAT NOT NULL, modified FLOAT, mode INTEGER, remote_addr VARCHAR, text VARCHAR,
        author VARCHAR, email VARCHAR, website VARCHAR, likes INTEGER DEFAULT 0, dislikes INTEGER DEFAULT 0,
        voters BLOB NOT NULL, notification INTEGER DEFAULT 0);
      INSERT INTO threads VALUES (1, '/isso/first/', 'First'), (2, '/isso/second/', 'Second');
      INSERT INTO comments VALUES
        (1, 2, 1, 1600000100.5, NULL, 1, '127.0.0.0', 'A *reply* first', 'Hana', 'hana@example.com', NULL, 0, 0, x'00', 0),
        (1, 1, NULL, 1600000000.25, 1600000500, 1, '127.0.0.0', 'Root [link](https://x.example) <b>raw</b>', 'Ivan', NULL, 'https://ivan.example', 3, 1, x'00', 0),
        (1, 3, NULL, 1600000200, NULL, 2, '127.0.0.0', 'Held', NULL, NULL, NULL, 0, 0, x'00', 0),
        (1, 4, NULL, 1600000300, NULL, 4, '127.0.0.0', '', 'Jo', NULL, NULL, 0, 0, x'00', 0),
        (1, 5, 4, 1600000400, NULL, 1, '127.0.0.0', 'Under a deleted one', 'Jo', NULL, NULL, 0, 0, x'00', 0),
        (2, 6, NULL, 1600000000, NULL, 1, '127.0.0.0', 'Second page', 'Hana', 'HANA@example.com', NULL, 0, 0, x'00', 0);`);
    const file = join(scratch, 'isso.db');
    writeFileSync(file, db.export());
    db.close();
    const report = await importFile('isso', file, { origin: 'https://blog.example.com' });
    expect(report.comments).toEqual({ written: 6, present: 0 });
    expect(report.authors).toEqual({ written: 4, present: 0 });
    const { tree, total } = await thread(urlQuery('https://blog.example.com/isso/first'));
    const root = byText(tree.comments, 'Root');
    expect(root.h).toBe(
      '<p>Root <a href="https://x.example" rel="nofollow ugc noopener" target="_blank">link</a> &lt;b&gt;raw&lt;/b&gt;</p>',
    );
    expect(root.c).toBe(1600000000);
    expect([root.u, root.d, root.e, root.m]).toEqual([3, 1, true, 1600000500]);
    expect(byText(tree.comments, 'reply').pid).toBe(root.i);
    expect(byText(tree.comments, 'Held').s).toBe('pending');
    const placeholder = tree.comments.find((c) => c.s === 'deleted');
    expect(placeholder?.r.map((r) => r.t)).toEqual(['Under a deleted one']);
    expect(total).toBe(3);
    // Without an origin, the path is the page key.
    await deleteSite(api.redis, ISSO_SITE);
    const keyed = await importFile('isso', file, { siteId: ISSO_SITE });
    expect(keyed.comments.written).toBe(6);
    const page = nameId('key:/isso/second/', ISSO_SITE);
    expect(await api.redis.hget(keys.page(ISSO_SITE, page), 'key')).toBe('/isso/second/');
  });
});

describe('the engine', () => {
  const siteId = nameId('import-engine', SOME_SITE);
  let file: string;
  beforeAll(async () => {
    file = join(scratch, 'generated.xml');
    await generateDisqus(createWriteStream(file), 400_000, 7);
  });

  it('writes nothing on a dry run, and counts what a real run writes', async () => {
    await deleteSite(api.redis, siteId);
    const dry = await importFile('disqus', file, { siteId, dryRun: true });
    expect(await contents(api.redis, siteId)).toEqual({});
    const real = await importFile('disqus', file, { siteId });
    expect({ ...dry, dryRun: false, elapsedMs: 0 }).toEqual({ ...real, elapsedMs: 0 });
    expect(real.comments.written).toBeGreaterThan(500);
  });

  it('completes an interrupted import when it runs again, to the same result', async () => {
    await deleteSite(api.redis, siteId);
    const whole = await importFile('disqus', file, { siteId, batch: 20 });
    const expected = await contents(api.redis, siteId);
    await deleteSite(api.redis, siteId);
    const stop = new AbortController();
    await expect(
      importFile('disqus', file, {
        siteId,
        batch: 20,
        signal: stop.signal,
        onProgress: (p) => {
          if (p.commentsWritten > whole.comments.written / 2) stop.abort(new Error('stopped'));
        },
      }),
    ).rejects.toThrow('stopped');
    const rerun = await importFile('disqus', file, { siteId, batch: 20 });
    expect(rerun.comments.written).toBeGreaterThan(0);
    expect(rerun.comments.present).toBeGreaterThan(0);
    expect(rerun.comments.written + rerun.comments.present).toBe(whole.comments.written);
    expect(await contents(api.redis, siteId)).toEqual(expected);
  });

  it('survives a source that fails part-way: nothing half-written, the rerun completes it', async () => {
    await deleteSite(api.redis, siteId);
    const reader = await importReader('disqus');
    async function* failing(skip: Parameters<typeof reader>[1]): AsyncGenerator<ImportRecord> {
      let n = 0;
      for await (const record of reader(createReadStream(file), skip)) {
        if (++n > 1000) throw new Error('disk went away');
        yield record;
      }
    }
    await expect(runImport(api.redis, { siteId, format: 'disqus', read: failing })).rejects.toThrow(
      'disk went away',
    );
    const rerun = await runImport(api.redis, {
      siteId,
      format: 'disqus',
      read: (skip) => reader(createReadStream(file), skip),
    });
    expect(rerun.comments.present).toBe(0);
    expect(rerun.comments.written).toBeGreaterThan(500);
  });

  it('rewrites page URLs one by one from a CSV, before origin rules', () => {
    const map = new UrlMap()
      .addCsv(
        'old,new\nhttps://old.example.com/a/,https://new.example.com/moved-a\n"https://old.example.com/b?x=1",https://new.example.com/b',
      )
      .addRule('https://old.example.com=https://www.example.com');
    expect(map.apply('https://OLD.example.com/a')).toBe('https://new.example.com/moved-a');
    expect(map.apply('https://old.example.com/b?x=1#c')).toBe('https://new.example.com/b');
    expect(map.apply('https://old.example.com/c/d?e=f')).toBe('https://www.example.com/c/d?e=f');
    expect(map.apply('https://old.example.community/x')).toBe('https://old.example.community/x');
    expect(() => new UrlMap().addRule('nothing')).toThrow();
  });
});

describe('POST /v1/imports', () => {
  it('takes the file, runs it in the background, and reports it to any instance', async () => {
    const body = await readAll(fixture('wordpress.xml'));
    const started = await api.owner({
      method: 'POST',
      url: '/v1/imports?format=wordpress&dry_run=true&map=https://old.example.com=https://blog.example.com',
      headers: { 'content-type': 'application/xml' },
      payload: body,
    });
    expect(started.statusCode, started.body).toBe(202);
    const job = started.json() as { id: string; status: string };
    expect(job.status).toBe('running');
    const second = await api.secondInstance();
    try {
      const done = await eventually(
        'the import is done',
        async () => {
          const response = await second.inject({
            method: 'GET',
            url: `/v1/imports/${job.id}`,
            headers: { projectid: api.site.secretKey },
          });
          return response.json() as {
            status: string;
            comments: { written: number; present: number };
            skipped: { reason: string }[];
            dry_run: boolean;
          };
        },
        (view) => view.status !== 'running',
      );
      expect(done.status).toBe('done');
      expect(done.dry_run).toBe(true);
      expect(done.comments.written + done.comments.present).toBe(5);
      expect(done.skipped.map((s) => s.reason)).toContain('pingbacks are not comments');
    } finally {
      await second.close();
    }
    const list = await api.owner({ method: 'GET', url: '/v1/imports' });
    expect((list.json() as { imports: { id: string }[] }).imports[0]!.id).toBe(job.id);
  });

  it('shows an import whose instance stopped beating as failed', async () => {
    const id = nameId('stale-import', api.site.id);
    const long = Date.now() - 60_000;
    await api.redis.hset(keys.importJob(api.site.id, id), {
      format: 'disqus',
      status: 'running',
      dry: 0,
      started: long,
      beat: long,
    });
    const response = await api.owner({ method: 'GET', url: `/v1/imports/${id}` });
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json()).toMatchObject({
      status: 'failed',
      finished_at: null,
      error: expect.stringContaining('run the same import again'),
    });
  });

  it('is for the owner only, and refuses a file over IMPORT_MAX_BYTES', async () => {
    const guest = await api.guest('Nosy');
    const refused = await api.call({
      method: 'POST',
      url: '/v1/imports?format=disqus',
      token: guest.token,
      headers: { 'content-type': 'application/xml' },
      payload: '<disqus/>',
    });
    expect(refused.statusCode).toBe(403);
    const big = await api.owner({
      method: 'POST',
      url: '/v1/imports?format=disqus',
      headers: { 'content-type': 'application/xml' },
      payload: 'x'.repeat(100_001),
    });
    expect(big.statusCode, big.body).toBe(413);
    const streamed = new PassThrough();
    const response = api.owner({
      method: 'POST',
      url: '/v1/imports?format=disqus',
      headers: { 'content-type': 'application/octet-stream' },
      payload: streamed,
    });
    for (let i = 0; i < 30; i++) streamed.write('y'.repeat(5000));
    streamed.end();
    expect((await response).statusCode).toBe(413);
    const unknown = await api.owner({ method: 'GET', url: `/v1/imports/${nameId('none', api.site.id)}` });
    expect(unknown.statusCode).toBe(404);
  });
});

async function readAll(file: string): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of createReadStream(file)) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
