import {
  CommentService,
  CommentStore,
  channels,
  EventBus,
  encodeEnvelope,
  pageEventMessage,
  readEnvelope,
  resolvePage,
  scripts,
  serverMessage,
  waitForRedis,
} from '@threadkit/core';
import { startTestApi, startTestGateway, type TestApi, type TestGateway } from '@threadkit/testing';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * What the scripts publish: the bytes the protocol module built, and a new
 * comment logged and published by its own write, so that no crash can come
 * between the two.
 */

let api: TestApi;
let gw: TestGateway;
let seq = 0;

beforeAll(async () => {
  api = await startTestApi();
  gw = await startTestGateway(api);
});
afterAll(async () => {
  await gw?.close();
  await api?.stop();
});

function newPage() {
  const url = `https://blog.example.com/announce-${++seq}`;
  return { url, id: resolvePage(api.site.id, { page_url: url }).id, since: Date.now() - 1000 };
}

/** The page's logged events since it was made. */
async function loggedOn(page: { id: string; since: number }) {
  const events = await api.context.realtime.eventsSince(api.site.id, page.id, { from: page.since }, 20);
  if (events === null) throw new Error('the log cannot vouch for the page');
  return events;
}

/** Every payload published on a channel from now on. */
async function listen(channel: string): Promise<{ payloads: string[]; stop: () => void }> {
  const subscriber = api.redis.duplicate();
  await waitForRedis(subscriber, 5000);
  const payloads: string[] = [];
  subscriber.on('message', (_channel: string, payload: string) => payloads.push(payload));
  await subscriber.subscribe(channel);
  return { payloads, stop: () => subscriber.disconnect() };
}

/** A comment posted through the API, as the widget posts one: every listener of the server hears of it. */
async function postOverHttp(guest: { token: string }, page: { url: string }, content: string) {
  const response = await api.call({
    method: 'POST',
    url: '/v1/comments',
    token: guest.token,
    payload: { page_url: page.url, content },
  });
  expect(response.statusCode).toBe(201);
  return response.json().comment as { i: string };
}

/** A comment service whose process does nothing after its writes: no listener hears its events. */
function serviceThatStopsAfterItsWrites() {
  return new CommentService({
    store: new CommentStore(api.redis),
    events: new EventBus(() => {}),
    realtime: api.context.realtime,
  });
}

async function commenter(name: string) {
  const guest = await api.guest(name);
  const viewer = await api.context.auth.authenticate(api.site.id, guest.token);
  return { ...viewer, userId: guest.userId };
}

describe('presence.lua', () => {
  it('publishes joins and leaves as the typed messages, byte for byte', async () => {
    const page = newPage();
    const channel = channels.page(api.site.id, page.id);
    const heard = await listen(channel);
    const ada = { id: 'ada-id', name: 'Ada "\\u0001count\\u0001" $count', avatar_url: null };
    const timing = () => ({
      now: Date.now(),
      expiresAt: Date.now() + 30_000,
      keepMs: 120_000,
      listLimit: 50,
    });
    await api.context.realtime.presenceJoin(api.site.id, page.id, 'i1', null, timing());
    await api.context.realtime.presenceJoin(api.site.id, page.id, 'i1', ada, timing());
    await api.context.realtime.presenceLeave(api.site.id, page.id, 'i1', ada.id, timing());
    await expect.poll(() => heard.payloads.length, { timeout: 5000 }).toBe(2);
    expect(heard.payloads).toEqual([
      encodeEnvelope(
        { audience: { public: true }, skip: ada.id, count: 2 },
        serverMessage('user_joined', { page_id: page.id, user: ada, count: 2 }),
      ),
      encodeEnvelope(
        { audience: { public: true }, count: 1 },
        serverMessage('user_left', { page_id: page.id, user_id: ada.id, count: 1 }),
      ),
    ]);
    heard.stop();
  });
});

