import { keys, ModerationStore, type ScanPosition } from '@threadkit/core';
import { expectError, startTestApi, type TestApi } from '@threadkit/testing';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * `GET /v1/moderation/banned` and `/shadowbanned` (`moderation.md`, Users):
 * who may read them, what they show to whom, and paging through sets read with
 * SSCAN, on a real Redis.
 */

let api: TestApi;
let seq = 0;

interface Person {
  id: string;
  token: string;
  email: string;
}

const staff = {} as Record<'admin' | 'moderator', Person>;
let member: Person;

async function account(name: string): Promise<Person> {
  const email = `${name.toLowerCase()}-${++seq}@example.com`;
  const response = await api.call({
    method: 'POST',
    url: '/v1/auth/register',
    payload: { name: `${name} ${seq}`, email, password: 'correct horse battery staple' },
  });
  expect(response.statusCode, response.body).toBe(201);
  return { id: response.json().user.id, token: response.json().token, email };
}

beforeAll(async () => {
  api = await startTestApi();
  staff.admin = await account('Admin');
  staff.moderator = await account('Moderator');
  member = await account('Member');
  await api.promote(staff.admin.id, 'admin');
  await api.promote(staff.moderator.id, 'moderator');
});
afterAll(async () => {
  await api?.stop();
});

type Caller = 'anonymous' | 'guest' | 'user' | 'moderator' | 'admin' | 'owner';

async function as(caller: Caller, options: InjectOptions): Promise<LightMyRequestResponse> {
  if (caller === 'owner') return api.owner(options);
  if (caller === 'anonymous') return api.call(options);
  if (caller === 'guest') return api.call({ ...options, token: (await api.guest('Guest')).token });
  return api.call({ ...options, token: caller === 'user' ? member.token : staff[caller].token });
}

const act = async (action: string, userId: string) => {
  const response = await api.owner({
    method: 'POST',
    url: `/v1/moderation/${action}/${userId}`,
    payload: {},
  });
  expect(response.statusCode, response.body).toBe(204);
};

interface Listed {
  id: string;
  name: string;
  avatar_url: string | null;
  guest: boolean;
  role: string;
  email?: string | null;
}

/** Every page of a list, with the limit given; each page's size is checked against it. */
async function everyPage(caller: Caller, list: 'banned' | 'shadowbanned', limit: number) {
  const users: Listed[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const query = new URLSearchParams({ limit: String(limit), ...(cursor ? { cursor } : {}) });
    const response = await as(caller, { method: 'GET', url: `/v1/moderation/${list}?${query}` });
    expect(response.statusCode, response.body).toBe(200);
    const body = response.json() as { users: Listed[]; total: number; next_cursor: string | null };
    expect(body.users.length).toBeLessThanOrEqual(limit);
    expect(new Set(body.users.map((u) => u.id)).size, 'a page lists a user once').toBe(body.users.length);
    users.push(...body.users);
    cursor = body.next_cursor;
    expect(++pages, 'pages end').toBeLessThan(100);
  } while (cursor);
  return users;
}

const ids = (users: Listed[]) => users.map((u) => u.id).sort();

