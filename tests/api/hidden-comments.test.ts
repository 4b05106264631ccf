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
    expect(await api.redis.zcard(keys.pageIndex(api.site.id, page, 'hot'))).toBe(0);
    expect(shape((await read(url, troll.token)).tree.comments)).toEqual([[trolled.i, [answer.i]]]);
    expect(
      (await api.owner({ method: 'POST', url: `/v1/moderation/unshadowban/${troll.userId}` })).statusCode,
    ).toBe(204);
    expect(shape((await read(url)).tree.comments)).toEqual([[trolled.i, [answer.i]]]);
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
