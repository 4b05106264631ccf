import { keys } from '@threadkit/core';
import { expectError, startTestApi, type TestApi } from '@threadkit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let api: TestApi;
let seq = 0;
const pageUrl = () => `https://blog.example.com/profile-${++seq}`;

beforeAll(async () => {
  api = await startTestApi();
});
afterAll(async () => {
  await api?.stop();
});

/** An account with a password, signed in: through the API, as a commenter would. */
async function account(name: string) {
  const email = `${name.toLowerCase()}-${++seq}@example.com`;
  const response = await api.call({
    method: 'POST',
    url: '/v1/auth/register',
    payload: { name, email, password: 'correct horse battery staple' },
  });
  expect(response.statusCode, response.body).toBe(201);
  const body = response.json();
  return {
    email,
    token: body.token as string,
    refreshToken: body.refresh_token as string,
    id: body.user.id as string,
  };
}

const post = async (token: string, payload: Record<string, unknown>) => {
  const response = await api.call({ method: 'POST', url: '/v1/comments', token, payload });
  expect(response.statusCode, response.body).toBe(201);
  return response.json().comment as { i: string };
};

describe('GET and PUT /v1/users/me', () => {
  it('shows the account and changes name, avatar and e-mail notifications', async () => {
    const me = await account('Ada');
    const shown = await api.call({ method: 'GET', url: '/v1/users/me', token: me.token });
    expect(shown.statusCode).toBe(200);
    expect(shown.json()).toMatchObject({
      id: me.id,
      name: 'Ada',
      email: me.email,
      phone: null,
      avatar_url: null,
      email_verified: false,
      phone_verified: false,
      karma: 0,
      role: 'user',
      guest: false,
      unread_notifications: 0,
      email_notifications: false,
    });

    const changed = await api.call({
      method: 'PUT',
      url: '/v1/users/me',
      token: me.token,
      payload: {
        name: '  Ada  Lovelace ',
        avatar_url: 'https://images.example.com/ada.png',
        email_notifications: true,
      },
    });
    expect(changed.statusCode, changed.body).toBe(200);
    expect(changed.json()).toMatchObject({
      name: 'Ada Lovelace',
      avatar_url: 'https://images.example.com/ada.png',
      email_notifications: true,
    });
    const cleared = await api.call({
      method: 'PUT',
      url: '/v1/users/me',
      token: me.token,
      payload: { avatar_url: null },
    });
    expect(cleared.json().avatar_url).toBeNull();
  });

  it('refuses bad profile values and calls without a token', async () => {
    const me = await account('Bad');
    for (const [payload, field] of [
      [{ avatar_url: 'javascript:alert(1)' }, 'avatar_url'],
      [{ avatar_url: 'http://insecure.example/a.png' }, 'avatar_url'],
      [{ name: '   ' }, 'name'],
      [{ name: 'x'.repeat(51) }, 'name'],
      [{ email: 'new@example.com' }, 'email'],
    ] as const) {
      const response = await api.call({ method: 'PUT', url: '/v1/users/me', token: me.token, payload });
      expect(expectError(response, 400, 'invalid_request').field).toBe(field);
    }
    expectError(await api.call({ method: 'GET', url: '/v1/users/me' }), 401, 'unauthorized');
  });
});

describe('GET /v1/users/:id', () => {
  it('shows only the public profile', async () => {
    const me = await account('Public');
    const response = await api.call({ method: 'GET', url: `/v1/users/${me.id}` });
    expect(response.statusCode).toBe(200);
    expect(Object.keys(response.json()).sort()).toEqual(['avatar_url', 'created_at', 'id', 'karma', 'name']);
    expectError(await api.call({ method: 'GET', url: '/v1/users/0cZdmZixoJscOFqiPZ6LHx' }), 404, 'not_found');
  });
});

describe('sessions', () => {
  it('lists the sessions, marks the current one, and ends another', async () => {
    const me = await account('Sessions');
    const second = await api.call({
      method: 'POST',
      url: '/v1/auth/login',
      payload: { email: me.email, password: 'correct horse battery staple' },
    });
    const other = second.json().token as string;
    const listed = await api.call({ method: 'GET', url: '/v1/users/me/sessions', token: me.token });
    const sessions = listed.json().sessions as { id: string; current: boolean }[];
    expect(sessions).toHaveLength(2);
    expect(sessions.filter((s) => s.current)).toHaveLength(1);
    const otherSession = sessions.find((s) => !s.current)!;
    const ended = await api.call({
      method: 'DELETE',
      url: `/v1/users/me/sessions/${otherSession.id}`,
      token: me.token,
    });
    expect(ended.statusCode).toBe(204);
    expectError(await api.call({ method: 'GET', url: '/v1/users/me', token: other }), 401, 'unauthorized');
    expect((await api.call({ method: 'GET', url: '/v1/users/me', token: me.token })).statusCode).toBe(200);
    // Someone else's session id is not yours to end.
    const stranger = await account('Stranger');
    const theirs = (
      await api.call({ method: 'GET', url: '/v1/users/me/sessions', token: stranger.token })
    ).json();
    expectError(
      await api.call({
        method: 'DELETE',
        url: `/v1/users/me/sessions/${theirs.sessions[0].id}`,
        token: me.token,
      }),
      404,
      'not_found',
    );
  });

  it('revokes the session when a refresh token is used again, however old', async () => {
    const me = await account('Rotating');
    const refresh = (token: string) =>
      api.call({ method: 'POST', url: '/v1/auth/refresh', payload: { refresh_token: token } });
    const first = me.refreshToken;
    const rotated = await refresh(first);
    expect(rotated.statusCode, rotated.body).toBe(200);
    const second = rotated.json().refresh_token as string;
    const again = await refresh(second);
    expect(again.statusCode, again.body).toBe(200);
    const third = again.json();
    expect(third.token).toBeTruthy();
    // The first token, two rotations old, comes back: it was copied, so the session ends.
    expectError(await refresh(first), 401, 'unauthorized');
    expectError(await refresh(third.refresh_token), 401, 'unauthorized');
    expectError(
      await api.call({ method: 'GET', url: '/v1/users/me', token: third.token }),
      401,
      'unauthorized',
    );
  });
});