describe("a new comment's announcement", () => {
  it('is logged and published by the write itself: nothing that runs after it is needed', async () => {
    const page = newPage();
    const site = await api.context.sites.get(api.site.id);
    const ann = await commenter('Ann');
    const reader = await gw.connect();
    await reader.next('connected');
    await reader.subscribe(page.id);
    const comments = serviceThatStopsAfterItsWrites();
    const ref = { id: page.id, url: page.url, key: null };
    const created = await comments.create(site, ann, { page: ref, content: 'Written and announced' });
    // Live readers get it, and the page's log holds it for those who resync.
    const live = await reader.next('new_comment');
    const { v: _own, ...shared } = created;
    expect(live.params).toEqual({ page_id: page.id, comment: shared, event_id: expect.any(String) });
    const logged = await loggedOn(page);
    expect(logged).toHaveLength(1);
    const envelope = readEnvelope(logged[0]!.envelope)!;
    expect(envelope.id).toBeUndefined();
    expect(envelope.audience).toEqual({ public: true });
    expect(envelope.message).toBe(
      pageEventMessage({
        type: 'comment.created',
        siteId: api.site.id,
        pageId: page.id,
        audience: { public: true },
        comment: shared,
      }),
    );
    expect(logged[0]!.id).toBe(live.params.event_id);
    reader.close();
  });

  it('names the parent it was stored under and reaches only who may see it; a refused write says nothing', async () => {
    const page = newPage();
    const site = await api.context.sites.get(api.site.id);
    const ann = await commenter('Ann');
    const comments = serviceThatStopsAfterItsWrites();
    const ref = { id: page.id, url: page.url, key: null };
    // Six levels deep: a reply to the deepest comment is stored beside it, under its parent.
    let parentId: string | undefined;
    const chain: string[] = [];
    for (let level = 1; level <= 6; level++) {
      parentId = (await comments.create(site, ann, { page: ref, content: `level ${level}`, parentId })).i;
      chain.push(parentId);
    }
    const beside = await comments.create(site, ann, { page: ref, content: 'too deep', parentId });
    expect(beside.pid).toBe(chain[4]);
    await api.context.sites.setSetting(api.site.id, 'moderation', 'pre');
    const held = await comments
      .create(await api.context.sites.get(api.site.id), ann, { page: ref, content: 'held' })
      .finally(() => api.context.sites.setSetting(api.site.id, 'moderation', 'none'));
    await expect(
      comments.create(site, ann, { page: ref, content: 'orphan', parentId: '0cZdmZixoJscOFqiPZ6LHx' }),
    ).rejects.toMatchObject({ code: 'not_found' });

    const logged = await loggedOn(page);
    const envelopes = logged.map((event) => readEnvelope(event.envelope)!);
    const comment = (at: number) => JSON.parse(envelopes[at]!.message).params.comment;
    expect(envelopes).toHaveLength(8);
    expect(comment(6)).toMatchObject({ i: beside.i, pid: chain[4] });
    expect(envelopes[7]!.audience).toEqual({ public: false, user_id: ann.userId });
    expect(comment(7)).toMatchObject({ i: held.i, s: 'pending', pid: null });
  });

  it('is not logged a second time by the relay', async () => {
    const page = newPage();
    await postOverHttp(await api.guest('Bo'), page, 'Once');
    const logged = await loggedOn(page);
    expect(logged).toHaveLength(1);
  });
});

