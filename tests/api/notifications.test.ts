import type { AddressInfo } from 'node:net';
import {
  channels,
  createRedis,
  keys,
  MAX_DEPTH,
  NOTIFICATION_EMAIL_WINDOW_MS,
  NotificationStore,
  newId,
  notificationId,
  resolvePage,
  UserStore,
  waitForRedis,
} from '@threadkit/core';
import { buildApp, createContext } from '@threadkit/server';
import {
  eventually,
  expectError,
  parseMessage,
  type SmtpTestServer,
  startSmtpServer,
  startTestApi,
  subscribeToChannel,
  TEST_ORIGIN,
  type TestApi,
} from '@threadkit/testing';
import pino from 'pino';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const SITE_NAME = 'Tea & Biscuits';
const PUBLIC_URL = 'https://comments.example.com';
/**
 * The mail worker polls and backs off in milliseconds here, so retries take no time; and every
 * e-mail goes out at once (the per-recipient window has its own tests, on a clock they move).
 */
const FAST_MAIL = {
  mailQueue: { pollMs: 20, retryBaseMs: 20, retryMaxMs: 100 },
  notificationEmailWindowMs: 0,
};

let smtp: SmtpTestServer;
let api: TestApi;
let seq = 0;
const pageUrl = () => `https://blog.example.com/notifications-${++seq}`;

beforeAll(async () => {
  smtp = await startSmtpServer();
  api = await startTestApi({
    env: { SMTP_URL: smtp.url, PUBLIC_URL, THREADKIT_SITE_NAME: SITE_NAME },
    context: FAST_MAIL,
  });
});
afterAll(async () => {
  await api?.stop();
  await smtp?.stop();
});

interface Comment {
  i: string;
  s: string;
}

async function post(token: string, page: string, content: string, parentId?: string): Promise<Comment> {
  const response = await api.call({
    method: 'POST',
    url: '/v1/comments',
    token,
    payload: { page_url: page, content, ...(parentId ? { parent_id: parentId } : {}) },
  });
  expect(response.statusCode, response.body).toBe(201);
  return response.json().comment;
}

async function vote(token: string, commentId: string, direction: 'up' | 'down' = 'up') {
  const response = await api.call({
    method: 'POST',
    url: `/v1/comments/${commentId}/vote`,
    token,
    payload: { direction },
  });
  expect(response.statusCode, response.body).toBe(200);
}

interface Listed {
  notifications: {
    id: string;
    type: string;
    comment_id: string;
    page_url: string | null;
    from_user: { id: string; name: string; avatar_url: string | null } | null;
    excerpt: string | null;
    read: boolean;
    created_at: number;
  }[];
  unread_count: number;
}

/** The caller's notifications, once every event so far has been handled. */
async function list(token: string, query = ''): Promise<Listed> {
  await api.context.notifications.settled();
  const response = await api.call({ method: 'GET', url: `/v1/notifications${query}`, token });
  expect(response.statusCode, response.body).toBe(200);
  return response.json();
}

const markRead = (token: string, payload?: unknown) =>
  api.call({ method: 'POST', url: '/v1/notifications/read', token, ...(payload ? { payload } : {}) });

/** A registered account with a verified e-mail (the code arrives at the test SMTP server). */
async function account(name: string) {
  const email = `${name.toLowerCase()}-${++seq}@example.com`;
  const registered = await api.call({
    method: 'POST',
    url: '/v1/auth/register',
    payload: { name, email, password: 'correct horse battery staple' },
  });
  expect(registered.statusCode, registered.body).toBe(201);
  const code = await smtp.codeFor(email);
  const verified = await api.call({
    method: 'POST',
    url: '/v1/auth/verify',
    payload: { email, code },
    token: registered.json().token,
  });
  expect(verified.statusCode, verified.body).toBe(200);
  return { email, token: registered.json().token as string, id: registered.json().user.id as string };
}

/**
 * The message as `parseMessage` reads it, after joining quoted-printable soft line breaks
 * first: the harness's decoder drops the spaces that stand before one.
 */
function readMail(raw: string) {
  const split = raw.indexOf('\r\n\r\n');
  return parseMessage(raw.slice(0, split) + raw.slice(split).replace(/=\r?\n/g, ''));
}

