import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CommentStore, keys, type SiteSettings } from '@threadkit/core';
import {
  type AkismetDouble,
  expectError,
  freePort,
  type ModerationApiDouble,
  startAkismetDouble,
  startModerationApiDouble,
  startTestApi,
  type TestApi,
} from '@threadkit/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

/**
 * Spam and abuse checks through `POST /v1/comments`, on real Redis, with local
 * servers speaking Akismet's and OpenAI's moderation APIs.
 */
let api: TestApi;
let akismet: AkismetDouble;
let moderationApi: ModerationApiDouble;
let seq = 0;
const pageUrl = () => `https://blog.example.com/spam-${++seq}`;

beforeAll(async () => {
  akismet = await startAkismetDouble();
  moderationApi = await startModerationApiDouble();
  // The doubles listen on this machine: the operator lets outgoing requests reach it (only it).
  api = await startTestApi({
    env: { AKISMET_API_URL: akismet.url, OUTBOUND_ALLOW_PRIVATE: '127.0.0.1' },
    context: { spamCheckTimeoutMs: 300 },
  });
}, 60_000);
afterAll(async () => {
  await api?.stop();
  await akismet?.stop();
  await moderationApi?.stop();
});

/** The spam settings back at their defaults, then `changes` (as the CLI would set them). */
async function configure(changes: Partial<Record<keyof SiteSettings, string>> = {}) {
  const all: Partial<Record<keyof SiteSettings, string>> = {
    word_filter: '',
    word_filter_action: 'block',
    max_links: '5',
    min_submit_seconds: '3',
    akismet_enabled: 'false',
    akismet_key: '',
    moderation_api_enabled: 'false',
    moderation_api_url: 'https://api.openai.com',
    moderation_api_key: '',
    flagged_action: 'hold',
    ...changes,
  };
  for (const [name, value] of Object.entries(all))
    await api.context.sites.setSetting(api.site.id, name as keyof SiteSettings, value);
}

beforeEach(async () => {
  await configure();
  akismet.decide = () => 'ham';
  akismet.checks.length = 0;
  moderationApi.decide = (input) => ({ flagged: /hate you/i.test(input) ? ['harassment'] : [] });
  moderationApi.requests.length = 0;
});

const post = (token: string, payload: Record<string, unknown>, headers: Record<string, string> = {}) =>
  api.call({ method: 'POST', url: '/v1/comments', token, payload, headers });

const postOk = async (token: string, payload: Record<string, unknown>, headers?: Record<string, string>) => {
  const response = await post(token, payload, headers);
  expect(response.statusCode, response.body).toBe(201);
  return response.json().comment as { i: string; s: string };
};

const stored = (id: string) => new CommentStore(api.redis).get(api.site.id, id);

/** The thread as `token` (or an anonymous reader) sees it. */
const thread = async (url: string, token?: string) => {
  const response = await api.call({
    method: 'GET',
    url: `/v1/comments?page_url=${encodeURIComponent(url)}`,
    ...(token ? { token } : {}),
  });
  expect(response.statusCode, response.body).toBe(200);
  return response.json() as { total: number; tree: { comments: { i: string; s: string }[] } };
};

/** A held comment: pending, stored with its reason, seen by its author only. */
async function expectHeld(url: string, comment: { i: string; s: string }, token: string, reason: string) {
  expect(comment.s).toBe('pending');
  expect(comment).not.toHaveProperty('hr');
  expect((await stored(comment.i))?.hr).toBe(reason);
  const anonymous = await thread(url);
  expect(anonymous.total).toBe(0);
  expect(anonymous.tree.comments).toEqual([]);
  expect((await thread(url, token)).tree.comments.map((c) => c.i)).toEqual([comment.i]);
}

async function registered(name: string) {
  const response = await api.call({
    method: 'POST',
    url: '/v1/auth/register',
    payload: {
      name,
      email: `${name.toLowerCase()}-${++seq}@example.com`,
      password: 'correct horse battery staple',
    },
  });
  expect(response.statusCode, response.body).toBe(201);
  return { token: response.json().token as string, id: response.json().user.id as string };
}