describe('export and erasure', () => {
  it('exports everything stored about the caller', async () => {
    const me = await account('Exporter');
    const other = await account('Other');
    const url = pageUrl();
    const mine = await post(me.token, { page_url: url, content: 'my words' });
    const theirs = await post(other.token, { page_url: url, content: 'their words' });
    await api.call({
      method: 'POST',
      url: `/v1/comments/${theirs.i}/vote`,
      token: me.token,
      payload: { direction: 'up' },
    });
    await api.call({
      method: 'POST',
      url: `/v1/comments/${theirs.i}/report`,
      token: me.token,
      payload: { reason: 'other', details: 'just testing' },
    });
    const response = await api.call({ method: 'GET', url: '/v1/users/me/export', token: me.token });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-disposition']).toMatch(/attachment/);
    const data = response.json();
    expect(data.account).toMatchObject({ id: me.id, email: me.email });
    expect(data.comments).toEqual([
      expect.objectContaining({ id: mine.i, page_url: url, content: 'my words' }),
    ]);
    expect(data.votes).toEqual([{ comment_id: theirs.i, direction: 'up' }]);
    expect(data.reports).toEqual([
      expect.objectContaining({ comment_id: theirs.i, reason: 'other', details: 'just testing' }),
    ]);
    expect(data.sessions).toHaveLength(1);
    expect(Array.isArray(data.notifications)).toBe(true);
  });

  it('erases the account: nothing personal is left, votes are taken back, comments stay as [deleted]', async () => {
    const me = await account('Leaver');
    const other = await account('Stayer');
    const url = pageUrl();
    const mine = await post(me.token, { page_url: url, content: 'I was here' });
    const theirs = await post(other.token, { page_url: url, content: 'still here' });
    await api.call({
      method: 'POST',
      url: `/v1/comments/${theirs.i}/vote`,
      token: me.token,
      payload: { direction: 'up' },
    });
    await api.call({
      method: 'POST',
      url: `/v1/comments/${theirs.i}/report`,
      token: me.token,
      payload: { reason: 'spam' },
    });
    await api.call({
      method: 'POST',
      url: `/v1/comments/${mine.i}/vote`,
      token: other.token,
      payload: { direction: 'up' },
    });

    const erased = await api.call({ method: 'DELETE', url: '/v1/users/me', token: me.token });
    expect(erased.statusCode).toBe(204);

    // Signed out everywhere, and the e-mail is free again.
    expectError(await api.call({ method: 'GET', url: '/v1/users/me', token: me.token }), 401, 'unauthorized');
    expectError(
      await api.call({
        method: 'POST',
        url: '/v1/auth/login',
        payload: { email: me.email, password: 'correct horse battery staple' },
      }),
      401,
      'unauthorized',
    );
    expectError(await api.call({ method: 'GET', url: `/v1/users/${me.id}` }), 404, 'not_found');

    // Nothing in Redis mentions the address any more.
    const leftovers: string[] = [];
    for (const node of api.backend.server ? [api.redis] : []) {
      let cursor = '0';
      do {
        const [next, found] = await node.scan(cursor, 'COUNT', 1000);
        cursor = next;
        for (const key of found) {
          if (key.includes(me.email)) leftovers.push(key);
          const type = await node.type(key);
          const text =
            type === 'string'
              ? await node.get(key)
              : type === 'hash'
                ? JSON.stringify(await node.hgetall(key))
                : type === 'set'
                  ? JSON.stringify(await node.smembers(key))
                  : type === 'zset'
                    ? JSON.stringify(await node.zrange(key, 0, -1))
                    : '';
          if (text?.includes(me.email)) leftovers.push(key);
        }
      } while (cursor !== '0');
    }
    expect(leftovers, leftovers.join(', ')).toEqual([]);
    expect(await api.redis.exists(keys.user(api.site.id, me.id), keys.userVotes(api.site.id, me.id))).toBe(0);

    // The vote is taken back and the report withdrawn; the comment stays with a [deleted] author.
    const thread = await api.call({
      method: 'GET',
      url: `/v1/comments?page_url=${encodeURIComponent(url)}`,
      token: other.token,
    });
    const comments = thread.json().tree.comments as {
      i: string;
      u: number;
      n: string;
      a: string | null;
      t: string;
    }[];
    expect(comments.find((c) => c.i === theirs.i)).toMatchObject({ u: 0, t: 'still here' });
    expect(comments.find((c) => c.i === mine.i)).toMatchObject({ n: '[deleted]', a: null, t: 'I was here' });
    expect(await api.redis.hlen(keys.commentReports(api.site.id, theirs.i))).toBe(0);
    expect(await api.redis.zscore(keys.reports(api.site.id), theirs.i)).toBeNull();
    // The other user's karma from the erased account's vote is gone too.
    expect(await api.redis.hget(keys.user(api.site.id, other.id), 'karma')).toBe('0');
  });
});