describe('reply notifications', () => {
  it("tell a comment's author of each reply, with who replied; never of their own", async () => {
    const page = pageUrl();
    const ann = await api.guest('Ann');
    const bob = await api.guest('Bob');
    const root = await post(ann.token, page, 'What do you think?');
    const reply = await post(bob.token, page, 'I agree.', root.i);

    const listed = await list(ann.token);
    expect(listed.unread_count).toBe(1);
    expect(listed.notifications).toHaveLength(1);
    const [notification] = listed.notifications;
    expect(notification).toEqual({
      id: expect.any(String),
      type: 'reply',
      comment_id: reply.i,
      page_url: page,
      from_user: { id: bob.userId, name: 'Bob', avatar_url: null },
      excerpt: 'I agree.',
      read: false,
      created_at: expect.any(Number),
    });
    expect(Math.abs(notification!.created_at - Date.now() / 1000)).toBeLessThan(60);
    const me = await api.call({ method: 'GET', url: '/v1/users/me', token: ann.token });
    expect(me.json().unread_notifications).toBe(1);

    // Replying to yourself tells nobody; Ann's answer to Bob tells Bob.
    await post(ann.token, page, 'Following up on my own comment.', root.i);
    const answer = await post(ann.token, page, 'Thanks!', reply.i);
    expect((await list(ann.token)).unread_count).toBe(1);
    const bobs = await list(bob.token);
    expect(bobs.notifications.map((n) => [n.type, n.comment_id, n.from_user?.id])).toEqual([
      ['reply', answer.i, ann.userId],
    ]);
  });

  it('quote the start of the comment on one line, and nothing once it is deleted or hidden', async () => {
    const page = pageUrl();
    const ann = await api.guest('Ann');
    const bob = await api.guest('Bob');
    const root = await post(ann.token, page, 'Tea or coffee?');
    const long = `First line\n\n> quoted ${'word '.repeat(60)}`;
    const reply = await post(bob.token, page, long, root.i);
    const short = await post(bob.token, page, 'Tea, always.', root.i);
    await vote(bob.token, root.i);

    const excerpts = async () =>
      Object.fromEntries(
        (await list(ann.token)).notifications.map((n) => [`${n.type} ${n.comment_id}`, n.excerpt]),
      );
    const quoted = await excerpts();
    expect(quoted[`upvote ${root.i}`]).toBe('Tea or coffee?');
    expect(quoted[`reply ${short.i}`]).toBe('Tea, always.');
    const cut = quoted[`reply ${reply.i}`]!;
    expect(cut).toHaveLength(140);
    expect(cut.startsWith('First line > quoted word word')).toBe(true);
    expect(cut.endsWith('…')).toBe(true);

    const deleted = await api.call({ method: 'DELETE', url: `/v1/comments/${short.i}`, token: bob.token });
    expect(deleted.statusCode, deleted.body).toBe(204);
    const rejected = await api.owner({ method: 'POST', url: `/v1/moderation/reject/${reply.i}` });
    expect(rejected.statusCode, rejected.body).toBe(204);
    const after = await excerpts();
    expect(after[`reply ${short.i}`]).toBeNull();
    expect(after[`reply ${reply.i}`]).toBeNull();
    expect(after[`upvote ${root.i}`]).toBe('Tea or coffee?');
  });

  it('tell the author of the comment answered when the reply goes beside it, on the deepest level', async () => {
    const page = pageUrl();
    const ann = await api.guest('Ann');
    const bob = await api.guest('Bob');
    const carol = await api.guest('Carol');
    let parent = (await post(ann.token, page, 'Level 1.')).i;
    for (let depth = 2; depth < MAX_DEPTH; depth++)
      parent = (await post(ann.token, page, `Level ${depth}.`, parent)).i;
    const deepest = await post(bob.token, page, 'On the deepest level.', parent);
    const answer = await post(carol.token, page, 'Answering Bob.', deepest.i);
    expect((answer as Comment & { pid: string }).pid).toBe(parent);
    expect((await list(bob.token)).notifications.map((n) => [n.type, n.comment_id])).toEqual([
      ['reply', answer.i],
    ]);
    // Ann wrote the comment it is stored under, not the one answered: only Bob's reply told her.
    expect((await list(ann.token)).notifications.map((n) => [n.type, n.comment_id])).toEqual([
      ['reply', deepest.i],
    ]);
  });

  it('need a commenter token', async () => {
    expectError(await api.call({ method: 'GET', url: '/v1/notifications' }), 401, 'unauthorized');
    expectError(await api.owner({ method: 'GET', url: '/v1/notifications' }), 401, 'unauthorized');
    expectError(
      await api.call({ method: 'POST', url: '/v1/notifications/read', payload: {} }),
      401,
      'unauthorized',
    );
  });
});

describe('mention notifications', () => {
  it('tell commenters of the page named with @, not others and not yourself', async () => {
    const page = pageUrl();
    const ann = await api.guest('Ann');
    const bob = await api.guest('Bob Stone');
    const carol = await api.guest('Carol');
    const dave = await api.guest('Dave');
    await post(ann.token, page, 'First.');
    await post(bob.token, page, 'Second.');
    await post(carol.token, pageUrl(), 'Elsewhere.');

    const mention = await post(dave.token, page, 'Hello @ann and @Bob Stone! Not @Carol, and not me, @Dave.');
    for (const user of [ann, bob]) {
      const listed = await list(user.token);
      expect(listed.notifications.map((n) => [n.type, n.comment_id, n.from_user?.name])).toEqual([
        ['mention', mention.i, 'Dave'],
      ]);
    }
    expect((await list(carol.token)).notifications).toEqual([]);
    expect((await list(dave.token)).notifications).toEqual([]);
  });

  it('make one notification when a reply also mentions the parent author', async () => {
    const page = pageUrl();
    const ann = await api.guest('Ann');
    const bob = await api.guest('Bob');
    const root = await post(ann.token, page, 'Root.');
    await post(bob.token, page, '@Ann exactly!', root.i);
    expect((await list(ann.token)).notifications.map((n) => n.type)).toEqual(['reply']);
  });
});

