import { channels, keys } from '@threadkit/core';
import { expectError, startTestApi, subscribeToChannel, type TestApi } from '@threadkit/testing';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let api: TestApi;
let seq = 0;
const pageUrl = () => `https://blog.example.com/moderation-${++seq}`;
const PASSWORD = 'correct horse battery staple';

interface Person {
  id: string;
  token: string;
  email: string;
}

const people: Record<'admin' | 'moderator' | 'user', Person> = {} as never;

async function account(name: string): Promise<Person> {
  const email = `${name.toLowerCase()}-${++seq}@example.com`;
  // Names are unique: nobody may take a name that passes for a moderator's or an admin's.
  const response = await api.call({
    method: 'POST',
    url: '/v1/auth/register',
    payload: { name: `${name} ${seq}`, email, password: PASSWORD },
  });
  expect(response.statusCode, response.body).toBe(201);
  return { id: response.json().user.id, token: response.json().token, email };
}

async function promote(person: Person, role: 'admin' | 'moderator') {
  await api.promote(person.id, role);
}

const post = async (token: string, payload: Record<string, unknown>) => {
  const response = await api.call({ method: 'POST', url: '/v1/comments', token, payload });
  expect(response.statusCode, response.body).toBe(201);
  return response.json().comment as { i: string; s: string };
};
/** The author edits a comment; the answer as given. */
const edit = (token: string, commentId: string, content: string) =>
  api.call({ method: 'PUT', url: `/v1/comments/${commentId}`, token, payload: { content } });

const list = async (url: string, token?: string) =>
  (
    await api.call({
      method: 'GET',
      url: `/v1/comments?page_url=${encodeURIComponent(url)}`,
      ...(token ? { token } : {}),
    })
  ).json();

beforeAll(async () => {
  api = await startTestApi();
  people.admin = await account('Admin');
  people.moderator = await account('Moderator');
  people.user = await account('User');
  await promote(people.admin, 'admin');
  await promote(people.moderator, 'moderator');
});
afterAll(async () => {
  await api?.stop();
});

type Caller = 'anonymous' | 'guest' | 'user' | 'moderator' | 'admin' | 'owner';

async function as(caller: Caller, options: InjectOptions): Promise<LightMyRequestResponse> {
  if (caller === 'owner') return api.owner(options);
  if (caller === 'anonymous') return api.call(options);
  const token = caller === 'guest' ? (await api.guest('Guest')).token : people[caller].token;
  return api.call({ ...options, token });
}

