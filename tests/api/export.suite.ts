import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import {
  CommentStore,
  DEFAULT_SETTINGS,
  type ExportLine,
  ExportStore,
  generateApiKey,
  type ImportRecord,
  keys,
  newId,
  readThreadKitExport,
  SiteExport,
  SiteStore,
  type SkippedItem,
  UserStore,
} from '@threadkit/core';
import { startTestApi, TEST_ORIGIN, type TestApi } from '@threadkit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const AKISMET_KEY = 'akismet-secret-4f9c2e7d1b';
const MODERATION_API_KEY = 'moderation-secret-8a1d3c5e7f';
const PASSWORD = 'correct horse battery';

/**
 * The whole-site export (`GET /v1/export`) of a site built through the API:
 * accounts and guests, replies, votes, edits, a pin, held, rejected and
 * deleted comments, a locked page and a page key, roles, a ban and a
 * shadow-ban, an erased account. ThreadKit's own reader reads it back into
 * records that must match what Redis holds, field by field; nothing secret
 * may be in it. The same suite runs on a single server and on a 3-master cluster.
 */
export function describeExport(name: string, options: { cluster: boolean }) {
  describe(name, () => {
    let api: TestApi;
    /** The rate limiter's clock: moved past the export budget's window between exports. */
    let now = Date.now();
    const built = {
      comments: [] as string[],
      pinned: '',
      edited: '',
      held: '',
      rejected: '',
      placeholder: '',
      gone: '',
      erased: { userId: '', comment: '' },
      account: { userId: '', token: '' },
      moderator: { userId: '', token: '' },
      banned: '',
      shadowBanned: '',
      /** Ids of another site's records in the same Redis: none may be exported. */
      otherSite: [] as string[],
    };
    const ARTICLE = `${TEST_ORIGIN}/articles/export`;
    const LOCKED = `${TEST_ORIGIN}/articles/locked`;
    const KEYED = 'post-4711';

    /** The answer's JSON, once it is `status` (any success when not given). */
    async function ok(response: Awaited<ReturnType<TestApi['call']>>, status?: number) {
      if (status) expect(response.statusCode, response.body).toBe(status);
      else expect([200, 201, 202, 204], response.body).toContain(response.statusCode);
      return response.statusCode === 204 ? null : response.json();
    }

    async function post(token: string, content: string, where: object, parentId?: string) {
      const body = await ok(
        await api.call({
          method: 'POST',
          url: '/v1/comments',
          token,
          payload: { ...where, content, ...(parentId ? { parent_id: parentId } : {}) },
        }),
        201,
      );
      const id = body.comment.i as string;
      built.comments.push(id);
      return id;
    }

    /** An export as the owner sends for it, the budget's window moved on first. */
    async function exportSite() {
      now += 120_000;
      const response = await api.owner({ method: 'GET', url: '/v1/export' });
      expect(response.statusCode, response.body).toBe(200);
      return response;
    }

    /** Reads an export back; a string is the export's text (readers take a string as a path). */
    async function readBack(source: NodeJS.ReadableStream | string) {
      if (typeof source === 'string') source = Readable.from([source]);
      const records: ImportRecord[] = [];
      const skipped: SkippedItem[] = [];
      for await (const record of readThreadKitExport(source, (item) => skipped.push(item)))
        records.push(record);
      return { records, skipped };
    }

    beforeAll(async () => {
      api = await startTestApi({ cluster: options.cluster, context: { clock: () => now } });
      const site = api.site.id;
      await ok(
        await api.owner({
          method: 'PUT',
          url: `/v1/sites/${site}/settings`,
          payload: {
            akismet_key: AKISMET_KEY,
            moderation_api_key: MODERATION_API_KEY,
            word_filter: ['holdme'],
            word_filter_action: 'hold',
          },
        }),
      );
      const register = (name: string, email: string) => api.register(name, email, PASSWORD);
      built.account = await register('Ada Account', 'Ada@Example.com');
      built.moderator = await register('Mo Moderator', 'mo@example.com');
      await api.promote(built.moderator.userId, 'moderator');
      const bob = await api.guest('Bob Guest');
      const carol = await api.guest('Carol Guest');
      const troll = await api.guest('Troll');
      const lurker = await api.guest('Lurker');

      const root = await post(built.account.token, 'The **first** root', { page_url: ARTICLE });
      const reply = await post(bob.token, 'A reply', { page_url: ARTICLE }, root);
      await post(carol.token, 'A reply to the reply', { page_url: ARTICLE }, reply);
      built.pinned = root;
      await ok(await api.owner({ method: 'POST', url: `/v1/comments/${root}/pin` }));
      for (const voter of [bob, carol])
        await ok(
          await api.call({
            method: 'POST',
            url: `/v1/comments/${root}/vote`,
            token: voter.token,
            payload: { direction: 'up' },
          }),
        );
      await ok(
        await api.call({
          method: 'POST',
          url: `/v1/comments/${reply}/vote`,
          token: carol.token,
          payload: { direction: 'down' },
        }),
      );
      built.edited = await post(bob.token, 'Before the edit', { page_url: ARTICLE });
      await ok(
        await api.call({
          method: 'PUT',
          url: `/v1/comments/${built.edited}`,
          token: bob.token,
          payload: { content: 'After the edit' },
        }),
      );
      built.held = await post(carol.token, 'Please holdme for review', { page_url: ARTICLE });
      built.rejected = await post(troll.token, 'Something rude', { page_url: ARTICLE });
      await ok(
        await api.call({
          method: 'POST',
          url: `/v1/moderation/reject/${built.rejected}`,
          token: built.moderator.token,
        }),
      );
      built.placeholder = await post(lurker.token, 'Deleted, but answered', { page_url: ARTICLE });
      await post(bob.token, 'An answer that keeps it', { page_url: ARTICLE }, built.placeholder);
      await ok(
        await api.call({ method: 'DELETE', url: `/v1/comments/${built.placeholder}`, token: lurker.token }),
        204,
      );
      built.gone = await post(lurker.token, 'Deleted without replies', { page_url: ARTICLE });
      await ok(
        await api.call({ method: 'DELETE', url: `/v1/comments/${built.gone}`, token: lurker.token }),
        204,
      );
      built.comments = built.comments.filter((id) => id !== built.gone);

      await post(carol.token, 'On a keyed page', { page_key: KEYED, page_url: `${TEST_ORIGIN}/keyed` });
      await post(bob.token, 'On the locked page', { page_url: LOCKED });
      await ok(
        await api.call({
          method: 'POST',
          url: '/v1/moderation/lock',
          token: built.moderator.token,
          payload: { page_url: LOCKED },
        }),
      );
      await post(built.moderator.token, 'A moderator, on the locked page', { page_url: LOCKED });

      const shadowed = await api.guest('Shadow');
      await post(shadowed.token, 'Nobody else sees this', { page_url: ARTICLE });
      built.shadowBanned = shadowed.userId;
      await ok(await api.owner({ method: 'POST', url: `/v1/moderation/shadowban/${shadowed.userId}` }));
      built.banned = troll.userId;
      await ok(await api.owner({ method: 'POST', url: `/v1/moderation/ban/${troll.userId}`, payload: {} }));
      const erased = await api.guest('Gone Soon');
      built.erased = {
        userId: erased.userId,
        comment: await post(erased.token, 'My author will be erased', { page_url: ARTICLE }),
      };
      await ok(await api.call({ method: 'DELETE', url: '/v1/users/me', token: erased.token }), 204);

      // Another site in the same Redis, with a commenter and a comment of its own.
      const otherId = newId();
      const otherKey = generateApiKey('public');
      await new SiteStore(api.redis).create(
        {
          id: otherId,
          name: 'Another site',
          domain: null,
          settings: { ...DEFAULT_SETTINGS, allowed_origins: [TEST_ORIGIN] },
          created_at: Math.floor(Date.now() / 1000),
        },
        { publicKey: otherKey, secretKey: generateApiKey('secret') },
      );
      const other = (options: { url: string; payload: object; token?: string }) =>
        api.app.inject({
          method: 'POST',
          url: options.url,
          payload: options.payload,
          headers: {
            projectid: otherKey,
            origin: TEST_ORIGIN,
            ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
          },
        });
      const stranger = await ok(await other({ url: '/v1/auth/guest', payload: { name: 'Stranger' } }), 201);
      const foreign = await ok(
        await other({
          url: '/v1/comments',
          payload: { page_url: ARTICLE, content: 'Elsewhere' },
          token: stranger.token,
        }),
        201,
      );
      built.otherSite = [otherId, stranger.user.id, foreign.comment.i];
    }, 120_000);
    afterAll(async () => {
      await api?.stop();
    });

    it('streams JSON lines as an attachment, the header first and the end line last', async () => {
      const response = await exportSite();
      expect(response.headers['content-type']).toBe('application/x-ndjson; charset=utf-8');
      expect(response.headers['content-disposition']).toMatch(
        new RegExp(`^attachment; filename="threadkit-${api.site.id}-\\d{4}-\\d{2}-\\d{2}\\.jsonl"$`),
      );
      const lines = response.body
        .trimEnd()
        .split('\n')
        .map((line) => JSON.parse(line) as ExportLine);
      expect(lines[0]).toMatchObject({
        type: 'header',
        format: 'threadkit-export',
        format_version: 1,
        site_id: api.site.id,
      });
      expect(lines[1]).toMatchObject({ type: 'site', id: api.site.id });
      // Every user before every page, every page before every comment.
      const order = lines.slice(2, -1).map((line) => line.type);
      expect(order).toEqual([...order].sort((a, b) => rank(a) - rank(b)));
      expect(lines.at(-1)).toEqual({
        type: 'end',
        users: lines.filter((l) => l.type === 'user').length,
        pages: lines.filter((l) => l.type === 'page').length,
        comments: built.comments.length,
      });
    });

    it('is read back into records that match what the site holds, field by field', async () => {
      const { records, skipped } = await readBack((await exportSite()).body);
      expect(skipped).toEqual([]);
      const site = await api.context.sites.get(api.site.id);
      const { akismet_key, moderation_api_key, ...publicSettings } = site.settings;
      expect(akismet_key).toBe(AKISMET_KEY);
      expect(moderation_api_key).toBe(MODERATION_API_KEY);
      expect(records.filter((r) => r.kind === 'site')).toEqual([
        { kind: 'site', name: site.name, domain: site.domain, settings: publicSettings },
      ]);

      // Users: every commenter but the erased one, as their hashes and the ban sets say.
      const users = new UserStore(api.redis);
      const authors = records.filter((r) => r.kind === 'author');
      expect(authors.map((a) => a.sourceId).sort()).not.toContain(built.erased.userId);
      for (const author of authors) {
        const user = (await users.get(api.site.id, author.sourceId))!;
        expect(user, author.sourceId).not.toBeNull();
        expect(author).toEqual({
          kind: 'author',
          sourceId: user.id,
          name: user.name,
          ...(user.email ? { email: user.email, emailVerified: user.email_verified } : {}),
          ...(user.avatar_url ? { avatarUrl: user.avatar_url } : {}),
          guest: user.guest,
          role: user.role,
          createdMs: user.created_at * 1000,
          karma: user.karma,
          banned: user.id === built.banned,
          shadowBanned: user.id === built.shadowBanned,
          emailNotifications: user.email_notifications,
        });
      }
      const byId = new Map(authors.map((a) => [a.sourceId, a]));
      expect(byId.get(built.account.userId)).toMatchObject({
        email: 'ada@example.com',
        emailVerified: false,
        guest: false,
      });
      expect(byId.get(built.moderator.userId)).toMatchObject({ role: 'moderator', email: 'mo@example.com' });
      expect(byId.get(built.banned)).toMatchObject({ banned: true, shadowBanned: false });
      expect(byId.get(built.shadowBanned)).toMatchObject({ banned: false, shadowBanned: true });

      // Pages: the three commented, with their URL, key and lock.
      const pages = records.filter((r) => r.kind === 'page');
      for (const page of pages) {
        const [url, key, locked, views, updated] = await api.redis.hmget(
          keys.page(api.site.id, page.sourceId),
          'url',
          'key',
          'locked',
          'views',
          'updated',
        );
        expect(page).toEqual({
          kind: 'page',
          sourceId: page.sourceId,
          ...(url ? { url } : {}),
          ...(key ? { key } : {}),
          locked: locked === '1',
          views: Number(views ?? 0),
          ...(updated && updated !== '0' ? { updatedMs: Number(updated) * 1000 } : {}),
        });
      }
      expect(pages.map((p) => [p.url, p.key ?? null, p.locked]).sort()).toEqual(
        [
          [ARTICLE, null, false],
          [`${TEST_ORIGIN}/keyed`, KEYED, false],
          [LOCKED, null, true],
        ].sort(),
      );

      // Comments: every one stored, as stored.
      const comments = records.filter((r) => r.kind === 'comment');
      expect(comments.map((c) => c.sourceId).sort()).toEqual([...built.comments].sort());
      const store = new CommentStore(api.redis);
      for (const comment of comments) {
        const c = (await store.get(api.site.id, comment.sourceId))!;
        expect(comment).toEqual({
          kind: 'comment',
          sourceId: c.i,
          pageSourceId: c.pg,
          ...(c.pid ? { parentSourceId: c.pid } : {}),
          ...(c.a !== built.erased.userId ? { authorSourceId: c.a } : { erasedAuthorId: c.a }),
          createdMs: c.cm,
          ...(c.e ? { editedMs: c.m * 1000 } : {}),
          body: { markdown: c.t },
          status: c.s,
          upvotes: c.u,
          downvotes: c.d,
          pinned: c.i === built.pinned,
          ...(c.hr ? { holdReason: c.hr } : {}),
        });
      }
      const comment = new Map(comments.map((c) => [c.sourceId, c]));
      expect(comment.get(built.pinned)).toMatchObject({ pinned: true, upvotes: 2, downvotes: 0 });
      expect(comment.get(built.edited)).toMatchObject({ body: { markdown: 'After the edit' } });
      expect(comment.get(built.edited)!.editedMs).toBeGreaterThan(0);
      expect(comment.get(built.held)).toMatchObject({
        status: 'pending',
        holdReason: 'word_filter: "holdme"',
      });
      expect(comment.get(built.rejected)).toMatchObject({ status: 'rejected' });
      expect(comment.get(built.placeholder)).toMatchObject({ status: 'deleted' });
      expect(comment.get(built.erased.comment)?.authorSourceId).toBeUndefined();
    });

    it('gives the same lines when it walks the site a few keys at a time', async () => {
      const site = await api.context.sites.get(api.site.id);
      const small = new SiteExport({
        store: new ExportStore(api.redis),
        users: new UserStore(api.redis),
        batch: 3,
      });
      const lines = async (exporter: SiteExport) => {
        const all: string[] = [];
        for await (const line of exporter.lines(site))
          if (line.type !== 'header') all.push(JSON.stringify(line));
        return all;
      };
      const inSteps = await lines(small);
      expect(inSteps.at(-1)).toBe(
        JSON.stringify({ type: 'end', users: 7, pages: 3, comments: built.comments.length }),
      );
      expect([...inSteps].sort()).toEqual([...(await lines(api.context.exports))].sort());
    });

    it('carries the stored HTML beside the Markdown', async () => {
      const lines = (await exportSite()).body
        .trimEnd()
        .split('\n')
        .map((line) => JSON.parse(line) as ExportLine);
      const root = lines.find((l) => l.type === 'comment' && l.id === built.pinned);
      expect(root).toMatchObject({
        markdown: 'The **first** root',
        html: '<p>The <strong>first</strong> root</p>',
      });
    });

    it('holds no secret (keys, password hashes, sessions, tokens, secret settings) and nothing of another site', async () => {
      const body = (await exportSite()).body;
      const site = api.site.id;
      const passwordHash = await api.redis.hget(keys.user(site, built.account.userId), 'password');
      expect(passwordHash).toMatch(/^\$argon2id\$/);
      const sessions = await api.redis.zrange(`${keys.user(site, built.account.userId)}:s`, 0, -1);
      expect(sessions.length).toBeGreaterThan(0);
      const siteHash = await api.redis.hgetall(keys.site(site));
      const secrets = [
        AKISMET_KEY,
        MODERATION_API_KEY,
        api.site.secretKey,
        api.site.publicKey,
        siteHash.sec_hash!,
        siteHash.pub_hash!,
        passwordHash!,
        '$argon2',
        PASSWORD,
        built.account.token,
        built.moderator.token,
        ...sessions,
      ];
      for (const secret of secrets) expect(body, secret).not.toContain(secret);
      for (const id of built.otherSite) expect(body, `another site's ${id}`).not.toContain(id);
      expect(body).not.toMatch(/"(akismet_key|moderation_api_key|password|sessions?|token|refresh_token)":/);
    });

    it('streams over a socket, chunk by chunk, into the reader', async () => {
      await api.app.listen({ port: 0, host: '127.0.0.1' });
      const { port } = api.app.server.address() as AddressInfo;
      now += 120_000;
      const response = await fetch(`http://127.0.0.1:${port}/v1/export`, {
        headers: { projectid: api.site.secretKey },
      });
      expect(response.status).toBe(200);
      expect(response.headers.get('transfer-encoding')).toBe('chunked');
      const { records, skipped } = await readBack(Readable.fromWeb(response.body as never));
      expect(skipped).toEqual([]);
      expect(records.filter((r) => r.kind === 'comment')).toHaveLength(built.comments.length);
    });

    it('is refused without the secret key, to staff, and past its budget', async () => {
      now += 120_000;
      const anonymous = await api.app.inject({ method: 'GET', url: '/v1/export' });
      expect(anonymous.statusCode).toBe(401);
      const reader = await api.call({ method: 'GET', url: '/v1/export' });
      expect(reader.statusCode).toBe(401);
      const moderator = await api.call({ method: 'GET', url: '/v1/export', token: built.moderator.token });
      expect(moderator.statusCode).toBe(403);
      await api.promote(built.account.userId, 'admin');
      const admin = await api.call({ method: 'GET', url: '/v1/export', token: built.account.token });
      expect(admin.statusCode).toBe(403);
      expect(admin.body).not.toContain('"type":"header"');

      // Two a minute per site, then 429 until the window has room.
      for (let i = 0; i < 2; i++)
        expect((await api.owner({ method: 'GET', url: '/v1/export' })).statusCode).toBe(200);
      const refused = await api.owner({ method: 'GET', url: '/v1/export' });
      expect(refused.statusCode).toBe(429);
      expect(refused.json()).toMatchObject({ code: 'rate_limited' });
      expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
      now += 120_000;
      expect((await api.owner({ method: 'GET', url: '/v1/export' })).statusCode).toBe(200);
    });
  });
}

const RANK: Record<string, number> = { user: 0, page: 1, comment: 2 };
const rank = (type: string) => RANK[type] ?? 3;