describe('upvote notifications', () => {
  it('come at most once per comment per hour, without the voter', async () => {
    const page = pageUrl();
    const ann = await api.guest('Ann');
    const [bob, carol, dave] = await Promise.all([api.guest('Bob'), api.guest('Carol'), api.guest('Dave')]);
    const first = await post(ann.token, page, 'Upvote me.');
    const second = await post(ann.token, page, 'Me too.');

    await vote(bob.token, first.i);
    await vote(carol.token, first.i);
    // Taking a vote back and giving it again, and a downvote, add nothing.
    await vote(bob.token, first.i);
    await vote(bob.token, first.i);
    await vote(dave.token, first.i, 'down');

    let listed = await list(ann.token);
    expect(listed.notifications).toHaveLength(1);
    expect(listed.notifications[0]).toMatchObject({
      type: 'upvote',
      comment_id: first.i,
      page_url: page,
      from_user: null,
    });
    const ttl = await api.redis.ttl(keys.upvoteNotified(api.site.id, first.i));
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(3600);

    // Another comment has its own window (and, a millisecond later, comes first in the list).
    const firstAt = Date.now();
    await eventually(
      'the next millisecond',
      async () => Date.now(),
      (now) => now > firstAt,
    );
    await vote(dave.token, second.i);
    listed = await list(ann.token);
    expect(listed.notifications.map((n) => [n.type, n.comment_id])).toEqual([
      ['upvote', second.i],
      ['upvote', first.i],
    ]);
    expect(listed.unread_count).toBe(2);
  });
});

describe('comments others cannot see', () => {
  it('notify nobody when the author is shadow-banned', async () => {
    const page = pageUrl();
    const ann = await api.guest('Ann');
    const mallory = await api.guest('Mallory');
    const root = await post(ann.token, page, 'Hello.');
    await api.redis.sadd(keys.shadowbanned(api.site.id), mallory.userId);
    try {
      await post(mallory.token, page, 'Hi @Ann, a reply only I can see.', root.i);
      expect(await list(ann.token)).toEqual({ notifications: [], unread_count: 0 });
    } finally {
      await api.redis.srem(keys.shadowbanned(api.site.id), mallory.userId);
    }
  });

  it("tell no one of a moderator's upvote on a shadow-banned author's comment", async () => {
    const page = pageUrl();
    const [mallory, mod] = await Promise.all([api.guest('Mallory'), api.guest('Mod')]);
    await api.redis.hset(keys.user(api.site.id, mod.userId), 'role', 'moderator');
    await api.redis.sadd(keys.shadowbanned(api.site.id), mallory.userId);
    try {
      const hidden = await post(mallory.token, page, 'Only I and the moderators see this.');
      await vote(mod.token, hidden.i);
      expect(await list(mallory.token)).toEqual({ notifications: [], unread_count: 0 });
      // Not counted against the window either: once the ban is lifted, the next upvote is told.
      expect(await api.redis.exists(keys.upvoteNotified(api.site.id, hidden.i))).toBe(0);
    } finally {
      await api.redis.srem(keys.shadowbanned(api.site.id), mallory.userId);
    }
  });

  it('notify nobody while the comment is pending, and as on posting once a moderator approves it', async () => {
    const page = pageUrl();
    const ann = await api.guest('Ann');
    const bob = await api.guest('Bob');
    const root = await post(ann.token, page, 'Hello.');
    // The site's settings are cached for 5 s per instance: a fresh instance sees pre-moderation at once.
    // Nothing goes through the first instance until the setting is back.
    const redis = createRedis(api.config.redis);
    redis.on('error', () => {});
    await waitForRedis(redis);
    const context = await createContext(api.config, redis, pino({ level: 'silent' }), FAST_MAIL);
    const second = await buildApp({ context });
    await api.context.sites.setSetting(api.site.id, 'moderation', 'pre');
    let held = '';
    try {
      const response = await second.inject({
        method: 'POST',
        url: '/v1/comments',
        headers: { projectid: api.site.publicKey, origin: TEST_ORIGIN, authorization: `Bearer ${bob.token}` },
        payload: { page_url: page, content: 'Awaiting approval, @Ann.', parent_id: root.i },
      });
      expect(response.statusCode, response.body).toBe(201);
      expect(response.json().comment.s).toBe('pending');
      held = response.json().comment.i;
      await context.notifications.settled();
    } finally {
      await api.context.sites.setSetting(api.site.id, 'moderation', 'none');
      await second.close();
      redis.disconnect();
    }
    expect(await list(ann.token)).toEqual({ notifications: [], unread_count: 0 });

    // Approved, it is news: the reply (which also mentions Ann) notifies her once, from Bob.
    const approved = await api.owner({ method: 'POST', url: `/v1/moderation/approve/${held}`, payload: {} });
    expect(approved.statusCode, approved.body).toBeLessThan(300);
    const listed = await list(ann.token);
    expect(listed.unread_count).toBe(1);
    expect(listed.notifications.map((n) => [n.type, n.comment_id, n.from_user?.id])).toEqual([
      ['reply', held, bob.userId],
    ]);
  });
});