describe('who may do what', () => {
  const staff: Caller[] = ['moderator', 'admin', 'owner'];
  const admins: Caller[] = ['admin', 'owner'];
  const rows: { name: string; allowed: Caller[]; request: () => Promise<InjectOptions> }[] = [
    {
      name: 'read the queue',
      allowed: staff,
      request: async () => ({ method: 'GET', url: '/v1/moderation/queue' }),
    },
    {
      name: 'read reports',
      allowed: staff,
      request: async () => ({ method: 'GET', url: '/v1/moderation/reports' }),
    },
    {
      name: 'approve',
      allowed: staff,
      request: async () => ({
        method: 'POST',
        url: `/v1/moderation/approve/${(await post(people.user.token, { page_url: pageUrl(), content: 'x' })).i}`,
      }),
    },
    {
      name: 'reject',
      allowed: staff,
      request: async () => ({
        method: 'POST',
        url: `/v1/moderation/reject/${(await post(people.user.token, { page_url: pageUrl(), content: 'x' })).i}`,
      }),
    },
    {
      name: 'shadow-ban a user',
      allowed: staff,
      request: async () => ({
        method: 'POST',
        url: `/v1/moderation/shadowban/${(await account('Target')).id}`,
      }),
    },
    {
      name: 'ban a user',
      allowed: staff,
      request: async () => ({
        method: 'POST',
        url: `/v1/moderation/ban/${(await account('Target')).id}`,
        payload: {},
      }),
    },
    {
      name: 'lock a page',
      allowed: staff,
      request: async () => ({ method: 'POST', url: '/v1/moderation/lock', payload: { page_url: pageUrl() } }),
    },
    {
      name: 'pin',
      allowed: staff,
      request: async () => ({
        method: 'POST',
        url: `/v1/comments/${(await post(people.user.token, { page_url: pageUrl(), content: 'x' })).i}/pin`,
      }),
    },
    {
      name: "delete someone else's comment",
      allowed: staff,
      request: async () => ({
        method: 'DELETE',
        url: `/v1/comments/${(await post((await account('Author')).token, { page_url: pageUrl(), content: 'x' })).i}`,
      }),
    },
    {
      name: 'read the audit log',
      allowed: admins,
      request: async () => ({ method: 'GET', url: '/v1/moderation/audit' }),
    },
    {
      name: 'list moderators',
      allowed: admins,
      request: async () => ({ method: 'GET', url: `/v1/sites/${api.site.id}/moderators` }),
    },
    {
      name: 'add a moderator',
      allowed: admins,
      request: async () => ({
        method: 'POST',
        url: `/v1/sites/${api.site.id}/moderators`,
        payload: { user_id: (await account('Mod')).id },
      }),
    },
    {
      name: 'read settings',
      allowed: admins,
      request: async () => ({ method: 'GET', url: `/v1/sites/${api.site.id}/settings` }),
    },
    {
      name: 'change settings',
      allowed: admins,
      request: async () => ({
        method: 'PUT',
        url: `/v1/sites/${api.site.id}/settings`,
        payload: { max_comment_length: 10000 },
      }),
    },
    {
      name: 'list admins',
      allowed: ['owner'],
      request: async () => ({ method: 'GET', url: `/v1/sites/${api.site.id}/admins` }),
    },
    {
      name: 'add an admin',
      allowed: ['owner'],
      request: async () => ({
        method: 'POST',
        url: `/v1/sites/${api.site.id}/admins`,
        payload: { user_id: (await account('Adm')).id },
      }),
    },
  ];
  const callers: Caller[] = ['anonymous', 'guest', 'user', 'moderator', 'admin', 'owner'];

  for (const row of rows) {
    it(`only ${row.allowed.join(', ')} may ${row.name}`, async () => {
      for (const caller of callers) {
        const response = await as(caller, await row.request());
        if (row.allowed.includes(caller)) {
          expect(response.statusCode, `${caller}: ${response.body}`).toBeLessThan(300);
        } else {
          const expected = caller === 'anonymous' ? 401 : 403;
          expect(response.statusCode, `${caller}: ${response.body}`).toBe(expected);
        }
      }
    });
  }
});