describe('the lists of banned and shadow-banned users', () => {
  it('are for moderators, admins and the owner', async () => {
    for (const list of ['banned', 'shadowbanned']) {
      const request = { method: 'GET' as const, url: `/v1/moderation/${list}` };
      expectError(await as('anonymous', request), 401, 'unauthorized');
      expectError(await as('guest', request), 403, 'forbidden');
      expectError(await as('user', request), 403, 'forbidden');
      for (const caller of ['moderator', 'admin', 'owner'] as const) {
        const response = await as(caller, request);
        expect([caller, list, response.statusCode]).toEqual([caller, list, 200]);
        expect(Object.keys(response.json()).sort()).toEqual(['next_cursor', 'total', 'users']);
      }
    }
  });

  it('show a user after a ban and not after it is lifted, and the same for shadow-bans', async () => {
    const target = await account('Target');
    const has = async (list: 'banned' | 'shadowbanned') =>
      ids(await everyPage('moderator', list, 100)).includes(target.id);
    expect([await has('banned'), await has('shadowbanned')]).toEqual([false, false]);
    await act('ban', target.id);
    expect([await has('banned'), await has('shadowbanned')]).toEqual([true, false]);
    await act('shadowban', target.id);
    expect([await has('banned'), await has('shadowbanned')]).toEqual([true, true]);
    await act('unban', target.id);
    expect([await has('banned'), await has('shadowbanned')]).toEqual([false, true]);
    await act('unshadowban', target.id);
    expect([await has('banned'), await has('shadowbanned')]).toEqual([false, false]);
  });

  it('show the e-mail of accounts to admins and the owner only', async () => {
    const banned = await account('Mailed');
    const guest = await api.guest('Guesty');
    await act('shadowban', banned.id);
    await act('shadowban', guest.userId);
    const entry = async (caller: Caller, id: string) =>
      (await everyPage(caller, 'shadowbanned', 100)).find((u) => u.id === id);

    expect(await entry('moderator', banned.id)).toEqual({
      id: banned.id,
      name: expect.stringMatching(/^Mailed /),
      avatar_url: null,
      guest: false,
      role: 'user',
    });
    expect(await entry('moderator', guest.userId)).not.toHaveProperty('email');
    for (const caller of ['admin', 'owner'] as const) {
      expect(await entry(caller, banned.id)).toMatchObject({ email: banned.email, guest: false });
      expect(await entry(caller, guest.userId)).toMatchObject({ email: null, guest: true, name: 'Guesty' });
    }
  });

  // SSCAN's promise, which the API passes on: every user, but one may come twice when the
  // set's hash table is resized, as it is while these bans are added and just after.
  it('page through a set, at most `limit` users a page, each user at least once', async () => {
    const banned: string[] = [];
    for (let i = 0; i < 11; i++) {
      const person = await account('Banned');
      await act('ban', person.id);
      banned.push(person.id);
    }
    const first = await as('owner', { method: 'GET', url: '/v1/moderation/banned?limit=3' });
    expect(first.json().total).toBe(await api.redis.scard(keys.banned(api.site.id)));
    for (const limit of [1, 3, 4, 100]) {
      const listed = ids(await everyPage('admin', 'banned', limit));
      expect(listed, `limit ${limit}`).toEqual(expect.arrayContaining(banned));
    }
  });

  it('refuse a limit over 100, and a cursor that is not one of the list', async () => {
    const url = (query: string) => ({ method: 'GET' as const, url: `/v1/moderation/banned?${query}` });
    expect(expectError(await as('owner', url('limit=101')), 400, 'invalid_request').field).toBe('limit');
    expect(expectError(await as('owner', url('limit=0')), 400, 'invalid_request').field).toBe('limit');
    expect(expectError(await as('owner', url('cursor=nonsense')), 400, 'invalid_request').field).toBe(
      'cursor',
    );
    // A cursor of the other list: with two users in it, its first page of one has a next.
    for (const name of ['Other', 'Another']) await act('shadowban', (await account(name)).id);
    const other = await as('owner', { method: 'GET', url: '/v1/moderation/shadowbanned?limit=1' });
    const cursor = other.json().next_cursor as string;
    expect(typeof cursor).toBe('string');
    const response = await as('owner', url(`cursor=${encodeURIComponent(cursor)}`));
    expect(expectError(response, 400, 'invalid_request').field).toBe('cursor');
  });
});

describe('ModerationStore.userPage', () => {
  const store = () => new ModerationStore(api.redis);
  const SITE = '0cZdmZixoJscOFqiPZ6LHx';

  /** Every page from the first, as the route reads them; `between` runs after each page. */
  async function scanAll(limit: number, between: (page: number) => Promise<void> = async () => {}) {
    const seen: string[] = [];
    let from: ScanPosition | null = null;
    for (let page = 0; ; page++) {
      const { ids: got, next } = await store().userPage(SITE, 'banned', from, limit);
      expect(got.length).toBeLessThanOrEqual(limit);
      seen.push(...got);
      if (!next) return seen;
      from = next;
      await between(page);
      expect(page).toBeLessThan(10_000);
    }
  }

  it('reads a large set in bounded pages and lists every member', async () => {
    const members = Array.from({ length: 700 }, (_, i) => `user-${String(i).padStart(4, '0')}`);
    await api.redis.del(keys.banned(SITE));
    await api.redis.sadd(keys.banned(SITE), ...members);
    for (const limit of [7, 100]) {
      const seen = await scanAll(limit);
      expect(new Set(seen)).toEqual(new Set(members));
    }
  });

  it('pages inside a set that one call returns whole, without missing members removed or kept meanwhile', async () => {
    // Small sets of integers come whole from one SSCAN call, whatever COUNT asks.
    const members = Array.from({ length: 50 }, (_, i) => String(1000 + i));
    await api.redis.del(keys.banned(SITE));
    await api.redis.sadd(keys.banned(SITE), ...members);
    expect(await api.redis.object('ENCODING', keys.banned(SITE))).toBe('intset');
    expect(new Set(await scanAll(6))).toEqual(new Set(members));
    expect((await scanAll(6)).length).toBe(members.length);

    // Members leave while pages are read: every one that stays is still listed.
    const removed = new Set<string>();
    const seen = await scanAll(6, async (page) => {
      const gone = [members[page]!, members[members.length - 1 - page]!];
      for (const id of gone) removed.add(id);
      await api.redis.srem(keys.banned(SITE), ...gone);
    });
    const kept = members.filter((id) => !removed.has(id));
    expect(seen).toEqual(expect.arrayContaining(kept));
    await api.redis.del(keys.banned(SITE));
  });
});