describe('GET /v1/notifications and POST /v1/notifications/read', () => {
  it('list newest first in pages, and mark some or all read with an exact unread count', async () => {
    const page = pageUrl();
    const ann = await api.guest('Ann');
    const bob = await api.guest('Bob');
    const root = await post(ann.token, page, 'Root.');
    const replies: string[] = [];
    for (let i = 0; i < 5; i++) replies.push((await post(bob.token, page, `Reply ${i}`, root.i)).i);
    const newestFirst = [...replies].reverse();

    const pages = [
      await list(ann.token, '?limit=2'),
      await list(ann.token, '?offset=2&limit=2'),
      await list(ann.token, '?offset=4&limit=2'),
    ];
    expect(pages.map((p) => p.notifications.map((n) => n.comment_id))).toEqual([
      newestFirst.slice(0, 2),
      newestFirst.slice(2, 4),
      newestFirst.slice(4),
    ]);
    expect(pages.every((p) => p.unread_count === 5)).toBe(true);
    expect((await list(ann.token, '?offset=5')).notifications).toEqual([]);
    const all = (await list(ann.token)).notifications;
    expect(all.map((n) => n.created_at)).toEqual([...all.map((n) => n.created_at)].sort((a, b) => b - a));

    const [first, second] = all;
    expect((await markRead(ann.token, { ids: [first!.id, second!.id] })).statusCode).toBe(204);
    let listed = await list(ann.token);
    expect(listed.unread_count).toBe(3);
    expect(listed.notifications.map((n) => n.read)).toEqual([true, true, false, false, false]);

    // Again, with an unknown id, a duplicate and someone else's id: nothing changes.
    const bobsOwn = (await post(ann.token, page, 'To Bob', replies[0])).i;
    const bobsNotification = (await list(bob.token)).notifications.find((n) => n.comment_id === bobsOwn)!;
    expect(
      (await markRead(ann.token, { ids: [first!.id, first!.id, `r${newId()}`, bobsNotification.id] }))
        .statusCode,
    ).toBe(204);
    expect((await list(ann.token)).unread_count).toBe(3);
    expect((await list(bob.token)).unread_count).toBe(1);
    expect((await markRead(ann.token, { ids: [] })).statusCode).toBe(204);
    expect((await list(ann.token)).unread_count).toBe(3);

    // Without ids: all of them; twice is still zero, never below.
    expect((await markRead(ann.token)).statusCode).toBe(204);
    expect((await markRead(ann.token, {})).statusCode).toBe(204);
    listed = await list(ann.token);
    expect(listed.unread_count).toBe(0);
    expect(listed.notifications.every((n) => n.read)).toBe(true);
    const me = await api.call({ method: 'GET', url: '/v1/users/me', token: ann.token });
    expect(me.json().unread_notifications).toBe(0);
  });

  it('refuse bad input', async () => {
    const ann = await api.guest('Ann');
    expectError(await list400(ann.token, '?limit=0'), 400, 'invalid_request');
    expectError(await list400(ann.token, '?limit=101'), 400, 'invalid_request');
    expectError(await list400(ann.token, '?offset=-1'), 400, 'invalid_request');
    expectError(await markRead(ann.token, { ids: ['not-an-id'] }), 400, 'invalid_request');
    expectError(await markRead(ann.token, { ids: newId() }), 400, 'invalid_request');
    expectError(await markRead(ann.token, { ids: [newId()] }), 400, 'invalid_request');
    expectError(await markRead(ann.token, { all: true }), 400, 'invalid_request');
  });

  it('keep the newest notifications, and the unread count of what is kept', async () => {
    const ann = await api.guest('Ann');
    const store = new NotificationStore(api.redis, { kept: 3, maxAgeMs: 3_600_000, now: Date.now });
    const comments: string[] = [];
    const add = async () => {
      const comment = newId();
      comments.push(comment);
      const added = await store.add(api.site.id, ann.userId, {
        type: 'reply',
        comment_id: comment,
        from: ann.userId,
        createdMs: Date.now() + comments.length,
      });
      expect(added?.id).toBe(notificationId('reply', comment));
    };
    for (let i = 0; i < 3; i++) await add();
    expect(await store.markRead(api.site.id, ann.userId, [notificationId('reply', comments[0]!)])).toBe(1);
    await add(); // drops the oldest, read: 3 unread remain
    await add(); // drops an unread one
    const listed = await store.list(api.site.id, ann.userId, 0, 10);
    expect(listed.notifications.map((n) => n.comment_id)).toEqual([comments[4], comments[3], comments[2]]);
    expect(listed.unread).toBe(3);
    expect(await api.redis.zcard(keys.userNotifications(api.site.id, ann.userId))).toBe(3);

    // An account that no longer exists gets nothing.
    expect(
      await store.add(api.site.id, newId(), {
        type: 'reply',
        comment_id: newId(),
        from: '',
        createdMs: Date.now(),
      }),
    ).toBeNull();
  });

  it("keep notifications for a bounded time, and let an inactive user's go without a sweep", async () => {
    const ann = await api.guest('Ann');
    let now = Date.now();
    const store = new NotificationStore(api.redis, { kept: 100, maxAgeMs: 60_000, now: () => now });
    const at = (ms: number, comment = newId()) =>
      store.add(api.site.id, ann.userId, { type: 'mention', comment_id: comment, from: '', createdMs: ms });
    await at(now - 50_000);
    await at(now - 10_000);
    const key = keys.userNotifications(api.site.id, ann.userId);
    // Both keys expire with the newest notification.
    for (const k of [key, keys.userUnread(api.site.id, ann.userId)]) {
      const ttl = await api.redis.pttl(k);
      expect(ttl).toBeGreaterThan(50_000);
      expect(ttl).toBeLessThanOrEqual(60_000);
    }
    // Twenty seconds on, the older one has outlived the bound: reading drops it and its unread share.
    now += 20_000;
    const listed = await store.list(api.site.id, ann.userId, 0, 10);
    expect(listed.notifications).toHaveLength(1);
    expect(listed.unread).toBe(1);
    expect(await api.redis.zcard(key)).toBe(1);
    // A newer one replaces the same notification rather than adding a second (a later upvote, say).
    const comment = newId();
    await at(now - 5_000, comment);
    await store.markRead(api.site.id, ann.userId, null);
    await at(now - 1_000, comment);
    const again = await store.list(api.site.id, ann.userId, 0, 10);
    expect(again.notifications.filter((n) => n.comment_id === comment)).toEqual([
      expect.objectContaining({ read: false, created_at: Math.floor((now - 1_000) / 1000) }),
    ]);
    expect(again.unread).toBe(1);
  });
});