describe('the review queue', () => {
  it('holds pre-moderated comments until approved, then publishes them live', async () => {
    await api.context.sites.setSetting(api.site.id, 'moderation', 'pre');
    const reader = await api.secondInstance();
    try {
      const url = pageUrl();
      const pageId = (await list(url)).page_id;
      const sub = await subscribeToChannel(api, channels.page(api.site.id, pageId));
      const held = await reader.inject({
        method: 'POST',
        url: '/v1/comments',
        headers: {
          projectid: api.site.publicKey,
          origin: 'https://blog.example.com',
          authorization: `Bearer ${people.user.token}`,
        },
        payload: { page_url: url, content: 'please let me in' },
      });
      const comment = held.json().comment;
      expect(comment.s).toBe('pending');
      expect((await sub.next('new_comment')).audience.public).toBe(false);

      const queue = (await as('moderator', { method: 'GET', url: '/v1/moderation/queue' })).json();
      expect(queue.comments[0]).toMatchObject({ i: comment.i, s: 'pending', page_url: url });

      expect(
        (await as('moderator', { method: 'POST', url: `/v1/moderation/approve/${comment.i}` })).statusCode,
      ).toBe(204);
      const published = await sub.next('new_comment');
      expect(published.audience).toEqual({ public: true });
      expect(published.message.params).toMatchObject({ comment: { i: comment.i, s: 'approved' } });
      await sub.close();

      const thread = await list(url);
      expect(thread.total).toBe(1);
      expect(thread.tree.comments[0].i).toBe(comment.i);
      const after = (await as('moderator', { method: 'GET', url: '/v1/moderation/queue' })).json();
      expect(after.comments.map((c: { i: string }) => c.i)).not.toContain(comment.i);
      const audit = (await as('admin', { method: 'GET', url: '/v1/moderation/audit' })).json();
      expect(audit.entries[0]).toMatchObject({
        action: 'approve_comment',
        target: comment.i,
        actor: people.moderator.id,
      });
    } finally {
      await api.context.sites.setSetting(api.site.id, 'moderation', 'none');
      await reader.close();
    }
  });

  it('publishes at once under post-moderation and queues the comment for review', async () => {
    await api.context.sites.setSetting(api.site.id, 'moderation', 'post');
    try {
      const url = pageUrl();
      const comment = await post(people.user.token, { page_url: url, content: 'out there already' });
      expect(comment.s).toBe('approved');
      expect((await list(url)).total).toBe(1);
      const queue = (await as('moderator', { method: 'GET', url: '/v1/moderation/queue' })).json();
      expect(queue.comments.map((c: { i: string }) => c.i)).toContain(comment.i);
      const mine = await post(people.moderator.token, { page_url: url, content: 'staff note' });
      const again = (await as('moderator', { method: 'GET', url: '/v1/moderation/queue' })).json();
      expect(again.comments.map((c: { i: string }) => c.i)).not.toContain(mine.i);
      await as('moderator', { method: 'POST', url: `/v1/moderation/approve/${comment.i}` });
      const reviewed = (await as('moderator', { method: 'GET', url: '/v1/moderation/queue' })).json();
      expect(reviewed.comments.map((c: { i: string }) => c.i)).not.toContain(comment.i);
      expect((await list(url)).total).toBe(2);
    } finally {
      await api.context.sites.setSetting(api.site.id, 'moderation', 'none');
    }
  });

  it('holds an edit under pre-moderation until it is approved again, as a new comment would be', async () => {
    const url = pageUrl();
    const comment = await post(people.user.token, { page_url: url, content: 'published before' });
    await api.context.sites.setSetting(api.site.id, 'moderation', 'pre');
    try {
      const edited = await edit(people.user.token, comment.i, 'changed afterwards');
      expect(edited.statusCode, edited.body).toBe(200);
      expect(edited.json().comment).toMatchObject({ s: 'pending', t: 'changed afterwards' });
      expect((await list(url)).total).toBe(0);
      expect((await list(url)).tree.comments).toEqual([]);
      expect((await list(url, people.user.token)).tree.comments[0]).toMatchObject({
        i: comment.i,
        s: 'pending',
      });
      const queue = (await as('moderator', { method: 'GET', url: '/v1/moderation/queue' })).json();
      expect(queue.comments.map((c: { i: string }) => c.i)).toContain(comment.i);
      // Editing it again while it waits keeps it waiting; a moderator's own edits skip the queue.
      const again = await edit(people.user.token, comment.i, 'changed twice');
      expect(again.json().comment.s).toBe('pending');
      const note = await post(people.moderator.token, { page_url: url, content: 'staff note' });
      const noteEdit = await edit(people.moderator.token, note.i, 'staff note, edited');
      expect(noteEdit.json().comment.s).toBe('approved');
      await as('moderator', { method: 'POST', url: `/v1/moderation/approve/${comment.i}` });
      expect((await list(url)).total).toBe(2);
      expect((await list(url)).tree.comments.map((c: { t: string }) => c.t)).toEqual([
        'staff note, edited',
        'changed twice',
      ]);
    } finally {
      await api.context.sites.setSetting(api.site.id, 'moderation', 'none');
    }
  });

  it('queues an edit for review again under post-moderation, published meanwhile', async () => {
    const url = pageUrl();
    const comment = await post(people.user.token, { page_url: url, content: 'published before' });
    await api.context.sites.setSetting(api.site.id, 'moderation', 'post');
    try {
      const edited = await edit(people.user.token, comment.i, 'changed afterwards');
      expect(edited.json().comment.s).toBe('approved');
      expect((await list(url)).tree.comments[0]).toMatchObject({ t: 'changed afterwards' });
      const queue = (await as('moderator', { method: 'GET', url: '/v1/moderation/queue' })).json();
      expect(queue.comments.map((c: { i: string }) => c.i)).toContain(comment.i);
    } finally {
      await api.context.sites.setSetting(api.site.id, 'moderation', 'none');
    }
  });

  it('sends no notifications to a banned user', async () => {
    const banned = await account('Silenced');
    const url = pageUrl();
    const theirs = await post(banned.token, { page_url: url, content: 'my comment' });
    await as('moderator', { method: 'POST', url: `/v1/moderation/ban/${banned.id}`, payload: {} });
    await post(people.user.token, { page_url: url, content: 'a reply', parent_id: theirs.i });
    await api.context.notifications.settled();
    expect(await api.redis.exists(keys.userUnread(api.site.id, banned.id))).toBe(0);
  });

  it('takes rejected comments down for everyone but their author and moderators', async () => {
    const url = pageUrl();
    const comment = await post(people.user.token, { page_url: url, content: 'rude' });
    expect((await list(url)).total).toBe(1);
    const bulk = await as('moderator', {
      method: 'POST',
      url: '/v1/moderation/bulk',
      payload: { action: 'reject', comment_ids: [comment.i] },
    });
    expect(bulk.statusCode).toBe(204);
    const anonymous = await list(url);
    expect(anonymous.total).toBe(0);
    expect(anonymous.tree.comments).toEqual([]);
    expect((await list(url, people.user.token)).tree.comments[0]).toMatchObject({
      i: comment.i,
      s: 'rejected',
    });
    expect((await list(url, people.moderator.token)).tree.comments[0].s).toBe('rejected');
  });

  it('lists reports with their reasons, and approving settles them', async () => {
    const comment = await post(people.user.token, { page_url: pageUrl(), content: 'controversial' });
    for (const reporter of [people.moderator, await account('Reporter')]) {
      await api.call({
        method: 'POST',
        url: `/v1/comments/${comment.i}/report`,
        token: reporter.token,
        payload: { reason: 'spam', details: 'ad' },
      });
    }
    const reports = (await as('moderator', { method: 'GET', url: '/v1/moderation/reports' })).json();
    const entry = reports.reports.find((r: { comment: { i: string } }) => r.comment.i === comment.i);
    expect(entry).toMatchObject({ count: 2 });
    expect(entry.reports[0]).toMatchObject({ reason: 'spam', details: 'ad' });
    await as('moderator', { method: 'POST', url: `/v1/moderation/approve/${comment.i}` });
    const after = (await as('moderator', { method: 'GET', url: '/v1/moderation/reports' })).json();
    expect(after.reports.map((r: { comment: { i: string } }) => r.comment.i)).not.toContain(comment.i);
  });
});

