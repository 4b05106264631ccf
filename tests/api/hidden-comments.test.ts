import { CommentStore, keys, MAX_HIDDEN_SHOWN } from '@threadkit/core';
import { startTestApi, type TestApi } from '@threadkit/testing';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

/**
 * Hidden comments (pending, rejected, by a shadow-banned author, placeholders
 * of hidden replies) live outside the public thread: every reader walks only
 * what everyone may see, and the few who may see more get it merged in.
 */
let api: TestApi;
let seq = 0;
const pageUrl = () => `https://blog.example.com/hidden-${++seq}`;

beforeAll(async () => {
  api = await startTestApi();
});
afterAll(async () => {
  await api?.stop();
});

interface Node {
  i: string;
  s: string;
  r: Node[];
  rc: number;
}

const post = async (token: string, body: Record<string, unknown>) => {
  const response = await api.call({ method: 'POST', url: '/v1/comments', token, payload: body });
  expect(response.statusCode, response.body).toBe(201);
  return response.json().comment as { i: string; s: string };
};
const read = async (url: string, token?: string, extra = '') => {
  const response = await api.call({
    method: 'GET',
    url: `/v1/comments?page_url=${encodeURIComponent(url)}${extra}`,
    ...(token ? { token } : {}),
  });
  expect(response.statusCode, response.body).toBe(200);
  return response.json() as {
    page_id: string;
    tree: { comments: Node[] };
    total: number;
    next_cursor: string | null;
    votes?: Record<string, string>;
  };
};
const readAsOwner = async (url: string) =>
  (await api.owner({ method: 'GET', url: `/v1/comments?page_url=${encodeURIComponent(url)}` })).json() as {
    tree: { comments: Node[] };
  };
const shape = (nodes: Node[]): unknown[] => nodes.map((n) => (n.r.length > 0 ? [n.i, shape(n.r)] : n.i));
const pageId = async (url: string) => (await read(url)).page_id;
/** The public comment count of the page, as blog index pages ask for it. */
const counts = async (url: string) =>
  (await api.call({ method: 'GET', url: `/v1/comments/counts?page_url=${encodeURIComponent(url)}` })).json()
    .counts[url] as number;
/** Counted independently of the scripts: the published comments met walking down from the page's roots. */
const reachedCount = async (page: string) => {
  const store = new CommentStore(api.redis);
  const queue = await api.redis.zrange(keys.pageIndex(api.site.id, page, 'new'), 0, -1);
  let count = 0;
  for (let next = 0; next < queue.length; next++) {
    const comment = await store.get(api.site.id, queue[next]!);
    if (comment?.s !== 'deleted') count++;
    queue.push(...(await api.redis.zrange(keys.replies(api.site.id, queue[next]!), 0, -1)));
  }
  return count;
};
/** The page's logged live events: who each one is for, its method and the comment it is about. */
const events = async (page: string) =>
  (await api.redis.xrange(keys.pageEvents(api.site.id, page), '-', '+')).map(([, fields]) => {
    const { audience, message } = JSON.parse(fields[1]!);
    return {
      audience,
      method: message.method as string,
      id: (message.params.comment?.i ?? message.params.comment_id) as string,
    };
  });
const moderate = (action: 'approve' | 'reject', id: string) =>
  api.owner({ method: 'POST', url: `/v1/moderation/${action}/${id}` });
const withModeration = async (mode: 'pre' | 'none', run: () => Promise<void>) => {
  await api.context.sites.setSetting(api.site.id, 'moderation', mode);
  try {
    await run();
  } finally {
    await api.context.sites.setSetting(api.site.id, 'moderation', 'none');
  }
};