async function list400(token: string, query: string) {
  return api.call({ method: 'GET', url: `/v1/notifications${query}`, token });
}

describe('erased accounts', () => {
  it("lose their notifications, get no more, and show as no one in others' lists", async () => {
    const page = pageUrl();
    const ann = await account('Ann');
    const bob = await account('Bob');
    const root = await post(ann.token, page, 'Root.');
    const bobsRoot = await post(bob.token, page, 'Mine.');
    await post(bob.token, page, 'Reply.', root.i);
    await post(ann.token, page, 'Reply to Bob.', bobsRoot.i);
    expect((await list(bob.token)).unread_count).toBe(1);

    const erased = await api.call({ method: 'DELETE', url: '/v1/users/me', token: bob.token });
    expect(erased.statusCode, erased.body).toBe(204);
    for (const key of [keys.userNotifications(api.site.id, bob.id), keys.userUnread(api.site.id, bob.id)]) {
      expect(await api.redis.exists(key), key).toBe(0);
    }
    // Ann's reply notification stays, from nobody now.
    expect((await list(ann.token)).notifications.map((n) => [n.type, n.from_user])).toEqual([
      ['reply', null],
    ]);

    // Replying to or mentioning the erased account stores nothing for it.
    await post(ann.token, page, 'Hello again, @Bob.', bobsRoot.i);
    await api.context.notifications.settled();
    expect(await api.redis.exists(keys.userNotifications(api.site.id, bob.id))).toBe(0);
    expect(await api.redis.exists(keys.user(api.site.id, bob.id))).toBe(0);
  });
});

describe("the user's channel", () => {
  it('carries each new notification as the WebSocket message, for that user only', async () => {
    const page = pageUrl();
    const ann = await api.guest('Ann');
    const bob = await api.guest('Bob');
    const root = await post(ann.token, page, 'Root.');
    const subscription = await subscribeToChannel(api, channels.user(api.site.id, ann.userId));
    try {
      await post(bob.token, page, 'A reply.', root.i);
      const received = await subscription.next('notification');
      const [listed] = (await list(ann.token)).notifications;
      expect(received).toEqual({
        audience: { public: false, user_id: ann.userId },
        message: { jsonrpc: '2.0', method: 'notification', params: listed },
      });
      // An upvote carries no text: the message quotes the comment, and links to its page.
      await vote(bob.token, root.i);
      const upvoted = await subscription.next('notification');
      const [newest] = (await list(ann.token)).notifications;
      expect(newest).toMatchObject({ type: 'upvote', comment_id: root.i, excerpt: 'Root.', page_url: page });
      expect(upvoted).toEqual({
        audience: { public: false, user_id: ann.userId },
        message: { jsonrpc: '2.0', method: 'notification', params: newest },
      });
    } finally {
      await subscription.close();
    }
  });
});