describe('users', () => {
  it('bans at once: sessions end, sign-in is refused, comments optionally go; unban lets them back', async () => {
    const troll = await account('Troll');
    const url = pageUrl();
    await post(troll.token, { page_url: url, content: 'spam spam' });
    expect((await list(url)).total).toBe(1);
    const ban = await as('moderator', {
      method: 'POST',
      url: `/v1/moderation/ban/${troll.id}`,
      payload: { delete_comments: true, reason: 'spam' },
    });
    expect(ban.statusCode, ban.body).toBe(204);
    // The old token is refused, saying why.
    expectError(await api.call({ method: 'GET', url: '/v1/users/me', token: troll.token }), 403, 'banned');
    const login = await api.call({
      method: 'POST',
      url: '/v1/auth/login',
      payload: { email: troll.email, password: PASSWORD },
    });
    expectError(login, 403, 'banned');
    expect((await list(url)).total).toBe(0);

    expect(
      (await as('moderator', { method: 'POST', url: `/v1/moderation/unban/${troll.id}` })).statusCode,
    ).toBe(204);
    const back = await api.call({
      method: 'POST',
      url: '/v1/auth/login',
      payload: { email: troll.email, password: PASSWORD },
    });
    expect(back.statusCode).toBe(200);
    const audit = (await as('owner', { method: 'GET', url: '/v1/moderation/audit' })).json();
    expect(audit.entries.map((e: { action: string }) => e.action).slice(0, 2)).toEqual([
      'unban_user',
      'ban_user',
    ]);
    expect(audit.entries[1].details).toMatchObject({
      delete_comments: true,
      comments_removed: 1,
      reason: 'spam',
    });
  });

  it('shadow-bans: the author still sees their comments, nobody else but moderators does', async () => {
    const sneaky = await account('Sneaky');
    const other = await account('Other');
    const url = pageUrl();
    const before = await post(sneaky.token, { page_url: url, content: 'before' });
    expect(
      (await as('moderator', { method: 'POST', url: `/v1/moderation/shadowban/${sneaky.id}` })).statusCode,
    ).toBe(204);
    const pageId = (await list(url)).page_id;
    const sub = await subscribeToChannel(api, channels.page(api.site.id, pageId));
    const after = await post(sneaky.token, { page_url: url, content: 'after' });
    expect((await sub.next('new_comment')).audience).toEqual({ public: false, user_id: sneaky.id });
    await sub.close();
    const ids = async (token?: string) =>
      (await list(url, token)).tree.comments.map((c: { i: string }) => c.i);
    expect(await ids()).toEqual([]);
    expect((await list(url)).total).toBe(0);
    expect(await ids(other.token)).toEqual([]);
    expect(await ids(sneaky.token)).toEqual([after.i, before.i]);
    expect(await ids(people.moderator.token)).toEqual([after.i, before.i]);
    expect(
      (await as('moderator', { method: 'POST', url: `/v1/moderation/unshadowban/${sneaky.id}` })).statusCode,
    ).toBe(204);
    expect(await ids()).toEqual([after.i, before.i]);
    expect((await list(url)).total).toBe(2);
  });

  it('does not let a moderator ban someone of their rank or above', async () => {
    expectError(
      await as('moderator', { method: 'POST', url: `/v1/moderation/ban/${people.admin.id}`, payload: {} }),
      403,
      'forbidden',
    );
    expect(await api.redis.sismember(keys.banned(api.site.id), people.admin.id)).toBe(0);
  });

  it('shows roles on the account and as badges on comments: in reads, and in the answers to posts and edits', async () => {
    const me = (await api.call({ method: 'GET', url: '/v1/users/me', token: people.moderator.token })).json();
    expect(me.role).toBe('moderator');
    const url = pageUrl();
    const official = await post(people.moderator.token, { page_url: url, content: 'official' });
    const regular = await post(people.user.token, { page_url: url, content: 'regular' });
    expect([(official as { ro?: string }).ro, regular]).toEqual([
      'moderator',
      expect.not.objectContaining({ ro: expect.anything() }),
    ]);
    const edited = await edit(people.moderator.token, official.i, 'official');
    expect(edited.json().comment.ro).toBe('moderator');
    const comments = (await list(url)).tree.comments as { t: string; ro?: string }[];
    expect(comments.find((c) => c.t === 'official')?.ro).toBe('moderator');
    expect(comments.find((c) => c.t === 'regular')).not.toHaveProperty('ro');
    const mods = (await as('admin', { method: 'GET', url: `/v1/sites/${api.site.id}/moderators` })).json();
    expect(mods.members.map((m: { id: string }) => m.id)).toContain(people.moderator.id);
  });
});