describe("a vote's announcement", () => {
  it('is logged and published by the vote itself, with the counts the vote left', async () => {
    const page = newPage();
    const site = await api.context.sites.get(api.site.id);
    const [ann, bo, cy] = await Promise.all([commenter('Ann'), commenter('Bo'), commenter('Cy')]);
    const comments = serviceThatStopsAfterItsWrites();
    const ref = { id: page.id, url: page.url, key: null };
    const target = await comments.create(site, ann, { page: ref, content: 'Vote on me' });
    const reader = await gw.connect();
    await reader.next('connected');
    await reader.subscribe(page.id);

    await comments.vote(site, bo, target.i, 'up');
    await comments.vote(site, cy, target.i, 'down');
    // Voting the same way again takes the vote back: announced too, with the counts after it.
    await comments.vote(site, bo, target.i, 'up');
    const heard = [
      await reader.next('vote_update'),
      await reader.next('vote_update'),
      await reader.next('vote_update'),
    ];
    const counts = [
      [1, 0],
      [1, 1],
      [0, 1],
    ];
    expect(heard.map((message) => message.params)).toEqual(
      counts.map(([upvotes, downvotes]) => ({
        page_id: page.id,
        comment_id: target.i,
        upvotes,
        downvotes,
        event_id: expect.any(String),
      })),
    );
    const votes = (await loggedOn(page)).slice(1);
    expect(votes.map((event) => event.id)).toEqual(heard.map((message) => message.params.event_id));
    expect(votes.map((event) => readEnvelope(event.envelope)!)).toEqual(
      counts.map(([upvotes, downvotes]) => ({
        audience: { public: true },
        message: pageEventMessage({
          type: 'comment.voted',
          siteId: api.site.id,
          pageId: page.id,
          audience: { public: true },
          commentId: target.i,
          upvotes: upvotes!,
          downvotes: downvotes!,
          voterId: '',
          vote: null,
          authorId: '',
        }),
      })),
    );
    reader.close();
  });

  it("on a shadow-banned author's comment, reaches only its author and moderators; a refused vote says nothing", async () => {
    const page = newPage();
    const site = await api.context.sites.get(api.site.id);
    const [ann, bo] = await Promise.all([commenter('Ann'), commenter('Bo')]);
    const comments = serviceThatStopsAfterItsWrites();
    const ref = { id: page.id, url: page.url, key: null };
    const target = await comments.create(site, ann, { page: ref, content: 'Soon hidden' });
    const owner = { siteId: site.id, userId: null, role: 'owner' as const, sessionId: null };
    await api.context.moderation.shadowban(site, owner, ann.userId, true);
    const moderator = { ...bo, role: 'moderator' as const };
    await comments.vote(site, moderator, target.i, 'up');
    await expect(comments.vote(site, bo, target.i, 'up')).rejects.toMatchObject({ code: 'not_found' });
    await expect(comments.vote(site, ann, target.i, 'up')).rejects.toMatchObject({ code: 'forbidden' });

    const logged = (await loggedOn(page)).slice(1);
    expect(logged.map((event) => readEnvelope(event.envelope)!.audience)).toEqual([
      { public: false, user_id: ann.userId },
    ]);
  });

  it('is one script call with the vote, and not logged a second time by the relay', async () => {
    const page = newPage();
    const [ann, bo] = await Promise.all([api.guest('Ann'), api.guest('Bo')]);
    const posted = await postOverHttp(ann, page, 'Once each');
    const { vote, publishPageEvent } = scripts();
    const ran = await scriptsRunBy(async () => {
      const voted = await api.call({
        method: 'POST',
        url: `/v1/comments/${posted.i}/vote`,
        token: bo.token,
        payload: { direction: 'up' },
      });
      expect(voted.statusCode, voted.body).toBe(200);
      await api.context.notifications.settled();
    });
    expect(ran.filter((sha) => sha === vote.sha)).toHaveLength(1);
    expect(ran).not.toContain(publishPageEvent.sha);
    expect(await loggedOn(page)).toHaveLength(2);
  });
});

/** The scripts (their SHA-1s) Redis ran while `work` did, from its slow log with every command logged. */
async function scriptsRunBy(work: () => Promise<void>): Promise<string[]> {
  const redis = api.redis as Redis;
  await redis.config('SET', 'slowlog-log-slower-than', '0');
  await redis.slowlog('RESET');
  try {
    await work();
    const logged = (await redis.slowlog('GET', 1000)) as [number, number, number, string[]][];
    return logged
      .filter(([, , , args]) => args[0]?.toLowerCase() === 'evalsha')
      .map(([, , , args]) => args[1]!);
  } finally {
    await redis.config('SET', 'slowlog-log-slower-than', '10000');
  }
}