describe('notification e-mails', () => {
  /** Resolves once every notification is handled and every queued e-mail has been sent. */
  const mailSettled = async () => {
    await api.context.notifications.settled();
    await eventually(
      'an empty mail queue',
      () => api.context.mailQueue.size(),
      (n) => n === 0,
    );
  };

  it('go only to users who opted in, name the site, and carry a working unsubscribe link', async () => {
    const page = pageUrl();
    const ann = await account('Ann');
    const bob = await api.guest('Bob');
    const users = new UserStore(api.redis);
    const root = await post(ann.token, page, 'Root.');

    // Not opted in: a notification, no e-mail.
    await post(bob.token, page, 'Quiet reply.', root.i);
    await mailSettled();
    expect((await list(ann.token)).unread_count).toBe(1);
    expect(smtp.messagesTo(ann.email)).toHaveLength(1); // the verification code only

    await users.update(api.site.id, ann.id, { email_notifications: 1 });
    await post(bob.token, page, 'Loud reply, with **Markdown**.', root.i);
    const received = await smtp.nextMessage(ann.email);
    const replyMail = { ...readMail(received.raw), subject: received.subject, headers: received.headers };
    expect(replyMail.subject).toBe(`Bob replied to your comment on ${SITE_NAME}`);
    expect(replyMail.text).toContain('Loud reply, with **Markdown**.');
    expect(replyMail.text).toContain(page);
    expect(replyMail.text).toContain(`— ${SITE_NAME}`);
    expect(replyMail.html).toContain('Tea &amp; Biscuits');
    const link = /https:\/\/comments\.example\.com(\/v1\/unsubscribe\?token=\S+)/.exec(replyMail.text);
    expect(link, replyMail.text).not.toBeNull();
    expect(replyMail.headers.get('list-unsubscribe')).toBe(`<${PUBLIC_URL}${link![1]}>`);
    expect(replyMail.headers.get('list-unsubscribe-post')).toBe('List-Unsubscribe=One-Click');

    await post(bob.token, page, 'By the way, @Ann, look at this.');
    const mentionMail = await smtp.nextMessage(ann.email);
    expect(mentionMail.subject).toBe(`Bob mentioned you on ${SITE_NAME}`);

    // The link works without a key, an origin or a sign-in.
    const unsubscribed = await api.app.inject({ method: 'GET', url: link![1]! });
    expect(unsubscribed.statusCode, unsubscribed.body).toBe(200);
    expect(unsubscribed.headers['content-type']).toMatch(/^text\/html/);
    expect(unsubscribed.body).toContain('Tea &amp; Biscuits');
    expect(unsubscribed.body).toContain('no longer get e-mails');
    expect((await users.get(api.site.id, ann.id))?.email_notifications).toBe(false);
    const me = await api.call({ method: 'GET', url: '/v1/users/me', token: ann.token });
    expect(me.json().email_notifications).toBe(false);

    // Following it again is fine; no more e-mails come.
    expect((await api.app.inject({ method: 'GET', url: link![1]! })).statusCode).toBe(200);
    await post(bob.token, page, 'Another reply.', root.i);
    await mailSettled();
    expect(smtp.messagesTo(ann.email)).toHaveLength(3);
    expect((await list(ann.token)).unread_count).toBe(4);

    // Mail clients' one-click button POSTs a form to the same link.
    await users.update(api.site.id, ann.id, { email_notifications: 1 });
    const oneClick = await api.app.inject({
      method: 'POST',
      url: link![1]!,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'List-Unsubscribe=One-Click',
    });
    expect(oneClick.statusCode, oneClick.body).toBe(200);
    expect((await users.get(api.site.id, ann.id))?.email_notifications).toBe(false);
  });

  it("link only to the site's own pages: commenters can neither set another site's URL nor change a page's", async () => {
    const key = `keyed-page-${++seq}`;
    const real = `https://blog.example.com/articles/${key}`;
    const ann = await account('Ann');
    await new UserStore(api.redis).update(api.site.id, ann.id, { email_notifications: 1 });
    const mallory = await api.guest('Mallory');
    const postKeyed = (token: string, pageUrl: string, content: string, parentId?: string) =>
      api.call({
        method: 'POST',
        url: '/v1/comments',
        token,
        payload: { page_key: key, page_url: pageUrl, content, ...(parentId ? { parent_id: parentId } : {}) },
      });
    const root = await postKeyed(ann.token, real, 'My comment.');
    expect(root.statusCode, root.body).toBe(201);

    // Another site's URL is refused, on a keyed page as on any other.
    for (const phishing of ['https://evil.example/login', 'http://blog.example.com.evil.example/x']) {
      const refused = await postKeyed(mallory.token, phishing, 'Read it here.', root.json().comment.i);
      expect(expectError(refused, 400, 'invalid_request').field).toBe('page_url');
    }
    // One of the site's own URLs is fine, but does not move the page: the first one stays.
    const reply = await postKeyed(
      mallory.token,
      'https://blog.example.com/login',
      'Hi!',
      root.json().comment.i,
    );
    expect(reply.statusCode, reply.body).toBe(201);

    const received = await smtp.nextMessage(ann.email);
    const mail = readMail(received.raw);
    expect(mail.text).toContain(`Read it and reply: ${real}`);
    expect(mail.html).toContain(`href="${real}"`);
    expect(mail.text).not.toContain('/login');
    expect((await list(ann.token)).notifications[0]?.page_url).toBe(real);

    // A page whose stored URL is not the site's (data from before this check) links nowhere.
    const pageId = resolvePage(api.site.id, { page_key: key }).id;
    await api.redis.hset(keys.page(api.site.id, pageId), 'url', 'https://evil.example/login');
    expect((await list(ann.token)).notifications[0]?.page_url).toBeNull();
    const exported = await api.call({ method: 'GET', url: '/v1/users/me/export', token: ann.token });
    expect(exported.json().comments.map((c: { page_url: string | null }) => c.page_url)).toEqual([null]);
    await postKeyed(mallory.token, real, 'Hello again.', root.json().comment.i);
    const second = readMail((await smtp.nextMessage(ann.email)).raw);
    expect(second.text).toContain('Hello again.');
    expect(second.text).not.toContain('evil.example');
    expect(second.html).not.toContain('evil.example');

    // Moderators may move a page (after the site moved the article), to another of the site's URLs.
    const mod = await account('Mod');
    await api.promote(mod.id, 'moderator');
    const moved = `https://blog.example.com/moved/${key}`;
    expect((await postKeyed(mallory.token, moved, 'Not me.')).statusCode).toBe(201);
    expect((await list(ann.token)).notifications[0]?.page_url).toBeNull();
    expect((await postKeyed(mod.token, moved, 'The article moved.')).statusCode).toBe(201);
    expect((await list(ann.token)).notifications[0]?.page_url).toBe(moved);
  });

  it('are not sent to an unverified address', async () => {
    const page = pageUrl();
    const ann = await api.guest('Ann');
    const bob = await api.guest('Bob');
    const address = `unverified-${++seq}@example.com`;
    await new UserStore(api.redis).update(api.site.id, ann.userId, {
      email: address,
      email_notifications: 1,
    });
    const root = await post(ann.token, page, 'Root.');
    await post(bob.token, page, 'Reply.', root.i);
    await mailSettled();
    expect((await list(ann.token)).unread_count).toBe(1);
    expect(smtp.messagesTo(address)).toEqual([]);
  });

  it('refuse a tampered link, an access token and a missing token', async () => {
    const ann = await account('Ann');
    const users = new UserStore(api.redis);
    await users.update(api.site.id, ann.id, { email_notifications: 1 });
    const url = await api.context.notifications.unsubscribeUrl(api.site.id, ann.id);
    const token = new URL(url).searchParams.get('token')!;
    const [header, payload, signature] = token.split('.');
    const flipped = `${signature!.slice(0, -2)}${signature!.endsWith('AA') ? 'BB' : 'AA'}`;
    const otherUser = Buffer.from(
      JSON.stringify({ ...JSON.parse(Buffer.from(payload!, 'base64url').toString()), sub: newId() }),
    ).toString('base64url');

    for (const bad of [`${header}.${payload}.${flipped}`, `${header}.${otherUser}.${signature}`, ann.token]) {
      expectError(
        await api.app.inject({ method: 'GET', url: `/v1/unsubscribe?token=${encodeURIComponent(bad)}` }),
        401,
        'unauthorized',
      );
    }
    expectError(await api.app.inject({ method: 'GET', url: '/v1/unsubscribe' }), 400, 'invalid_request');
    expect((await users.get(api.site.id, ann.id))?.email_notifications).toBe(true);
    // The unsubscribe token is no access token either.
    expectError(await api.call({ method: 'GET', url: '/v1/notifications', token }), 401, 'unauthorized');
  });
});

