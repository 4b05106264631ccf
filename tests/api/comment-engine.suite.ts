import { gunzipSync } from 'node:zlib';
import {
  CommentStore,
  channels,
  encodeComment,
  isId,
  keys,
  MAX_DEPTH,
  ModerationStore,
  newId,
  plainHtml,
  RANK,
  type StoredComment,
  storedHtml,
} from '@threadkit/core';
import { eventually, startTestApi, subscribeToChannel, type TestApi } from '@threadkit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * The comment engine, end to end through the HTTP API on real Redis. The same
 * suite runs against a single server and against a 3-master cluster.
 */
export function describeCommentEngine(name: string, options: { cluster: boolean }) {
  describe(name, () => {
    let api: TestApi;
    let seq = 0;
    const pageUrl = () => `https://blog.example.com/post-${++seq}`;

    beforeAll(async () => {
      api = await startTestApi({ cluster: options.cluster });
    }, 60_000);
    afterAll(async () => {
      await api?.stop();
    });

    const post = async (token: string, body: Record<string, unknown>) => {
      const response = await api.call({ method: 'POST', url: '/v1/comments', token, payload: body });
      return { status: response.statusCode, body: response.json() };
    };
    const postOk = async (token: string, body: Record<string, unknown>) => {
      const { status, body: json } = await post(token, body);
      expect(status, JSON.stringify(json)).toBe(201);
      return json.comment as { i: string; [k: string]: unknown };
    };
    const list = async (query: string, token?: string, headers?: Record<string, string>) => {
      const response = await api.call({
        method: 'GET',
        url: `/v1/comments?${query}`,
        ...(token ? { token } : {}),
        ...(headers ? { headers } : {}),
      });
      return response;
    };
    const listJson = async (query: string, token?: string) => {
      const response = await list(query, token);
      expect(response.statusCode, response.body).toBe(200);
      return response.json();
    };
    const vote = (token: string, id: string, direction: string) =>
      api.call({ method: 'POST', url: `/v1/comments/${id}/vote`, token, payload: { direction } });
    const q = (url: string, extra = '') => `page_url=${encodeURIComponent(url)}${extra}`;
    const stored = (id: string) => new CommentStore(api.redis).get(api.site.id, id);
    const missingId = '0cZdmZixoJscOFqiPZ6LHx';

    describe('create and read', () => {
      it('stores a comment and returns it in compact form', async () => {
        const { token, userId } = await api.guest('Ada');
        const url = pageUrl();
        const comment = await postOk(token, { page_url: url, content: 'Hello **world**' });
        expect(comment).toMatchObject({
          a: userId,
          n: 'Ada',
          p: null,
          k: 0,
          t: 'Hello **world**',
          h: '<p>Hello <strong>world</strong></p>',
          u: 0,
          d: 0,
          m: null,
          r: [],
          s: 'approved',
          pid: null,
          e: false,
          v: null,
        });
        expect(isId(comment.i)).toBe(true);
        expect(Math.abs((comment.c as number) - Date.now() / 1000)).toBeLessThan(60);

        const body = await listJson(q(url));
        expect(body.total).toBe(1);
        expect(body.next_cursor).toBeNull();
        expect(body.pinned).toEqual([]);
        expect(body.tree.comments).toHaveLength(1);
        expect(body.tree.comments[0]).toMatchObject({ i: comment.i, n: 'Ada', h: comment.h });
        expect(body.tree.comments[0]).not.toHaveProperty('v');
        expect(body.tree.updated_at).toBeGreaterThan(0);
      });

      it('nests replies up to the deepest level and keeps them with their root', async () => {
        const a = await api.guest('A');
        const b = await api.guest('B');
        const url = pageUrl();
        const root = await postOk(a.token, { page_url: url, content: 'root' });
        let parent = root.i;
        const chain = [root.i];
        for (let depth = 2; depth <= MAX_DEPTH; depth++) {
          const reply = await postOk(depth % 2 ? b.token : a.token, {
            page_url: url,
            content: `depth ${depth}`,
            parent_id: parent,
          });
          expect(reply.pid).toBe(parent);
          chain.push(reply.i);
          parent = reply.i;
        }
        const body = await listJson(q(url));
        expect(body.total).toBe(MAX_DEPTH);
        let node = body.tree.comments[0];
        for (const id of chain) {
          expect(node.i).toBe(id);
          node = node.r[0];
        }
        expect((await stored(root.i))?.rc).toBe(1);
      });

      it('attaches a reply to a comment on the deepest level beside it, however long the exchange goes on', async () => {
        const a = await api.guest('A');
        const b = await api.guest('B');
        const url = pageUrl();
        const chain = [await postOk(a.token, { page_url: url, content: 'root' })];
        for (let depth = 2; depth <= MAX_DEPTH; depth++) {
          chain.push(
            await postOk(depth % 2 ? b.token : a.token, {
              page_url: url,
              content: `depth ${depth}`,
              parent_id: chain.at(-1)!.i,
            }),
          );
        }
        // Each answers the one before; past the deepest level they continue beside it, oldest first.
        const host = chain.at(-2)!;
        const beyond = [];
        for (let n = 0; n < 3; n++) {
          const reply = await postOk(n % 2 ? b.token : a.token, {
            page_url: url,
            content: `beyond ${n}`,
            parent_id: (beyond.at(-1) ?? chain.at(-1)!).i,
          });
          expect(reply.pid).toBe(host.i);
          beyond.push(reply);
        }
        const body = await listJson(q(url));
        expect(body.total).toBe(MAX_DEPTH + 3);
        let node = body.tree.comments[0];
        let depth = 1;
        while (node.r.length > 0 && node.i !== host.i) {
          node = node.r[0];
          depth++;
        }
        expect(depth).toBe(MAX_DEPTH - 1);
        expect(node.r.map((c: { i: string; r: unknown[] }) => [c.i, c.r])).toEqual(
          [chain.at(-1)!, ...beyond].map((c) => [c.i, []]),
        );
        expect((await stored(host.i))?.rc).toBe(4);
        expect((await stored(chain.at(-1)!.i))?.rc).toBe(0);
      });

      it('identifies a page by its normalised URL or by the site page key', async () => {
        const { token } = await api.guest();
        await postOk(token, {
          page_url: 'HTTPS://Blog.Example.com/norm/?utm_source=x&b=2&a=1&fbclid=z#comments',
          content: 'one',
        });
        const body = await listJson(q('https://blog.example.com/norm?a=1&b=2'));
        expect(body.total).toBe(1);

        await postOk(token, {
          page_url: 'https://blog.example.com/old-url',
          page_key: 'article-42',
          content: 'keyed',
        });
        const byKey = await listJson('page_key=article-42&page_url=https://blog.example.com/new-url');
        expect(byKey.tree.comments.map((c: { t: string }) => c.t)).toEqual(['keyed']);
      });

      it('rejects bad input with the offending field', async () => {
        const { token } = await api.guest();
        const url = pageUrl();
        const cases: [Record<string, unknown>, string][] = [
          [{ page_url: url, content: '   ' }, 'content'],
          [{ page_url: url, content: 'x'.repeat(10_001) }, 'content'],
          [{ content: 'no page' }, 'page_url'],
          [{ page_url: 'ftp://example.com/x', content: 'x' }, 'page_url'],
          [{ page_url: url, content: 'x', parent_id: 'nope' }, 'parent_id'],
          [{ page_url: url, content: 'x', extra: 1 }, 'extra'],
          [{ page_url: url, content: 42 }, 'content'],
        ];
        for (const [payload, field] of cases) {
          const { status, body } = await post(token, payload);
          expect(status, JSON.stringify(payload)).toBe(400);
          expect(body).toMatchObject({ code: 'invalid_request', field });
          expect(typeof body.error).toBe('string');
        }
      });

      it('needs a commenter token to post', async () => {
        const response = await api.call({
          method: 'POST',
          url: '/v1/comments',
          payload: { page_url: pageUrl(), content: 'x' },
        });
        expect(response.statusCode).toBe(401);
        expect(response.json().code).toBe('unauthorized');
      });

      it('only accepts a parent on the same page that the poster can see', async () => {
        const { token } = await api.guest();
        const url = pageUrl();
        const root = await postOk(token, { page_url: url, content: 'root' });
        const elsewhere = await post(token, { page_url: pageUrl(), content: 'x', parent_id: root.i });
        expect(elsewhere.status).toBe(404);
        const missing = await post(token, {
          page_url: url,
          content: 'x',
          parent_id: missingId,
        });
        expect(missing.status).toBe(404);
        expect(missing.body.code).toBe('not_found');
      });

      it('sanitises HTML and scripts out of stored content', async () => {
        const { token } = await api.guest();
        const comment = await postOk(token, {
          page_url: pageUrl(),
          content:
            '<img src=x onerror=alert(1)> [link](javascript:alert(1)) <script>alert(2)</script> https://ok.example',
        });
        const html = comment.h as string;
        const tags = html.match(/<[a-z][^>]*>/gi) ?? [];
        expect(tags.length).toBeGreaterThan(0);
        for (const tag of tags) {
          expect(tag).toMatch(/^<(p|a)[\s>]/);
          expect(tag).not.toMatch(/\son\w+=|javascript:/i);
        }
        expect(html).toContain('&lt;script&gt;');
        expect(html).toContain('rel="nofollow ugc noopener"');
      });
    });

    describe('edit and delete', () => {
      it('lets only the author edit, marking the comment edited', async () => {
        const author = await api.guest();
        const other = await api.guest();
        const comment = await postOk(author.token, { page_url: pageUrl(), content: 'first' });
        const forbidden = await api.call({
          method: 'PUT',
          url: `/v1/comments/${comment.i}`,
          token: other.token,
          payload: { content: 'hacked' },
        });
        expect(forbidden.statusCode).toBe(403);
        const owner = await api.owner({
          method: 'PUT',
          url: `/v1/comments/${comment.i}`,
          payload: { content: 'owner' },
        });
        expect(owner.statusCode).toBe(401);
        const edited = await api.call({
          method: 'PUT',
          url: `/v1/comments/${comment.i}`,
          token: author.token,
          payload: { content: 'second *take*' },
        });
        expect(edited.statusCode).toBe(200);
        expect(edited.json().comment).toMatchObject({
          i: comment.i,
          t: 'second *take*',
          h: '<p>second <em>take</em></p>',
          e: true,
        });
        expect(edited.json().comment.m).toBeGreaterThan(0);
        const missing = await api.call({
          method: 'PUT',
          url: `/v1/comments/${missingId}`,
          token: author.token,
          payload: { content: 'x' },
        });
        expect(missing.statusCode).toBe(404);
      });

      it('removes a comment without replies and keeps a placeholder for one with replies', async () => {
        const a = await api.guest('A');
        const b = await api.guest('B');
        const url = pageUrl();
        const lonely = await postOk(a.token, { page_url: url, content: 'lonely' });
        const parent = await postOk(a.token, { page_url: url, content: 'parent' });
        const reply = await postOk(b.token, { page_url: url, content: 'reply', parent_id: parent.i });

        expect(
          (await api.call({ method: 'DELETE', url: `/v1/comments/${lonely.i}`, token: b.token })).statusCode,
        ).toBe(403);
        expect(
          (await api.call({ method: 'DELETE', url: `/v1/comments/${lonely.i}`, token: a.token })).statusCode,
        ).toBe(204);
        expect(
          (await api.call({ method: 'DELETE', url: `/v1/comments/${lonely.i}`, token: a.token })).statusCode,
        ).toBe(404);
        expect(
          (await api.call({ method: 'DELETE', url: `/v1/comments/${parent.i}`, token: a.token })).statusCode,
        ).toBe(204);

        let body = await listJson(q(url));
        expect(body.total).toBe(1);
        expect(body.tree.comments).toHaveLength(1);
        expect(body.tree.comments[0]).toMatchObject({
          i: parent.i,
          s: 'deleted',
          a: null,
          n: '[deleted]',
          t: '',
          h: '',
        });
        expect(body.tree.comments[0].r.map((c: { i: string }) => c.i)).toEqual([reply.i]);

        const again = await post(b.token, { page_url: url, content: 'x', parent_id: parent.i });
        expect(again.status).toBe(409);

        // The owner deletes the last reply: the placeholder has nothing left to hold and goes too.
        expect((await api.owner({ method: 'DELETE', url: `/v1/comments/${reply.i}` })).statusCode).toBe(204);
        body = await listJson(q(url));
        expect(body.tree.comments).toEqual([]);
        expect(body.total).toBe(0);
        expect(await stored(parent.i)).toBeNull();
      });
    });

    describe('votes', () => {
      it('follows the toggle and switch table and moves karma', async () => {
        const author = await api.guest('Author');
        const voter = await api.guest('Voter');
        const url = pageUrl();
        const comment = await postOk(author.token, { page_url: url, content: 'vote me' });
        const steps: [string, number, number, string | null][] = [
          ['up', 1, 0, 'up'],
          ['up', 0, 0, null],
          ['down', 0, 1, 'down'],
          ['up', 1, 0, 'up'],
          ['down', 0, 1, 'down'],
          ['down', 0, 0, null],
        ];
        for (const [direction, upvotes, downvotes, userVote] of steps) {
          const response = await vote(voter.token, comment.i, direction);
          expect(response.statusCode).toBe(200);
          expect(response.json()).toEqual({ upvotes, downvotes, user_vote: userVote });
        }
        await vote(voter.token, comment.i, 'up');
        const seen = await listJson(q(url), voter.token);
        expect(seen.tree.comments[0]).toMatchObject({ u: 1, d: 0, k: 1 });
        // A signed-in reader's votes come beside the shared thread.
        expect(seen.votes).toEqual({ [comment.i]: 'up' });
        expect((await listJson(q(url))).votes).toBeUndefined();
        expect(await api.redis.hget(keys.user(api.site.id, author.userId), 'karma')).toBe('1');
      });

      it('shows a reader only their votes on the page read, however many they have cast elsewhere', async () => {
        const author = await api.guest('Author');
        const voter = await api.guest('Voter');
        const [small, large] = [pageUrl(), pageUrl()];
        const [first, second] = [
          await postOk(author.token, { page_url: small, content: 'one' }),
          await postOk(author.token, { page_url: small, content: 'two' }),
        ];
        const elsewhere = [];
        for (let i = 0; i < 5; i++)
          elsewhere.push(await postOk(author.token, { page_url: large, content: `${i}` }));
        await vote(voter.token, second.i, 'down');
        // Fewer votes than the page shows comments: the page's own are picked out of all of them.
        await vote(voter.token, elsewhere[0]!.i, 'up');
        expect((await listJson(q(small), voter.token)).votes).toEqual({ [second.i]: 'down' });
        // More votes than the page shows comments: asked for by comment.
        for (const comment of elsewhere.slice(1)) await vote(voter.token, comment.i, 'up');
        await vote(voter.token, first.i, 'up');
        expect((await listJson(q(small), voter.token)).votes).toEqual({
          [first.i]: 'up',
          [second.i]: 'down',
        });
        const all = await listJson(q(large), voter.token);
        expect(Object.keys(all.votes ?? {}).sort()).toEqual(elsewhere.map((c) => c.i).sort());
      });

      it('refuses votes on your own comment, on missing comments and without a token', async () => {
        const author = await api.guest();
        const comment = await postOk(author.token, { page_url: pageUrl(), content: 'mine' });
        expect((await vote(author.token, comment.i, 'up')).statusCode).toBe(403);
        expect((await vote(author.token, missingId, 'up')).statusCode).toBe(404);
        expect(
          (
            await api.call({
              method: 'POST',
              url: `/v1/comments/${comment.i}/vote`,
              payload: { direction: 'up' },
            })
          ).statusCode,
        ).toBe(401);
        expect((await vote(author.token, comment.i, 'sideways')).statusCode).toBe(400);
      });

      it('counts exactly when 100 users vote on one comment at once', async () => {
        const author = await api.guest();
        const comment = await postOk(author.token, { page_url: pageUrl(), content: 'popular' });
        const voters = await Promise.all(Array.from({ length: 100 }, (_, i) => api.guest(`v${i}`)));
        const responses = await Promise.all(
          voters.map((v, i) => vote(v.token, comment.i, i < 70 ? 'up' : 'down')),
        );
        expect(responses.every((r) => r.statusCode === 200)).toBe(true);
        const saved = await stored(comment.i);
        expect(saved).toMatchObject({ u: 70, d: 30 });
        // Everyone switches at once: 30 up, 70 down.
        await Promise.all(voters.map((v, i) => vote(v.token, comment.i, i < 70 ? 'down' : 'up')));
        expect(await stored(comment.i)).toMatchObject({ u: 30, d: 70 });
        expect(await api.redis.hget(keys.user(api.site.id, author.userId), 'karma')).toBe('-40');
      });

      it('keeps reply_count exact under 50 concurrent replies', async () => {
        const author = await api.guest();
        const url = pageUrl();
        const root = await postOk(author.token, { page_url: url, content: 'thread' });
        const repliers = await Promise.all(Array.from({ length: 50 }, (_, i) => api.guest(`r${i}`)));
        const results = await Promise.all(
          repliers.map((r, i) => post(r.token, { page_url: url, content: `reply ${i}`, parent_id: root.i })),
        );
        expect(results.every((r) => r.status === 201)).toBe(true);
        expect((await stored(root.i))?.rc).toBe(50);
        const body = await listJson(q(url));
        expect(body.total).toBe(51);
        expect(body.tree.comments[0].rc).toBe(50);
        expect((await listJson(q(url, '&replies=50'))).tree.comments[0].r).toHaveLength(50);
      });
    });

    describe('replies in pages', () => {
      it('shows the first replies of each comment and loads the rest by cursor, oldest first', async () => {
        const author = await api.guest();
        const url = pageUrl();
        const root = await postOk(author.token, { page_url: url, content: 'root' });
        const replies: string[] = [];
        for (let i = 0; i < 12; i++) {
          replies.push(
            (await postOk(author.token, { page_url: url, content: `r${i}`, parent_id: root.i })).i,
          );
        }
        const nested = await postOk(author.token, {
          page_url: url,
          content: 'nested',
          parent_id: replies[7],
        });
        const first = (await listJson(q(url, '&replies=3'))).tree.comments[0];
        expect(first.r.map((c: { i: string }) => c.i)).toEqual(replies.slice(0, 3));
        expect(first.rc).toBe(12);
        expect(typeof first.rx).toBe('string');
        const seen = [...first.r.map((c: { i: string }) => c.i)];
        let cursor: string | null = first.rx;
        while (cursor) {
          const response = await api.call({
            method: 'GET',
            url: `/v1/comments/${root.i}/replies?limit=4&replies=3&cursor=${encodeURIComponent(cursor)}`,
          });
          expect(response.statusCode, response.body).toBe(200);
          const page = response.json();
          expect(page.comment_id).toBe(root.i);
          seen.push(...page.comments.map((c: { i: string }) => c.i));
          const withNested = page.comments.find((c: { i: string }) => c.i === replies[7]);
          if (withNested) expect(withNested.r.map((c: { i: string }) => c.i)).toEqual([nested.i]);
          cursor = page.next_cursor;
        }
        expect(seen).toEqual(replies);
        // A comment nobody may see has no replies to page through.
        const bad = await api.call({ method: 'GET', url: `/v1/comments/${missingId}/replies` });
        expect(bad.statusCode).toBe(404);
        const wrongCursor = await api.call({
          method: 'GET',
          url: `/v1/comments/${root.i}/replies?cursor=${encodeURIComponent((await listJson(q(url, '&limit=1'))).next_cursor ?? 'x')}`,
        });
        expect(wrongCursor.statusCode).toBe(400);
      });

      it('bounds what one read shows under a root and in all', async () => {
        const author = await api.guest();
        const url = pageUrl();
        const root = await postOk(author.token, { page_url: url, content: 'root' });
        // A chain deeper than one read shows: as deep as threads go.
        let parent = root.i;
        for (let depth = 2; depth <= MAX_DEPTH; depth++) {
          parent = (await postOk(author.token, { page_url: url, content: `d${depth}`, parent_id: parent })).i;
        }
        const body = await listJson(q(url, '&replies=1'));
        let shown = 0;
        let node = body.tree.comments[0];
        while (node.r.length > 0) {
          node = node.r[0];
          shown++;
        }
        // One reply per comment, at most four times that under one root.
        expect(shown).toBe(4);
        expect(node.rc).toBe(1);
        expect(typeof node.rx).toBe('string');
      });

      it('keeps reads, replies and deletions working on a chain stored deeper than threads now go', async () => {
        const { token, userId } = await api.guest('Old');
        const url = pageUrl();
        const root = await postOk(token, { page_url: url, content: 'root' });
        const ids = await storeChain(root.i, userId, 2500);
        const reads = async () => {
          for (const extra of ['', '&replies=50']) {
            expect((await list(q(url, extra))).statusCode).toBe(200);
            expect((await list(q(url, extra), token)).statusCode).toBe(200);
            const asOwner = await api.owner({ method: 'GET', url: `/v1/comments?${q(url, extra)}` });
            expect(asOwner.statusCode).toBe(200);
          }
          const deep = await api.call({ method: 'GET', url: `/v1/comments/${ids[2000]}/replies?replies=50` });
          expect(deep.statusCode, deep.body).toBe(200);
          expect(deep.json().comments[0].i).toBe(ids[2001]);
        };
        await reads();
        // A reply to the deepest comment joins the chain's comment on the level above the deepest.
        const reply = await postOk(token, { page_url: url, content: 'at the end', parent_id: ids.at(-1)! });
        expect(reply.pid).toBe(ids[MAX_DEPTH - 3]);
        // Deleting in the middle leaves a placeholder; deleting the end takes it away.
        for (const id of [ids[1200]!, ids.at(-1)!]) {
          const gone = await api.call({ method: 'DELETE', url: `/v1/comments/${id}`, token });
          expect(gone.statusCode, gone.body).toBe(204);
        }
        await reads();
        expect((await stored(ids[1200]!))?.s).toBe('deleted');
        expect(await stored(ids.at(-1)!)).toBeNull();
        expect((await listJson(q(url))).total).toBe(1 + 2500 - 2 + 1);
        const exported = await api.call({ method: 'GET', url: '/v1/users/me/export', token });
        expect(exported.statusCode).toBe(200);
        expect(exported.json().comments).toHaveLength(1 + 2500 - 1 + 1);
      });

      /**
       * A chain of `length` replies under `rootId`, each answering the one before, stored as a
       * version without a depth limit stored them: listed, with their counts.
       */
      async function storeChain(rootId: string, authorId: string, length: number): Promise<string[]> {
        const root = (await stored(rootId))!;
        const site = api.site.id;
        const ids = Array.from({ length }, () => newId());
        const writes = api.redis.pipeline();
        const record = (c: StoredComment) => encodeComment(c, storedHtml(c.t, c.h));
        writes.set(keys.comment(site, rootId), record({ ...root, rc: 1 }));
        ids.forEach((id, n) => {
          const parent = n === 0 ? rootId : ids[n - 1]!;
          const createdMs = root.cm + n + 1;
          const t = `level ${n + 2}`;
          writes.set(
            keys.comment(site, id),
            record({
              ...root,
              i: id,
              pid: parent,
              a: authorId,
              t,
              h: plainHtml(t),
              cm: createdMs,
              c: Math.floor(createdMs / 1000),
              rc: n < length - 1 ? 1 : 0,
            }),
          );
          writes.zadd(keys.replies(site, parent), createdMs, id);
          writes.rpush(keys.userComments(site, authorId), id);
        });
        writes.hincrby(keys.page(site, root.pg), 'count', length);
        writes.hincrby(keys.page(site, root.pg), 'ver', 1);
        await writes.exec();
        return ids;
      }
    });

    describe('sorting and pagination', () => {
      it('orders roots by new, old, top, hot and controversial', async () => {
        const author = await api.guest();
        const url = pageUrl();
        const ids: string[] = [];
        for (let i = 0; i < 4; i++)
          ids.push((await postOk(author.token, { page_url: url, content: `c${i}` })).i);
        const voters = await Promise.all(Array.from({ length: 6 }, () => api.guest()));
        // c1: +3, c2: 3 up 3 down (controversial), c3: -1, c0: none
        for (const v of voters.slice(0, 3)) await vote(v.token, ids[1]!, 'up');
        for (const v of voters.slice(0, 3)) await vote(v.token, ids[2]!, 'up');
        for (const v of voters.slice(3, 6)) await vote(v.token, ids[2]!, 'down');
        await vote(voters[0]!.token, ids[3]!, 'down');
        const order = async (sort: string) =>
          (await listJson(q(url, `&sort=${sort}`))).tree.comments.map((c: { i: string }) => ids.indexOf(c.i));
        expect(await order('new')).toEqual([3, 2, 1, 0]);
        expect(await order('old')).toEqual([0, 1, 2, 3]);
        expect(await order('top')).toEqual([1, 2, 0, 3].sort((a, b) => score(b) - score(a) || b - a));
        // Hot: net score on a log scale plus recency, so -1 and 0 weigh the same and the newer wins.
        expect(await order('hot')).toEqual([1, 3, 2, 0]);
        expect((await order('controversial'))[0]).toBe(2);
        function score(i: number) {
          return [0, 3, 0, -1][i]!;
        }
      });

      it('paginates roots with a stable cursor while new comments arrive', async () => {
        const author = await api.guest();
        const url = pageUrl();
        const created: string[] = [];
        for (let i = 0; i < 7; i++)
          created.push((await postOk(author.token, { page_url: url, content: `p${i}` })).i);
        for (const sort of ['new', 'old']) {
          const seen: string[] = [];
          let cursor: string | null = null;
          let pages = 0;
          do {
            const body = await listJson(q(url, `&sort=${sort}&limit=3${cursor ? `&cursor=${cursor}` : ''}`));
            seen.push(...body.tree.comments.map((c: { i: string }) => c.i));
            cursor = body.next_cursor;
            // New comments between page fetches must not shift what the cursor points at.
            if (pages++ === 0) await postOk(author.token, { page_url: url, content: 'interloper' });
          } while (cursor);
          const original = seen.filter((id) => created.includes(id));
          expect(new Set(seen).size).toBe(seen.length);
          expect(original).toEqual(sort === 'new' ? [...created].reverse() : created);
        }
        const bad = await list(q(url, '&sort=top&cursor=not-a-cursor'));
        expect(bad.statusCode).toBe(400);
        const first = await listJson(q(url, '&sort=new&limit=3'));
        const wrongSort = await list(q(url, `&sort=top&limit=3&cursor=${first.next_cursor}`));
        expect(wrongSort.json()).toMatchObject({ code: 'invalid_request', field: 'cursor' });
        expect((await list(q(url, '&limit=0'))).statusCode).toBe(400);
        expect((await list(q(url, '&limit=201'))).statusCode).toBe(400);
        expect((await list(q(url, '&sort=best'))).statusCode).toBe(400);
      });
    });

    describe('caching and counters', () => {
      it('answers If-None-Match with 304 until the thread changes', async () => {
        const author = await api.guest();
        const url = pageUrl();
        await postOk(author.token, { page_url: url, content: 'etag' });
        const first = await list(q(url));
        const etag = first.headers.etag as string;
        expect(etag).toBeTruthy();
        const again = await list(q(url), undefined, { 'if-none-match': etag });
        expect(again.statusCode).toBe(304);
        expect(again.body).toBe('');
        const asUser = await list(q(url), author.token, { 'if-none-match': etag });
        expect(asUser.statusCode).toBe(200);
        await postOk(author.token, { page_url: url, content: 'change' });
        const changed = await list(q(url), undefined, { 'if-none-match': etag });
        expect(changed.statusCode).toBe(200);
        expect(changed.headers.etag).not.toBe(etag);
        expect(changed.json().total).toBe(2);
      });

      it('serves the shared thread gzipped to clients that accept it', async () => {
        const author = await api.guest();
        const url = pageUrl();
        for (let i = 0; i < 5; i++)
          await postOk(author.token, { page_url: url, content: `gzip me ${i} `.repeat(20) });
        const plain = await list(q(url));
        expect(plain.headers['content-encoding']).toBeUndefined();
        // The compressed copy is made off the request path, so it appears on a later request.
        const zipped = await eventually(
          'a gzipped response',
          () => list(q(url), undefined, { 'accept-encoding': 'br, gzip;q=0.8' }),
          (r) => r.headers['content-encoding'] === 'gzip',
        );
        expect(zipped.headers.vary).toMatch(/Accept-Encoding/);
        expect(zipped.rawPayload.length).toBeLessThan(plain.rawPayload.length);
        const decoded = JSON.parse(gunzipSync(zipped.rawPayload).toString('utf8'));
        expect(decoded.tree).toEqual(plain.json().tree);
        const refused = await list(q(url), undefined, { 'accept-encoding': 'gzip;q=0, identity' });
        expect(refused.headers['content-encoding']).toBeUndefined();
      });

      it('counts page views and comments for many pages', async () => {
        const author = await api.guest();
        const [u1, u2, u3] = [pageUrl(), pageUrl(), pageUrl()];
        await postOk(author.token, { page_url: u1, content: 'a' });
        await postOk(author.token, { page_url: u1, content: 'b' });
        await postOk(author.token, { page_url: u2, content: 'c' });
        await postOk(author.token, {
          page_url: 'https://blog.example.com/keyed',
          page_key: 'k-1',
          content: 'd',
        });
        const first = await listJson(q(u3));
        expect(first.pageviews).toBe(1);
        // Views are counted in memory and added in Redis in batches; every one arrives.
        for (let i = 0; i < 4; i++) await listJson(q(u3), i % 2 ? author.token : undefined);
        await api.context.pages.flush();
        expect(await api.redis.hget(keys.page(api.site.id, first.page_id), 'views')).toBe('5');
        // A shared response may show a count up to a second old, never a smaller one.
        expect((await listJson(q(u3))).pageviews).toBeGreaterThanOrEqual(1);
        expect((await listJson(q(u3), author.token)).pageviews).toBeGreaterThanOrEqual(6);
        const response = await api.call({
          method: 'GET',
          url: `/v1/comments/counts?page_url=${encodeURIComponent(u1)}&page_url=${encodeURIComponent(`${u2}/`)}&page_url=${encodeURIComponent(u3)}&page_key=k-1`,
        });
        expect(response.statusCode).toBe(200);
        expect(response.json()).toEqual({ counts: { [u1]: 2, [`${u2}/`]: 1, [u3]: 0, 'k-1': 1 } });
        expect((await api.call({ method: 'GET', url: '/v1/comments/counts' })).statusCode).toBe(400);
      });
    });

    describe('visibility', () => {
      it('shows pending comments only to their author and moderators', async () => {
        await api.context.sites.setSetting(api.site.id, 'moderation', 'pre');
        const reader = await api.secondInstance();
        try {
          const author = await api.guest();
          const other = await api.guest();
          const url = pageUrl();
          const sub = await subscribeToChannel(
            api,
            channels.page(api.site.id, (await listJson(q(url))).page_id),
          );
          const held = await postOk(author.token, { page_url: url, content: 'held' });
          expect(held.s).toBe('pending');
          const event = await sub.next('new_comment');
          expect(event.audience).toEqual({ public: false, user_id: author.userId });
          await sub.close();
          const view = async (headers: Record<string, string>) =>
            (await reader.inject({ method: 'GET', url: `/v1/comments?${q(url)}`, headers })).json();
          const pub = { projectid: api.site.publicKey, origin: 'https://blog.example.com' };
          expect((await view(pub)).tree.comments).toEqual([]);
          expect((await view(pub)).total).toBe(0);
          expect((await view({ ...pub, authorization: `Bearer ${other.token}` })).tree.comments).toEqual([]);
          expect((await view({ ...pub, authorization: `Bearer ${author.token}` })).tree.comments[0].s).toBe(
            'pending',
          );
          expect((await view({ projectid: api.site.secretKey })).tree.comments[0].i).toBe(held.i);
          const reply = await post(other.token, { page_url: url, content: 'x', parent_id: held.i });
          expect(reply.status).toBe(404);
          expect((await vote(other.token, held.i, 'up')).statusCode).toBe(404);
        } finally {
          await api.context.sites.setSetting(api.site.id, 'moderation', 'none');
          await reader.close();
        }
      });

      it('hides a shadow-banned author from everyone but themselves and moderators', async () => {
        const banned = await api.guest('Troll');
        const other = await api.guest();
        const url = pageUrl();
        const before = await postOk(banned.token, { page_url: url, content: 'before' });
        // As another instance would: the change is made in Redis, not through this app.
        const moderation = new ModerationStore(api.redis);
        await moderation.setShadowban(api.site.id, banned.userId, true, RANK.owner);
        const after = await postOk(banned.token, { page_url: url, content: 'after' });
        expect(after.s).toBe('approved');
        const ids = async (token?: string) =>
          (await listJson(q(url), token)).tree.comments.map((c: { i: string }) => c.i);
        await eventually(
          'anonymous readers to stop seeing the author',
          () => ids(),
          (seen) => seen.length === 0,
        );
        expect(await ids(other.token)).toEqual([]);
        expect(await ids(banned.token)).toEqual([after.i, before.i]);
        const owner = await api.owner({ method: 'GET', url: `/v1/comments?${q(url)}` });
        expect(owner.json().tree.comments).toHaveLength(2);
        await moderation.setShadowban(api.site.id, banned.userId, false, RANK.owner);
        const restored = await eventually(
          'the author to reappear',
          () => ids(),
          (seen) => seen.length === 2,
        );
        expect(restored).toEqual([after.i, before.i]);
      });
    });

    describe('pins and reports', () => {
      it('lets moderators pin root comments, listed first', async () => {
        const author = await api.guest();
        const url = pageUrl();
        const older = await postOk(author.token, { page_url: url, content: 'older' });
        await postOk(author.token, { page_url: url, content: 'newer' });
        const reply = await postOk(author.token, { page_url: url, content: 'reply', parent_id: older.i });
        const sub = await subscribeToChannel(
          api,
          channels.page(api.site.id, (await listJson(q(url))).page_id),
        );

        expect(
          (await api.call({ method: 'POST', url: `/v1/comments/${older.i}/pin`, token: author.token }))
            .statusCode,
        ).toBe(403);
        const pinned = await api.owner({ method: 'POST', url: `/v1/comments/${older.i}/pin` });
        expect(pinned.statusCode).toBe(200);
        expect(pinned.json()).toEqual({ comment_id: older.i, pinned: true });
        expect((await sub.next('pin_update')).message.params).toMatchObject({
          comment_id: older.i,
          pinned: true,
        });
        expect((await api.owner({ method: 'POST', url: `/v1/comments/${reply.i}/pin` })).statusCode).toBe(
          409,
        );

        const body = await listJson(q(url, '&limit=1'));
        expect(body.pinned).toEqual([older.i]);
        expect(body.tree.comments.map((c: { t: string }) => c.t)).toEqual(['older', 'newer']);
        // Pinned roots come on top of the first page and are not counted against its limit.
        expect(body.next_cursor).toBeNull();

        expect(
          (await api.owner({ method: 'POST', url: `/v1/comments/${older.i}/unpin` })).json().pinned,
        ).toBe(false);
        expect((await listJson(q(url))).pinned).toEqual([]);
        await sub.close();
      });

      it('takes one report per user per comment', async () => {
        const author = await api.guest();
        const reporter = await api.guest();
        const comment = await postOk(author.token, { page_url: pageUrl(), content: 'spammy' });
        const report = (token: string, payload: Record<string, unknown>) =>
          api.call({ method: 'POST', url: `/v1/comments/${comment.i}/report`, token, payload });
        expect((await report(reporter.token, { reason: 'spam', details: 'buy now' })).statusCode).toBe(204);
        expect((await report(reporter.token, { reason: 'spam' })).statusCode).toBe(409);
        expect((await report(author.token, { reason: 'spam' })).statusCode).toBe(403);
        expect((await report(reporter.token, { reason: 'boring' })).statusCode).toBe(400);
        const second = await api.guest();
        expect((await report(second.token, { reason: 'other' })).statusCode).toBe(204);
        expect(await api.redis.hlen(keys.commentReports(api.site.id, comment.i))).toBe(2);
        expect(await api.redis.zscore(keys.reports(api.site.id), comment.i)).not.toBeNull();
      });
    });

    describe('events', () => {
      it('publishes every write to the page channel in the WebSocket message shape', async () => {
        const author = await api.guest('Eve');
        const voter = await api.guest();
        const url = pageUrl();
        const pageId = (await listJson(q(url))).page_id;
        const sub = await subscribeToChannel(api, channels.page(api.site.id, pageId));
        const comment = await postOk(author.token, { page_url: url, content: 'live' });
        const created = await sub.next('new_comment');
        expect(created.audience).toEqual({ public: true });
        expect(created.message).toMatchObject({
          jsonrpc: '2.0',
          method: 'new_comment',
          params: { page_id: pageId, comment: { i: comment.i, n: 'Eve', t: 'live' } },
        });

        await api.call({
          method: 'PUT',
          url: `/v1/comments/${comment.i}`,
          token: author.token,
          payload: { content: 'edited' },
        });
        expect((await sub.next('edit_comment')).message.params).toEqual({
          page_id: pageId,
          comment_id: comment.i,
          content: 'edited',
          content_html: '<p>edited</p>',
        });

        await vote(voter.token, comment.i, 'up');
        expect((await sub.next('vote_update')).message.params).toEqual({
          page_id: pageId,
          comment_id: comment.i,
          upvotes: 1,
          downvotes: 0,
        });

        await api.call({ method: 'DELETE', url: `/v1/comments/${comment.i}`, token: author.token });
        expect((await sub.next('delete_comment')).message.params).toEqual({
          page_id: pageId,
          comment_id: comment.i,
        });
        await sub.close();
      });
    });

    describe('scripts and isolation', () => {
      it('keeps working after the script cache is flushed (NOSCRIPT fallback)', async () => {
        const { token } = await api.guest();
        const url = pageUrl();
        await postOk(token, { page_url: url, content: 'before flush' });
        if (api.backend.cluster) {
          const { Redis } = await import('ioredis');
          for (const node of api.backend.cluster.nodes) {
            const client = new Redis(node.port, node.host);
            await client.script('FLUSH');
            client.disconnect();
          }
        } else {
          await api.redis.call('SCRIPT', 'FLUSH');
        }
        await postOk(token, { page_url: url, content: 'after flush' });
        expect((await listJson(q(url))).total).toBe(2);
      });

      it('refuses a key whose index entry outlived a rotation', async () => {
        const { generateApiKey, hashApiKey } = await import('@threadkit/core');
        const stale = generateApiKey('public');
        // As if the old key's index entry had not been removed when the keys were rotated.
        await api.redis.set(keys.apiKey(hashApiKey(stale)), `${api.site.id} public`);
        const response = await api.app.inject({
          method: 'GET',
          url: `/v1/comments?${q(pageUrl())}`,
          headers: { projectid: stale, origin: 'https://blog.example.com' },
        });
        expect(response.statusCode).toBe(401);
      });

      it("never lets one site's token touch another site's comments", async () => {
        const { token } = await api.guest();
        const comment = await postOk(token, { page_url: pageUrl(), content: 'site one' });
        const other = await startSecondSite(api);
        const guest = await other.inject({ method: 'POST', url: '/v1/auth/guest', payload: { name: 'x' } });
        const otherToken = guest.json().token as string;
        const voteElsewhere = await other.inject({
          method: 'POST',
          url: `/v1/comments/${comment.i}/vote`,
          payload: { direction: 'up' },
          token: otherToken,
        });
        expect(voteElsewhere.statusCode).toBe(404);
        const crossToken = await api.call({
          method: 'POST',
          url: `/v1/comments/${comment.i}/vote`,
          token: otherToken,
          payload: { direction: 'up' },
        });
        expect(crossToken.statusCode).toBe(401);
        expect((await stored(comment.i))?.u).toBe(0);
      });
    });
  });
}

/** A second site on the same Redis, reached with its own public key. */
async function startSecondSite(api: TestApi) {
  const { generateApiKey, newId, DEFAULT_SETTINGS, SiteStore } = await import('@threadkit/core');
  const publicKey = generateApiKey('public');
  const store = new SiteStore(api.redis);
  await store.create(
    {
      id: newId(),
      name: 'Other',
      domain: null,
      settings: { ...DEFAULT_SETTINGS, allowed_origins: ['https://other.example'] },
      created_at: 0,
    },
    { publicKey, secretKey: generateApiKey('secret') },
  );
  return {
    inject: (options: { method: 'GET' | 'POST'; url: string; payload?: unknown; token?: string }) =>
      api.app.inject({
        method: options.method,
        url: options.url,
        ...(options.payload ? { payload: options.payload as Record<string, unknown> } : {}),
        headers: {
          projectid: publicKey,
          origin: 'https://other.example',
          ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
        },
      }),
  };
}