describe('word filter', () => {
  it('refuses a comment with a blocked word (400 on content), storing nothing', async () => {
    await configure({ word_filter: 'casino, buy cheap pills' });
    const { token } = await api.guest();
    const url = pageUrl();
    const response = await post(token, { page_url: url, content: 'Best CASINO bonuses here' });
    expect(expectError(response, 400, 'invalid_request').field).toBe('content');
    expect((await thread(url, token)).tree.comments).toEqual([]);
    await postOk(token, { page_url: url, content: 'I read this on an occasion.' });
  });

  it('holds the comment instead when word_filter_action is hold', async () => {
    await configure({ word_filter: 'casino, buy cheap pills', word_filter_action: 'hold' });
    const { token } = await api.guest();
    const url = pageUrl();
    const comment = await postOk(token, { page_url: url, content: 'Please   buy cheap\npills.' });
    await expectHeld(url, comment, token, 'word_filter: "buy cheap pills"');
    // Moderators see why it was held in their queue; approving settles it.
    const queue = (await api.owner({ method: 'GET', url: '/v1/moderation/queue' })).json();
    const queued = queue.comments.find((c: { i: string }) => c.i === comment.i);
    expect(queued.hold_reason).toContain('word_filter');
    expect((await api.owner({ method: 'POST', url: `/v1/moderation/approve/${comment.i}` })).statusCode).toBe(
      204,
    );
    // The hold reason is settled with the decision.
    expect((await stored(comment.i))?.hr).toBeUndefined();
  });
});

describe('link limit', () => {
  it('holds a comment with more links than max_links, and publishes one within it', async () => {
    await configure({ max_links: '2' });
    const { token } = await api.guest();
    const url = pageUrl();
    const ok = await postOk(token, {
      page_url: url,
      content: '[a](https://a.example.com) <https://b.example.com>',
    });
    expect(ok.s).toBe('approved');
    const many = await postOk(token, {
      page_url: url,
      content: '[a](https://a.example.com) <https://b.example.com> https://c.example.com',
    });
    expect(many.s).toBe('pending');
    expect((await stored(many.i))?.hr).toBe('link_limit: 3 links, more than 2');
    expect((await thread(url)).tree.comments.map((c) => c.i)).toEqual([ok.i]);
  });
});

describe('guest honeypot and time to submit', () => {
  it('refuses a guest who filled the honeypot or sent too fast, alike (403)', async () => {
    const { token } = await api.guest();
    const url = pageUrl();
    const trap = expectError(
      await post(token, {
        page_url: url,
        content: 'hi',
        website: 'https://spam.example.com',
        elapsed_ms: 60_000,
      }),
      403,
      'forbidden',
    );
    const fast = expectError(
      await post(token, { page_url: url, content: 'hi', elapsed_ms: 400 }),
      403,
      'forbidden',
    );
    expect(fast.error).toBe(trap.error);
    expect(trap).not.toHaveProperty('field');
    expect((await thread(url, token)).tree.comments).toEqual([]);
  });

  it('publishes a guest who left the honeypot empty and took their time', async () => {
    const { token } = await api.guest();
    const comment = await postOk(token, {
      page_url: pageUrl(),
      content: 'hi',
      website: '',
      elapsed_ms: 12_000,
    });
    expect(comment.s).toBe('approved');
  });

  it('honours min_submit_seconds, and 0 turns the timing off', async () => {
    const { token } = await api.guest();
    await configure({ min_submit_seconds: '10' });
    expectError(
      await post(token, { page_url: pageUrl(), content: 'hi', elapsed_ms: 9_999 }),
      403,
      'forbidden',
    );
    await configure({ min_submit_seconds: '0' });
    expect((await postOk(token, { page_url: pageUrl(), content: 'hi', elapsed_ms: 1 })).s).toBe('approved');
  });

  it("does not check a guest whose client sends neither field (an older widget, a site's own client)", async () => {
    const { token } = await api.guest();
    expect((await postOk(token, { page_url: pageUrl(), content: 'hi' })).s).toBe('approved');
  });

  it('does not apply to accounts', async () => {
    const { token } = await registered('Ada');
    const comment = await postOk(token, {
      page_url: pageUrl(),
      content: 'hi',
      website: 'filled',
      elapsed_ms: 5,
    });
    expect(comment.s).toBe('approved');
  });

  it('validates the two fields like any other', async () => {
    const { token } = await api.guest();
    const response = await post(token, { page_url: pageUrl(), content: 'hi', elapsed_ms: -1 });
    expect(expectError(response, 400, 'invalid_request').field).toBe('elapsed_ms');
  });
});