/**
 * Only the owner manages admins, and nobody acts on someone of their own rank or
 * above: not their role, not a ban or shadow-ban (nor lifting one), not their comments.
 */
describe('nobody acts on their own rank or above', () => {
  const roleOf = async (person: Person) =>
    (await api.call({ method: 'GET', url: '/v1/users/me', token: person.token })).json().role;
  const modsUrl = () => `/v1/sites/${api.site.id}/moderators`;

  it('an admin cannot demote another admin by making them a moderator, then ban them', async () => {
    const other = await account('OtherAdmin');
    await promote(other, 'admin');
    expectError(
      await as('admin', { method: 'POST', url: modsUrl(), payload: { user_id: other.id } }),
      403,
      'forbidden',
    );
    expect(await roleOf(other)).toBe('admin');
    expect(await api.redis.sismember(keys.roleMembers(api.site.id, 'admin'), other.id)).toBe(1);
    expectError(
      await as('admin', { method: 'POST', url: `/v1/moderation/ban/${other.id}`, payload: {} }),
      403,
      'forbidden',
    );
    expect(await roleOf(other)).toBe('admin');
    // The owner manages admins: making one a moderator is theirs to do.
    expect(
      (await as('owner', { method: 'POST', url: modsUrl(), payload: { user_id: other.id } })).statusCode,
    ).toBe(204);
    expect(await roleOf(other)).toBe('moderator');
  });

  it('an admin cannot change the role of an admin, themselves included, through any role route', async () => {
    const other = await account('Admin2');
    await promote(other, 'admin');
    for (const target of [other, people.admin]) {
      for (const request of [
        { method: 'POST', url: modsUrl(), payload: { user_id: target.id } },
        { method: 'DELETE', url: `${modsUrl()}/${target.id}` },
      ] as InjectOptions[]) {
        expectError(await as('admin', request), 403, 'forbidden');
      }
      expect(await roleOf(target)).toBe('admin');
    }
  });

  it('a moderator cannot ban, shadow-ban or lift either from their rank or above', async () => {
    const peer = await account('PeerMod');
    await promote(peer, 'moderator');
    const boss = await account('BossAdmin');
    await promote(boss, 'admin');
    for (const target of [peer, boss, people.moderator]) {
      for (const action of ['ban', 'shadowban']) {
        expectError(
          await as('moderator', {
            method: 'POST',
            url: `/v1/moderation/${action}/${target.id}`,
            payload: {},
          }),
          403,
          'forbidden',
        );
      }
    }
    // What the owner did to an admin, a moderator or another admin cannot undo.
    for (const action of ['ban', 'shadowban']) {
      expect(
        (await as('owner', { method: 'POST', url: `/v1/moderation/${action}/${boss.id}`, payload: {} }))
          .statusCode,
      ).toBe(204);
    }
    for (const caller of ['moderator', 'admin'] as const) {
      for (const action of ['unban', 'unshadowban']) {
        expectError(
          await as(caller, { method: 'POST', url: `/v1/moderation/${action}/${boss.id}` }),
          403,
          'forbidden',
        );
      }
    }
    expect(await api.redis.sismember(keys.banned(api.site.id), boss.id)).toBe(1);
    expect(await api.redis.sismember(keys.shadowbanned(api.site.id), boss.id)).toBe(1);
    for (const action of ['unban', 'unshadowban']) {
      expect(
        (await as('owner', { method: 'POST', url: `/v1/moderation/${action}/${boss.id}` })).statusCode,
      ).toBe(204);
    }
  });

  it('a moderator cannot reject or delete the comments of their rank or above; their own and those below, yes', async () => {
    const url = pageUrl();
    const byAdmin = await post(people.admin.token, { page_url: url, content: 'from an admin' });
    const peer = await account('PeerMod2');
    await promote(peer, 'moderator');
    const byPeer = await post(peer.token, { page_url: url, content: 'from a moderator' });
    for (const comment of [byAdmin, byPeer]) {
      for (const request of [
        { method: 'POST', url: `/v1/moderation/reject/${comment.i}` },
        {
          method: 'POST',
          url: '/v1/moderation/bulk',
          payload: { action: 'reject', comment_ids: [comment.i] },
        },
        { method: 'DELETE', url: `/v1/comments/${comment.i}` },
      ] as InjectOptions[]) {
        expectError(await as('moderator', request), 403, 'forbidden');
      }
    }
    expect((await list(url)).tree.comments.map((c: { i: string }) => c.i).sort()).toEqual(
      [byAdmin.i, byPeer.i].sort(),
    );
    // An admin outranks the moderator; the moderator their own comment and a user's.
    expect((await as('admin', { method: 'POST', url: `/v1/moderation/reject/${byPeer.i}` })).statusCode).toBe(
      204,
    );
    const own = await post(people.moderator.token, { page_url: url, content: 'mine' });
    const users = await post(people.user.token, { page_url: url, content: 'theirs' });
    expect(
      (await as('moderator', { method: 'POST', url: `/v1/moderation/reject/${own.i}` })).statusCode,
    ).toBe(204);
    expect((await as('moderator', { method: 'DELETE', url: `/v1/comments/${users.i}` })).statusCode).toBe(
      204,
    );
  });
});