describe('notification e-mails when SMTP fails', () => {
  /** An SMTP server that refuses the first message with a temporary error, then accepts. */
  async function flakySmtp() {
    const received: ReturnType<typeof parseMessage>[] = [];
    let refused = 0;
    const server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      disableReverseLookup: true,
      logger: false,
      onData(stream, _session, callback) {
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('end', () => {
          if (refused === 0) {
            refused++;
            callback(Object.assign(new Error('Try again later'), { responseCode: 451 }));
            return;
          }
          received.push(parseMessage(Buffer.concat(chunks)));
          callback(null, 'Queued');
        });
      },
    });
    server.on('error', () => {});
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    const { port } = server.server.address() as AddressInfo;
    return {
      url: `smtp://127.0.0.1:${port}`,
      received,
      refused: () => refused,
      stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
    };
  }

  it('are retried until delivered', async () => {
    const flaky = await flakySmtp();
    const other = await startTestApi({
      env: { SMTP_URL: flaky.url, PUBLIC_URL, THREADKIT_SITE_NAME: SITE_NAME },
      context: FAST_MAIL,
    });
    try {
      const page = pageUrl();
      const ann = await other.guest('Ann');
      const bob = await other.guest('Bob');
      await new UserStore(other.redis).update(other.site.id, ann.userId, {
        email: 'ann@example.com',
        email_verified: 1,
        email_notifications: 1,
      });
      const root = (
        await other.call({
          method: 'POST',
          url: '/v1/comments',
          token: ann.token,
          payload: { page_url: page, content: 'Root.' },
        })
      ).json().comment;
      const created = await other.call({
        method: 'POST',
        url: '/v1/comments',
        token: bob.token,
        payload: { page_url: page, content: 'Reply.', parent_id: root.i },
      });
      expect(created.statusCode).toBe(201);
      const [delivered] = await eventually(
        'the e-mail delivered',
        async () => flaky.received,
        (r) => r.length > 0,
      );
      expect(flaky.refused()).toBe(1);
      expect(delivered!.headers.get('subject')).toBe(`Bob replied to your comment on ${SITE_NAME}`);
      await eventually(
        'an empty mail queue',
        () => other.context.mailQueue.size(),
        (n) => n === 0,
      );
      expect(flaky.received).toHaveLength(1);
    } finally {
      await other.stop();
      await flaky.stop();
    }
  });
});