describe('Akismet', () => {
  const on = (extra: Partial<Record<keyof SiteSettings, string>> = {}) =>
    configure({ akismet_enabled: 'true', akismet_key: akismet.apiKey, ...extra });

  it("sends the commenter's IP, user agent and referrer, and publishes ham", async () => {
    await on();
    const { token } = await api.guest('Grace');
    const url = pageUrl();
    const comment = await postOk(
      token,
      { page_url: url, content: 'Thoughtful remark' },
      { 'user-agent': 'Mozilla/5.0 (spam test)', referer: url },
    );
    expect(comment.s).toBe('approved');
    expect(akismet.checks).toHaveLength(1);
    expect(akismet.checks[0]!.form).toMatchObject({
      api_key: akismet.apiKey,
      blog: 'https://blog.example.com',
      user_ip: '127.0.0.1',
      user_agent: 'Mozilla/5.0 (spam test)',
      referrer: url,
      permalink: url,
      comment_type: 'comment',
      comment_author: 'Grace',
      comment_content: 'Thoughtful remark',
    });
  });

  it('holds spam', async () => {
    await on();
    akismet.decide = () => 'spam';
    const { token } = await api.guest();
    const url = pageUrl();
    await expectHeld(
      url,
      await postOk(token, { page_url: url, content: 'Nice site' }),
      token,
      'akismet: spam',
    );
  });

  it('refuses spam with flagged_action reject, and blatant spam always', async () => {
    const { token } = await api.guest();
    await on({ flagged_action: 'reject' });
    akismet.decide = () => 'spam';
    expectError(await post(token, { page_url: pageUrl(), content: 'Nice site' }), 403, 'forbidden');
    await on({ flagged_action: 'hold' });
    akismet.decide = () => 'discard';
    expectError(await post(token, { page_url: pageUrl(), content: 'Nice site' }), 403, 'forbidden');
  });

  it('publishes when Akismet fails, times out or is unreachable (fails open)', async () => {
    await on();
    const { token } = await api.guest();
    akismet.decide = () => 'error';
    expect((await postOk(token, { page_url: pageUrl(), content: 'one' })).s).toBe('approved');
    akismet.decide = () => 'hang';
    expect((await postOk(token, { page_url: pageUrl(), content: 'two' })).s).toBe('approved');
    await on({ akismet_key: 'not-the-key' });
    expect((await postOk(token, { page_url: pageUrl(), content: 'three' })).s).toBe('approved');
    expect(akismet.checks.map((c) => c.answer)).toEqual(['error', 'hang', 'invalid']);
  });
});

describe('OpenAI-compatible moderation endpoint', () => {
  const on = (extra: Partial<Record<keyof SiteSettings, string>> = {}) =>
    configure({
      moderation_api_enabled: 'true',
      moderation_api_url: moderationApi.url,
      moderation_api_key: moderationApi.apiKey,
      ...extra,
    });

  it('holds a flagged comment and publishes the rest', async () => {
    await on();
    const { token } = await api.guest();
    const url = pageUrl();
    expect((await postOk(token, { page_url: url, content: 'Great read' })).s).toBe('approved');
    const flagged = await postOk(token, { page_url: pageUrl(), content: 'I hate you' });
    expect(flagged.s).toBe('pending');
    expect((await stored(flagged.i))?.hr).toBe('moderation_api: flagged (harassment)');
    expect(moderationApi.requests.map((r) => r.body)).toEqual([
      { model: 'omni-moderation-latest', input: 'Great read' },
      { model: 'omni-moderation-latest', input: 'I hate you' },
    ]);
  });

  it('refuses a flagged comment with flagged_action reject', async () => {
    await on({ flagged_action: 'reject' });
    const { token } = await api.guest();
    expectError(await post(token, { page_url: pageUrl(), content: 'I hate you' }), 403, 'forbidden');
  });

  it('publishes when the endpoint is down (fails open)', async () => {
    await on({ moderation_api_url: `http://127.0.0.1:${await freePort()}` });
    const { token } = await api.guest();
    expect((await postOk(token, { page_url: pageUrl(), content: 'I hate you' })).s).toBe('approved');
  });
});

describe('every check together', () => {
  it('keeps all hold reasons, and a refusal wins over holds', async () => {
    await configure({
      word_filter: 'casino',
      word_filter_action: 'hold',
      max_links: '0',
      akismet_enabled: 'true',
      akismet_key: akismet.apiKey,
    });
    akismet.decide = () => 'spam';
    const { token } = await api.guest();
    const held = await postOk(token, { page_url: pageUrl(), content: 'casino https://casino.example.com' });
    expect((await stored(held.i))?.hr).toBe(
      'word_filter: "casino"; link_limit: 1 links, more than 0; akismet: spam',
    );
    akismet.decide = () => 'discard';
    expectError(await post(token, { page_url: pageUrl(), content: 'casino' }), 403, 'forbidden');
  });

  it('lets moderators through without asking anyone', async () => {
    await configure({ word_filter: 'casino', akismet_enabled: 'true', akismet_key: akismet.apiKey });
    akismet.decide = () => 'discard';
    const moderator = await registered('Mod');
    await api.promote(moderator.id, 'moderator');
    const comment = await postOk(moderator.token, {
      page_url: pageUrl(),
      content: 'casino talk is fine here',
    });
    expect(comment.s).toBe('approved');
    expect(akismet.checks).toEqual([]);
  });
});