describe('locks', () => {
  it('makes a page read-only for everyone but moderators, and the whole site for admins', async () => {
    const url = pageUrl();
    const comment = await post(people.user.token, { page_url: url, content: 'before the lock' });
    const voter = await account('Voter');
    expect((await list(url)).locked).toBe(false);
    expect(
      (await as('moderator', { method: 'POST', url: '/v1/moderation/lock', payload: { page_url: url } }))
        .statusCode,
    ).toBe(204);
    expect((await list(url)).locked).toBe(true);
    expectError(
      await api.call({
        method: 'POST',
        url: '/v1/comments',
        token: people.user.token,
        payload: { page_url: url, content: 'x' },
      }),
      403,
      'forbidden',
    );
    expectError(
      await api.call({
        method: 'POST',
        url: `/v1/comments/${comment.i}/vote`,
        token: voter.token,
        payload: { direction: 'up' },
      }),
      403,
      'forbidden',
    );
    await post(people.moderator.token, { page_url: url, content: 'closing remarks' });
    await post(people.user.token, { page_url: pageUrl(), content: 'elsewhere is open' });
    expect(
      (await as('moderator', { method: 'POST', url: '/v1/moderation/unlock', payload: { page_url: url } }))
        .statusCode,
    ).toBe(204);
    await post(people.user.token, { page_url: url, content: 'open again' });

    expectError(
      await as('moderator', { method: 'POST', url: '/v1/moderation/lock', payload: {} }),
      403,
      'forbidden',
    );
    expect((await as('admin', { method: 'POST', url: '/v1/moderation/lock', payload: {} })).statusCode).toBe(
      204,
    );
    expectError(
      await api.call({
        method: 'POST',
        url: '/v1/comments',
        token: people.user.token,
        payload: { page_url: pageUrl(), content: 'x' },
      }),
      403,
      'forbidden',
    );
    expect(
      (await as('admin', { method: 'POST', url: '/v1/moderation/unlock', payload: {} })).statusCode,
    ).toBe(204);
    await post(people.user.token, { page_url: pageUrl(), content: 'the site is open' });
  });

  it("announces a page's lock and reopening on its channel and in its log, and a site lock nowhere", async () => {
    const url = pageUrl();
    const pageId = (await list(url)).page_id;
    const since = Date.now() - 1000;
    const sub = await subscribeToChannel(api, channels.page(api.site.id, pageId));
    const lock = async (caller: 'moderator' | 'admin', path: 'lock' | 'unlock', payload: object) =>
      expect((await as(caller, { method: 'POST', url: `/v1/moderation/${path}`, payload })).statusCode).toBe(
        204,
      );
    const published: { id: string; params: Record<string, unknown> }[] = [];
    const next = async () => {
      const event = await sub.next('lock_update');
      expect(event.audience).toEqual({ public: true });
      // Published with its id in the page's log.
      const { id } = event as { id?: string };
      expect(id).toMatch(/^\d+-\d+$/);
      published.push({ id: id!, params: event.message.params });
    };
    try {
      await lock('moderator', 'lock', { page_url: url });
      await next();
      // Reopening the page while the whole site is closed leaves it closed, and says so.
      await lock('admin', 'lock', {});
      await lock('moderator', 'unlock', { page_url: url });
      await next();
      expect((await list(url)).locked).toBe(true);
      await lock('admin', 'unlock', {});
      await lock('moderator', 'lock', { page_url: url });
      await next();
      await lock('moderator', 'unlock', { page_url: url });
      await next();
    } finally {
      await as('admin', { method: 'POST', url: '/v1/moderation/unlock', payload: {} });
      await sub.close();
    }
    expect(published.map((event) => event.params)).toEqual(
      [true, true, true, false].map((locked) => ({ page_id: pageId, locked })),
    );

    // Logged with the ids it was published with, for readers who resync; the site's lock is not.
    const logged = await api.context.realtime.eventsSince(api.site.id, pageId, { from: since }, 100);
    expect(logged?.map((event) => event.id)).toEqual(published.map((event) => event.id));
    expect(logged?.map((event) => JSON.parse(event.envelope).message.params)).toEqual(
      published.map((event) => event.params),
    );
  });
});