describe('notification e-mails, at most one per recipient per window', () => {
  const WINDOW_MS = NOTIFICATION_EMAIL_WINDOW_MS;
  /** The clock of the mail queue and of the notifications' window: moved here, never slept on. */
  let now = Date.now();
  let throttled: TestApi;

  beforeAll(async () => {
    throttled = await startTestApi({
      env: { SMTP_URL: smtp.url, PUBLIC_URL, THREADKIT_SITE_NAME: SITE_NAME },
      context: { mailQueue: { pollMs: 20 }, clock: () => now },
    });
  });
  afterAll(async () => {
    await throttled?.stop();
  });

  const comment = async (token: string, page: string, content: string, parentId?: string) => {
    const response = await throttled.call({
      method: 'POST',
      url: '/v1/comments',
      token,
      payload: { page_url: page, content, ...(parentId ? { parent_id: parentId } : {}) },
    });
    expect(response.statusCode, response.body).toBe(201);
    return response.json().comment as Comment;
  };
  /** Every notification handled and the mail queue down to `jobs` (the digest waiting for its window). */
  const queued = async (jobs: number) => {
    await throttled.context.notifications.settled();
    await eventually(
      `${jobs} queued e-mail jobs`,
      () => throttled.context.mailQueue.size(),
      (n) => n === jobs,
    );
  };

  it('send the first at once, then gather the rest into one digest sent when the window ends', async () => {
    const page = pageUrl();
    const email = `throttled-${++seq}@example.com`;
    const registered = await throttled.call({
      method: 'POST',
      url: '/v1/auth/register',
      payload: { name: 'Tess', email, password: 'correct horse battery staple' },
    });
    expect(registered.statusCode, registered.body).toBe(201);
    const tess = { token: registered.json().token as string, id: registered.json().user.id as string };
    // With the account's own token: a code entered without it would take the account (api.md).
    await throttled.call({
      method: 'POST',
      url: '/v1/auth/verify',
      token: tess.token,
      payload: { email, code: await smtp.codeFor(email) },
    });
    await new UserStore(throttled.redis).update(throttled.site.id, tess.id, { email_notifications: 1 });
    const root = await comment(tess.token, page, 'Ask me anything.');

    // 60 replies from 6 guests within a minute: one e-mail now, the other 59 wait.
    const guests = await Promise.all([1, 2, 3, 4, 5, 6].map((n) => throttled.guest(`Replier ${n}`)));
    for (let i = 0; i < 60; i++)
      await comment(guests[i % 6]!.token, page, `Reply number ${i + 1}, @Tess.`, root.i);
    const first = await smtp.nextMessage(email);
    expect(first.subject).toMatch(new RegExp(`^Replier \\d replied to your comment on ${SITE_NAME}$`));
    await queued(1);
    expect(smtp.messagesTo(email)).toHaveLength(2); // the verification code and the first reply

    // The window ends: one digest of the 59, with each one's author, words and link (the first 50 listed).
    now += WINDOW_MS;
    const digest = await smtp.nextMessage(email);
    const mail = readMail(digest.raw);
    expect(digest.subject).toBe(`59 new replies and mentions on ${SITE_NAME}`);
    expect(mail.text.match(/replied to your comment:/g)).toHaveLength(50);
    expect(mail.text).toContain('…and 9 more');
    expect(mail.text).toContain(`Read it and reply: ${page}`);
    expect(mail.html).toContain(`href="${page}"`);
    expect(mail.text).toMatch(/at most one e-mail every 10 minutes/);
    expect(digest.headers.get('list-unsubscribe')).toMatch(
      /^<https:\/\/comments\.example\.com\/v1\/unsubscribe/,
    );
    await queued(0);
    expect(smtp.messagesTo(email)).toHaveLength(3);

    // The digest started a new window: a reply now waits for its end too…
    await comment(guests[0]!.token, page, 'One more thing.', root.i);
    await queued(1);
    expect(smtp.messagesTo(email)).toHaveLength(3);
    now += WINDOW_MS;
    const single = await smtp.nextMessage(email);
    expect(single.subject).toBe(`Replier 1 replied to your comment on ${SITE_NAME}`);
    expect(readMail(single.raw).text).toContain('One more thing.');
    await queued(0);

    // …and after a window without any, the next one goes out at once again.
    now += WINDOW_MS;
    await comment(guests[1]!.token, page, 'Back after a while.', root.i);
    expect((await smtp.nextMessage(email)).subject).toBe(`Replier 2 replied to your comment on ${SITE_NAME}`);
    await queued(0);
    expect(smtp.messagesTo(email)).toHaveLength(5);

    // An erased account's waiting digest goes with it, unsent.
    await comment(guests[2]!.token, page, 'Anyone there?', root.i);
    await queued(1);
    const erased = await throttled.call({ method: 'DELETE', url: '/v1/users/me', token: tess.token });
    expect(erased.statusCode, erased.body).toBe(204);
    expect(await throttled.redis.exists(keys.userMailDigest(throttled.site.id, tess.id))).toBe(0);
    now += WINDOW_MS;
    await queued(0);
    expect(smtp.messagesTo(email)).toHaveLength(5);
  });
});