describe('edits', () => {
  const edit = (token: string, id: string, content: string, headers: Record<string, string> = {}) =>
    api.call({ method: 'PUT', url: `/v1/comments/${id}`, token, payload: { content }, headers });
  /** The page's logged live events: who each one is for, and its method. */
  const events = async (url: string) => {
    const page = (
      await api.call({ method: 'GET', url: `/v1/comments?page_url=${encodeURIComponent(url)}` })
    ).json().page_id as string;
    return (await api.redis.xrange(keys.pageEvents(api.site.id, page), '-', '+')).map(([, fields]) => {
      const { audience, message } = JSON.parse(fields[1]!);
      return { public: audience.public as boolean, method: message.method as string, params: message.params };
    });
  };

  it('refuse a blocked word, as posting it would, and keep the comment as it was', async () => {
    await configure({ word_filter: 'casino' });
    const { token } = await api.guest();
    const url = pageUrl();
    const comment = await postOk(token, { page_url: url, content: 'A fine remark.' });
    expect(
      expectError(await edit(token, comment.i, 'Best CASINO bonuses'), 400, 'invalid_request').field,
    ).toBe('content');
    expect((await stored(comment.i))?.t).toBe('A fine remark.');
    expect((await stored(comment.i))?.e).toBe(0);
    expect((await thread(url)).total).toBe(1);
  });

  it('hold an edit the checks would hold: the comment, and its replies, leave the public thread until approved', async () => {
    await configure({ max_links: '1' });
    const ada = await api.guest('Ada');
    const bob = await api.guest('Bob');
    const url = pageUrl();
    const comment = await postOk(ada.token, { page_url: url, content: 'No links yet.' });
    const reply = await postOk(bob.token, { page_url: url, content: 'Agreed.', parent_id: comment.i });
    expect((await thread(url)).total).toBe(2);

    const response = await edit(ada.token, comment.i, 'See https://a.example.com and https://b.example.com');
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json().comment).toMatchObject({ i: comment.i, s: 'pending', e: true });
    expect((await stored(comment.i))?.hr).toBe('link_limit: 2 links, more than 1');
    const anonymous = await thread(url);
    expect(anonymous.total).toBe(0);
    expect(anonymous.tree.comments).toEqual([]);
    expect((await thread(url, ada.token)).tree.comments.map((c) => c.i)).toEqual([comment.i]);
    const queue = (await api.owner({ method: 'GET', url: '/v1/moderation/queue' })).json();
    expect(queue.comments.find((c: { i: string }) => c.i === comment.i)?.hold_reason).toContain('link_limit');
    // Readers see it go; its author and moderators see it held, with the new text.
    const [gone, held] = (await events(url)).slice(-2);
    expect(gone).toMatchObject({ public: true, method: 'delete_comment', params: { comment_id: comment.i } });
    expect(held).toMatchObject({
      public: false,
      method: 'new_comment',
      params: { comment: { i: comment.i, s: 'pending' } },
    });
    expect(held!.params.comment.t).toContain('https://b.example.com');

    expect((await api.owner({ method: 'POST', url: `/v1/moderation/approve/${comment.i}` })).statusCode).toBe(
      204,
    );
    expect((await thread(url)).total).toBe(2);
    expect((await thread(url)).tree.comments.map((c) => c.i)).toEqual([comment.i]);
    expect((await stored(reply.i))?.s).toBe('approved');
  });

  it('ask Akismet about the new text, from the editing request', async () => {
    await configure({ akismet_enabled: 'true', akismet_key: akismet.apiKey });
    const { token } = await api.guest('Grace');
    const url = pageUrl();
    const comment = await postOk(token, { page_url: url, content: 'Thoughtful remark' });
    akismet.decide = (form) => (form.comment_content?.includes('pills') ? 'spam' : 'ham');
    const response = await edit(token, comment.i, 'Cheap pills', { 'user-agent': 'Mozilla/5.0 (edit)' });
    expect(response.json().comment.s).toBe('pending');
    expect(akismet.checks.at(-1)!.form).toMatchObject({
      user_agent: 'Mozilla/5.0 (edit)',
      permalink: url,
      comment_content: 'Cheap pills',
    });
    expect((await stored(comment.i))?.hr).toBe('akismet: spam');
    akismet.decide = () => 'discard';
    expectError(await edit(token, comment.i, 'Cheap pills again'), 403, 'forbidden');
    expect((await stored(comment.i))?.t).toBe('Cheap pills');
  });

  it('of a clean comment stay published, and moderators skip the checks', async () => {
    await configure({ word_filter: 'casino', max_links: '0' });
    const { token } = await api.guest();
    const moderator = await registered('Moderator');
    await api.promote(moderator.id, 'moderator');
    const url = pageUrl();
    const comment = await postOk(token, { page_url: url, content: 'Plain.' });
    const clean = await edit(token, comment.i, 'Plain, and edited.');
    expect(clean.json().comment.s).toBe('approved');
    expect((await events(url)).at(-1)).toMatchObject({ public: true, method: 'edit_comment' });
    const own = await postOk(moderator.token, { page_url: url, content: 'From the moderator.' });
    const modEdit = await edit(moderator.token, own.i, 'Casino links: https://a.example.com');
    expect(modEdit.json().comment.s).toBe('approved');
    expect((await thread(url)).total).toBe(2);
  });
});