describe('site settings', () => {
  it('reads and changes settings, validating every value first', async () => {
    const put = (payload: Record<string, unknown>) =>
      as('admin', { method: 'PUT', url: `/v1/sites/${api.site.id}/settings`, payload });
    const changed = await put({
      max_comment_length: 5000,
      allow_guests: false,
      allowed_origins: ['https://blog.example.com', '*.example.com'],
    });
    expect(changed.statusCode, changed.body).toBe(200);
    expect(changed.json()).toMatchObject({ max_comment_length: 5000, allow_guests: false });
    const bad = await put({ max_comment_length: 7000, moderation: 'sometimes' });
    expect(expectError(bad, 400, 'invalid_request').field).toBe('moderation');
    expect(expectError(await put({ nonsense: 1 }), 400, 'invalid_request').field).toBe('nonsense');
    const limits = await put({ rate_limits: { reads: 300 } });
    expect(limits.statusCode, limits.body).toBe(200);
    expect(limits.json().rate_limits).toMatchObject({ reads: 300 });
    await put({ rate_limits: '' });
    const read = (await as('owner', { method: 'GET', url: `/v1/sites/${api.site.id}/settings` })).json();
    expect(read.max_comment_length).toBe(5000);
    expectError(
      await as('owner', { method: 'GET', url: '/v1/sites/0cZdmZixoJscOFqiPZ6LHx/settings' }),
      404,
      'not_found',
    );
    await put({
      max_comment_length: 10000,
      allow_guests: true,
      allowed_origins: ['https://blog.example.com'],
    });
  });

  it('answers any malformed body with a 400 naming the setting, and changes nothing', async () => {
    const put = (payload: string) =>
      as('admin', {
        method: 'PUT',
        url: `/v1/sites/${api.site.id}/settings`,
        headers: { 'content-type': 'application/json' },
        payload,
      });
    const before = (await as('owner', { method: 'GET', url: `/v1/sites/${api.site.id}/settings` })).json();
    const deep = (depth: number) => `${'['.repeat(depth)}"x"${']'.repeat(depth)}`;
    const bad: [string, string][] = [
      // Nested arrays where a list of text belongs, however deep.
      [`{"word_filter": ${deep(5000)}}`, 'word_filter'],
      [`{"allowed_origins": ${deep(2)}}`, 'allowed_origins'],
      // Objects where text belongs: no "[object Object]" is ever stored.
      ['{"word_filter": [{"a": 1}]}', 'word_filter'],
      ['{"auth_methods": [{"toString": "password"}]}', 'auth_methods'],
      ['{"moderation": {"mode": "pre"}}', 'moderation'],
      ['{"moderation_api_model": ["a", "b"]}', 'moderation_api_model'],
      ['{"akismet_key": {"k": "v"}}', 'akismet_key'],
      // Types: a flag is a boolean (or its text), a number an integer (or its text).
      ['{"allow_guests": [true]}', 'allow_guests'],
      ['{"allow_guests": 1}', 'allow_guests'],
      ['{"max_links": 2.5}', 'max_links'],
      ['{"max_links": [2]}', 'max_links'],
      ['{"max_comment_length": true}', 'max_comment_length'],
      ['{"rate_limits": {"reads": [300]}}', 'rate_limits'],
      ['{"rate_limits": {"reads": {"deep": 1}}}', 'rate_limits'],
      ['{"rate_limits": [["reads", 300]]}', 'rate_limits'],
      ['{"rate_limits": {"everything": 300}}', 'rate_limits'],
      [`{"rate_limits": {"reads": ${deep(5000)}}}`, 'rate_limits'],
    ];
    for (const [payload, field] of bad) {
      const response = await put(payload);
      expect(response.statusCode, `${payload.slice(0, 60)}: ${response.body}`).toBe(400);
      const error = response.json();
      expect(error.code, payload.slice(0, 60)).toBe('invalid_request');
      // The setting, or the place inside its value (`rate_limits.reads`, `word_filter.0`).
      expect(error.field.split('.')[0], payload.slice(0, 60)).toBe(field);
      expect(typeof error.error).toBe('string');
    }
    const after = (await as('owner', { method: 'GET', url: `/v1/sites/${api.site.id}/settings` })).json();
    expect(after).toEqual(before);

    // The JSON forms and the CLI's text forms both still work.
    const good = await put(
      JSON.stringify({ word_filter: ['casino', 'cheap pills'], max_links: 3, allow_localhost: 'on' }),
    );
    expect(good.statusCode, good.body).toBe(200);
    expect(good.json()).toMatchObject({ word_filter: ['casino', 'cheap pills'], max_links: 3 });
    const reset = await put(
      JSON.stringify({ word_filter: null, max_links: '5', allow_localhost: true, rate_limits: null }),
    );
    expect(reset.statusCode, reset.body).toBe(200);
    expect(reset.json()).toMatchObject({ word_filter: [], max_links: 5, rate_limits: {} });
  });
});