describe('hidden comments', () => {
  it('stay out of the public indexes, and reach only their author and moderators, in their place', async () => {
    const url = pageUrl();
    const ada = await api.guest('Ada');
    const bob = await api.guest('Bob');
    const first = await post(bob.token, { page_url: url, content: 'first' });
    let held = { i: '', s: '' };
    let heldReply = { i: '', s: '' };
    await withModeration('pre', async () => {
      held = await post(ada.token, { page_url: url, content: 'held root' });
      heldReply = await post(ada.token, { page_url: url, content: 'held reply', parent_id: first.i });
    });
    expect(held.s).toBe('pending');
    const last = await post(bob.token, { page_url: url, content: 'last' });

    const page = await pageId(url);
    expect(await api.redis.zrange(keys.pageIndex(api.site.id, page, 'new'), 0, -1)).toEqual([
      first.i,
      last.i,
    ]);
    expect(await api.redis.zrange(keys.replies(api.site.id, first.i), 0, -1)).toEqual([]);
    expect(await api.redis.zrange(keys.pageHidden(api.site.id, page), 0, -1)).toEqual([held.i, heldReply.i]);
    expect(await api.redis.zrange(keys.pageHiddenBy(api.site.id, page, ada.userId), 0, -1)).toEqual([
      held.i,
      heldReply.i,
    ]);

    // Newest first: the held root sits between the two, and the held reply under its parent.
    const everyone = [last.i, first.i];
    expect(shape((await read(url)).tree.comments)).toEqual(everyone);
    expect(shape((await read(url, bob.token)).tree.comments)).toEqual(everyone);
    const own = [last.i, held.i, [first.i, [heldReply.i]]];
    expect(shape((await read(url, ada.token)).tree.comments)).toEqual(own);
    expect(shape((await readAsOwner(url)).tree.comments)).toEqual(own);
    // Oldest first too.
    expect(shape((await read(url, ada.token, '&sort=old')).tree.comments)).toEqual([
      [first.i, [heldReply.i]],
      held.i,
      last.i,
    ]);

    // Approved, it joins the public thread; rejected, it leaves it again.
    expect((await moderate('approve', held.i)).statusCode).toBe(204);
    expect(shape((await read(url)).tree.comments)).toEqual([last.i, held.i, first.i]);
    expect(await api.redis.zscore(keys.pageHidden(api.site.id, page), held.i)).toBeNull();
    expect((await moderate('reject', held.i)).statusCode).toBe(204);
    expect(shape((await read(url)).tree.comments)).toEqual(everyone);
    expect(await api.redis.zscore(keys.pageIndex(api.site.id, page, 'top'), held.i)).toBeNull();
    expect(shape((await read(url, ada.token)).tree.comments)).toEqual(own);
  });

  it('keeps a deleted comment whose only replies are hidden out of the public thread, but not from those replies', async () => {
    const url = pageUrl();
    const ada = await api.guest('Ada');
    const bob = await api.guest('Bob');
    const root = await post(bob.token, { page_url: url, content: 'root' });
    let reply = { i: '', s: '' };
    await withModeration('pre', async () => {
      reply = await post(ada.token, { page_url: url, content: 'held reply', parent_id: root.i });
    });
    expect(
      (await api.call({ method: 'DELETE', url: `/v1/comments/${root.i}`, token: bob.token })).statusCode,
    ).toBe(204);
    // Nothing public is left: a placeholder over hidden replies is itself hidden.
    expect((await read(url)).tree.comments).toEqual([]);
    const seen = (await read(url, ada.token)).tree.comments;
    expect(shape(seen)).toEqual([[root.i, [reply.i]]]);
    expect(seen[0]!.s).toBe('deleted');
    // Approving the reply brings the placeholder into the public thread with it.
    expect((await moderate('approve', reply.i)).statusCode).toBe(204);
    expect(shape((await read(url)).tree.comments)).toEqual([[root.i, [reply.i]]]);
    // Deleting the reply then takes both away.
    expect(
      (await api.call({ method: 'DELETE', url: `/v1/comments/${reply.i}`, token: ada.token })).statusCode,
    ).toBe(204);
    expect((await read(url)).tree.comments).toEqual([]);
    expect(await api.redis.exists(keys.comment(api.site.id, root.i))).toBe(0);
  });

  it('follow a shadow-ban both ways', async () => {
    const url = pageUrl();
    const troll = await api.guest('Troll');
    const bob = await api.guest('Bob');
    const trolled = await post(troll.token, { page_url: url, content: 'troll root' });
    const answer = await post(bob.token, { page_url: url, content: 'answer', parent_id: trolled.i });
    const page = await pageId(url);
    expect(
      (await api.owner({ method: 'POST', url: `/v1/moderation/shadowban/${troll.userId}` })).statusCode,
    ).toBe(204);
    expect((await read(url)).tree.comments).toEqual([]);
    expect((await read(url)).total).toBe(0);
    expect(await api.redis.zcard(keys.pageIndex(api.site.id, page, 'hot'))).toBe(0);
    expect(shape((await read(url, troll.token)).tree.comments)).toEqual([[trolled.i, [answer.i]]]);
    expect(
      (await api.owner({ method: 'POST', url: `/v1/moderation/unshadowban/${troll.userId}` })).statusCode,
    ).toBe(204);
    expect(shape((await read(url)).tree.comments)).toEqual([[trolled.i, [answer.i]]]);
    expect((await read(url)).total).toBe(2);
  });

  it('keep the replies under them hidden with them: not counted, not announced, not reachable by id, shown to whoever sees the comment', async () => {
    const url = pageUrl();
    const ada = await api.guest('Ada');
    const bob = await api.guest('Bob');
    const registered = await api.call({
      method: 'POST',
      url: '/v1/auth/register',
      payload: { name: 'Mo', email: `mo-${++seq}@example.com`, password: 'correct horse battery staple' },
    });
    const mod = { token: registered.json().token as string };
    await api.promote(registered.json().user.id, 'moderator');
    const first = await post(bob.token, { page_url: url, content: 'first' });
    let held = { i: '', s: '' };
    await withModeration('pre', async () => {
      held = await post(ada.token, { page_url: url, content: 'held root' });
    });
    // Published themselves, under a comment nobody else may see yet.
    const followUp = await post(ada.token, { page_url: url, content: 'my own follow-up', parent_id: held.i });
    const deeper = await post(ada.token, { page_url: url, content: 'and another', parent_id: followUp.i });
    const answer = await post(mod.token, {
      page_url: url,
      content: 'a moderator answers',
      parent_id: held.i,
    });
    expect([followUp.s, deeper.s, answer.s]).toEqual(['approved', 'approved', 'approved']);

    const page = await pageId(url);
    const hiddenIds = [held.i, followUp.i, deeper.i, answer.i];
    const announced = await events(page);
    for (const id of hiddenIds.slice(1)) {
      expect(announced.find((e) => e.method === 'new_comment' && e.id === id)?.audience).toMatchObject({
        public: false,
      });
    }
    expect((await read(url)).total).toBe(1);
    expect(await counts(url)).toBe(1);
    expect(shape((await read(url)).tree.comments)).toEqual([first.i]);
    expect(shape((await read(url, bob.token)).tree.comments)).toEqual([first.i]);
    // By id too, nobody else reaches them.
    expect(
      (await api.call({ method: 'GET', url: `/v1/comments/${followUp.i}/replies`, token: bob.token }))
        .statusCode,
    ).toBe(404);
    const vote = await api.call({
      method: 'POST',
      url: `/v1/comments/${followUp.i}/vote`,
      token: bob.token,
      payload: { direction: 'up' },
    });
    expect(vote.statusCode).toBe(404);
    const report = await api.call({
      method: 'POST',
      url: `/v1/comments/${followUp.i}/report`,
      token: bob.token,
      payload: { reason: 'spam' },
    });
    expect(report.statusCode).toBe(404);
    const replyTo = await api.call({
      method: 'POST',
      url: '/v1/comments',
      token: bob.token,
      payload: { page_url: url, content: 'sneaking in', parent_id: followUp.i },
    });
    expect(replyTo.statusCode).toBe(404);
    // An edit of one of them is not announced to everyone either.
    const edited = await api.call({
      method: 'PUT',
      url: `/v1/comments/${deeper.i}`,
      token: ada.token,
      payload: { content: 'and another, edited' },
    });
    expect(edited.statusCode).toBe(200);
    expect((await events(page)).at(-1)).toMatchObject({
      method: 'edit_comment',
      audience: { public: false },
    });
    // Their author and moderators see the whole branch.
    const branch = [[held.i, [[followUp.i, [deeper.i]], answer.i]], first.i];
    expect(shape((await read(url, ada.token)).tree.comments)).toEqual(branch);
    expect(shape((await readAsOwner(url)).tree.comments)).toEqual(branch);

    // Approved, the comment brings its replies into the thread and the count; rejected, it takes them out.
    expect((await moderate('approve', held.i)).statusCode).toBe(204);
    expect((await read(url)).total).toBe(5);
    expect(shape((await read(url)).tree.comments)).toEqual(branch);
    expect(
      (await api.call({ method: 'GET', url: `/v1/comments/${followUp.i}/replies`, token: bob.token }))
        .statusCode,
    ).toBe(200);
    expect((await moderate('reject', held.i)).statusCode).toBe(204);
    expect((await read(url)).total).toBe(1);
    expect(await counts(url)).toBe(1);
    expect(shape((await read(url)).tree.comments)).toEqual([first.i]);
    // Banned with their comments taken down: what nobody else saw goes quietly.
    const ban = await api.owner({
      method: 'POST',
      url: `/v1/moderation/ban/${ada.userId}`,
      payload: { delete_comments: true },
    });
    expect(ban.statusCode).toBe(204);
    const takenDown = (await events(page)).filter((e) => e.method === 'delete_comment');
    expect(takenDown.map((e) => [e.id, e.audience.public])).toEqual([
      [held.i, true],
      [followUp.i, false],
      [deeper.i, false],
    ]);
  });

  it('take published replies out of the count when the comment above them is rejected, and back when approved', async () => {
    const url = pageUrl();
    const bob = await api.guest('Bob');
    const carol = await api.guest('Carol');
    const dan = await api.guest('Dan');
    const root = await post(bob.token, { page_url: url, content: 'root' });
    const reply = await post(carol.token, { page_url: url, content: 'reply', parent_id: root.i });
    const nested = await post(dan.token, { page_url: url, content: 'nested', parent_id: reply.i });
    expect((await read(url)).total).toBe(3);
    expect((await moderate('reject', root.i)).statusCode).toBe(204);
    expect((await read(url)).total).toBe(0);
    // Replies under a rejected comment are out of reach, and what happens to them is not public.
    const vote = await api.call({
      method: 'POST',
      url: `/v1/comments/${nested.i}/vote`,
      token: bob.token,
      payload: { direction: 'up' },
    });
    expect(vote.statusCode).toBe(404);
    const removed = await api.call({ method: 'DELETE', url: `/v1/comments/${nested.i}`, token: dan.token });
    expect(removed.statusCode).toBe(204);
    expect((await events(await pageId(url))).at(-1)).toMatchObject({
      method: 'delete_comment',
      id: nested.i,
      audience: { public: false },
    });
    expect((await read(url)).total).toBe(0);
    expect((await moderate('approve', root.i)).statusCode).toBe(204);
    expect((await read(url)).total).toBe(2);
    expect(shape((await read(url)).tree.comments)).toEqual([[root.i, [reply.i]]]);
  });

  it("do not show a reply's author the comment it answered once that is rejected", async () => {
    const url = pageUrl();
    const ada = await api.guest('Ada');
    const bob = await api.guest('Bob');
    const root = await post(bob.token, { page_url: url, content: 'to be rejected' });
    let reply = { i: '', s: '' };
    await withModeration('pre', async () => {
      reply = await post(ada.token, { page_url: url, content: 'held reply', parent_id: root.i });
    });
    expect((await moderate('reject', root.i)).statusCode).toBe(204);
    const seen = JSON.stringify((await read(url, ada.token)).tree.comments);
    expect(seen).not.toContain(root.i);
    expect(seen).not.toContain('to be rejected');
    expect(shape((await readAsOwner(url)).tree.comments)).toEqual([[root.i, [reply.i]]]);
  });

  it('keep the page count equal to the published comments readers reach, whatever happens in between', async () => {
    const url = pageUrl();
    const people = [await api.guest('Ann'), await api.guest('Ben'), await api.guest('Cy')];
    const page = await pageId(url);
    const ids: string[] = [];
    // A fixed sequence of pseudo-random steps (a linear congruential generator), so a failure repeats.
    let state = 7;
    const random = (n: number) => {
      state = (state * 1103515245 + 12345) % 2147483648;
      return Math.floor(state / 65536) % n;
    };
    const pick = () => ids[random(ids.length)]!;
    let edits = 0;
    for (let step = 0; step < 120; step++) {
      const who = people[random(people.length)]!;
      const action = ids.length === 0 ? 0 : random(12);
      if (action <= 4) {
        await withModeration(random(4) === 0 ? 'pre' : 'none', async () => {
          const payload = {
            page_url: url,
            content: `step ${step}`,
            ...(action > 0 ? { parent_id: pick() } : {}),
          };
          const response = await api.call({ method: 'POST', url: '/v1/comments', token: who.token, payload });
          if (response.statusCode === 201) ids.push(response.json().comment.i);
        });
      } else if (action === 5) await moderate('approve', pick());
      else if (action === 6) await moderate('reject', pick());
      else if (action === 7) await api.owner({ method: 'DELETE', url: `/v1/comments/${pick()}` });
      else if (action >= 10) {
        // An edit (only its author's goes through); under pre-moderation it holds the comment again.
        await withModeration(action === 10 ? 'pre' : 'none', async () => {
          const payload = { content: `edited at ${step}` };
          const response = await api.call({
            method: 'PUT',
            url: `/v1/comments/${pick()}`,
            token: who.token,
            payload,
          });
          if (response.statusCode === 200) edits++;
        });
      } else {
        const verb = action === 8 ? 'shadowban' : 'unshadowban';
        await api.owner({ method: 'POST', url: `/v1/moderation/${verb}/${who.userId}` });
      }
      expect((await read(url)).total, `after step ${step}`).toBe(await reachedCount(page));
    }
    expect(edits).toBeGreaterThan(0);
  });

  it('cost a public reader nothing however many there are, and show a reader only the newest of theirs', async () => {
    const url = pageUrl();
    const spammer = await api.guest('Spammer');
    const bob = await api.guest('Bob');
    const visible = await post(bob.token, { page_url: url, content: 'visible' });
    const hiddenCount = MAX_HIDDEN_SHOWN + 20;
    await withModeration('pre', async () => {
      for (let i = 0; i < hiddenCount; i++)
        await post(spammer.token, { page_url: url, content: `spam ${i}` });
    });
    const page = await pageId(url);
    expect(await api.redis.zcard(keys.pageIndex(api.site.id, page, 'new'))).toBe(1);
    expect(await api.redis.zcard(keys.pageHidden(api.site.id, page))).toBe(hiddenCount);
    expect(shape((await read(url)).tree.comments)).toEqual([visible.i]);
    const theirs = (await read(url, spammer.token, '&limit=200')).tree.comments;
    expect(theirs).toHaveLength(MAX_HIDDEN_SHOWN + 1);
  });

  it('serve a signed-in reader the shared thread with their votes, without a script call of their own', async () => {
    const url = pageUrl();
    const ada = await api.guest('Ada');
    const bob = await api.guest('Bob');
    const comment = await post(bob.token, { page_url: url, content: 'vote on me' });
    await api.call({
      method: 'POST',
      url: `/v1/comments/${comment.i}/vote`,
      token: ada.token,
      payload: { direction: 'up' },
    });
    await read(url); // builds the shared copy
    const threadReads = vi.spyOn(CommentStore.prototype, 'readThread');
    try {
      const seen = await read(url, ada.token);
      expect(seen.votes).toEqual({ [comment.i]: 'up' });
      expect(threadReads).not.toHaveBeenCalled();
    } finally {
      threadReads.mockRestore();
    }
  });
});