describe('secrets', () => {
  it('never shows the API keys in the site settings', async () => {
    await configure({ akismet_key: akismet.apiKey, moderation_api_key: moderationApi.apiKey });
    const response = await api.owner({ method: 'GET', url: `/v1/sites/${api.site.id}/settings` });
    expect(response.statusCode, response.body).toBe(200);
    expect(response.body).not.toContain(akismet.apiKey);
    expect(response.body).not.toContain(moderationApi.apiKey);
  });
});

describe('outgoing requests', () => {
  it('reach no address on this machine (nor any other non-public one) unless the operator allows it', async () => {
    const closed = await startTestApi({
      env: { AKISMET_API_URL: akismet.url },
      context: { spamCheckTimeoutMs: 300 },
    });
    try {
      const settings: Partial<Record<keyof SiteSettings, string>> = {
        akismet_enabled: 'true',
        akismet_key: akismet.apiKey,
        moderation_api_enabled: 'true',
        moderation_api_url: moderationApi.url,
        moderation_api_key: moderationApi.apiKey,
        flagged_action: 'reject',
      };
      for (const [name, value] of Object.entries(settings))
        await closed.context.sites.setSetting(closed.site.id, name as keyof SiteSettings, value);
      akismet.decide = () => 'discard';
      const { token } = await closed.guest();
      // Both services would refuse it; neither is asked, and the comment goes through (they fail open).
      const response = await closed.call({
        method: 'POST',
        url: '/v1/comments',
        token,
        payload: { page_url: pageUrl(), content: 'I hate you' },
      });
      expect(response.statusCode, response.body).toBe(201);
      expect(response.json().comment.s).toBe('approved');
      expect(moderationApi.requests).toEqual([]);
      expect(akismet.checks).toEqual([]);
    } finally {
      await closed.stop();
    }
  });

  it('follow no redirect: an allowed endpoint cannot send a call on to an address that is not', async () => {
    // 127.0.0.2 is this machine too, but the operator allowed only 127.0.0.1.
    let reached = 0;
    const target = createServer((request, response) => {
      reached++;
      request.resume();
      response.writeHead(200, { 'content-type': 'application/json' }).end('{"results":[{"flagged":true}]}');
    });
    await new Promise<void>((resolve) => target.listen(0, '127.0.0.2', resolve));
    const targetUrl = `http://127.0.0.2:${(target.address() as AddressInfo).port}/v1/moderations`;
    const redirector = createServer((request, response) => {
      request.resume();
      response.writeHead(307, { location: targetUrl }).end();
    });
    await new Promise<void>((resolve) => redirector.listen(0, '127.0.0.1', resolve));
    try {
      await configure({
        moderation_api_enabled: 'true',
        moderation_api_url: `http://127.0.0.1:${(redirector.address() as AddressInfo).port}`,
        flagged_action: 'reject',
      });
      const { token } = await api.guest();
      expect((await postOk(token, { page_url: pageUrl(), content: 'I hate you' })).s).toBe('approved');
      // Reached directly, the target would have flagged it: the redirect was not followed.
      expect(reached).toBe(0);
    } finally {
      redirector.closeAllConnections();
      target.closeAllConnections();
      await new Promise((resolve) => redirector.close(resolve));
      await new Promise((resolve) => target.close(resolve));
    }
  });
});
