import { createHmac, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { keys, WEBHOOK_EVENTS, WEBHOOK_LOG_KEPT, WEBHOOK_QUEUE_CAP } from '@threadkit/core';
import {
  eventually,
  listenLocal,
  type SmtpTestServer,
  startSmtpServer,
  startTestApi,
  type TestApi,
} from '@threadkit/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

const SITE_NAME = 'Tea & Biscuits';
/** Failures that disable an endpoint here (the default is larger). */
const FAILURES_TO_DISABLE = 4;
/**
 * The worker polls, retries and gives up in milliseconds here; the lease is
 * short so a delivery left by a stopped worker comes back soon.
 */
const FAST_WEBHOOKS = {
  pollMs: 20,
  leaseMs: 1500,
  timeoutMs: 20_000,
  failuresToDisable: FAILURES_TO_DISABLE,
  retry: { firstRetryMs: 20, maxRetryMs: 80, giveUpAfterMs: 60_000, jitter: 0.2 },
};

/** One request the receiver got: its headers, its body, and the body parsed. */
interface Received {
  headers: IncomingMessage['headers'];
  raw: string;
  body: { id: string; type: string; page_id: string | null; data: Record<string, unknown> };
}

/**
 * A webhook receiver on 127.0.0.1. `answer` decides each request's fate: a
 * status, or `hang` (no answer until the test releases it or it ends).
 */
async function startReceiver(answer: (request: Received, seq: number) => number | 'hang' = () => 200) {
  const received: Received[] = [];
  const hanging: ServerResponse[] = [];
  const server = createServer((request, response) => {
    let raw = '';
    request.setEncoding('utf8');
    request.on('data', (chunk: string) => {
      raw += chunk;
    });
    request.on('end', () => {
      const entry = { headers: request.headers, raw, body: JSON.parse(raw) };
      received.push(entry);
      const fate = answer(entry, received.length);
      if (fate === 'hang') hanging.push(response);
      else response.writeHead(fate).end();
    });
  });
  const { url, stop } = await listenLocal(server);
  return {
    url: `${url}/hooks`,
    received,
    hanging,
    /** Requests of one type, in arrival order. */
    ofType: (type: string) => received.filter((r) => r.body.type === type),
    stop,
  };
}

let smtp: SmtpTestServer;
let api: TestApi;
let seq = 0;
const pageUrl = () => `https://blog.example.com/webhooks-${++seq}`;
const receivers: Awaited<ReturnType<typeof startReceiver>>[] = [];

async function receiver(answer?: Parameters<typeof startReceiver>[0]) {
  const started = await startReceiver(answer);
  receivers.push(started);
  return started;
}

async function setting(value: boolean) {
  const response = await api.owner({
    method: 'PUT',
    url: `/v1/sites/${api.site.id}/settings`,
    payload: { webhooks_allow_private: value },
  });
  expect(response.statusCode, response.body).toBe(200);
}

async function register(url: string, events: readonly string[] = WEBHOOK_EVENTS) {
  const response = await api.owner({ method: 'POST', url: '/v1/webhooks', payload: { url, events } });
  expect(response.statusCode, response.body).toBe(201);
  return response.json() as { id: string; secret: string; url: string; events: string[] };
}

async function ping(endpointId: string): Promise<string> {
  const response = await api.owner({ method: 'POST', url: `/v1/webhooks/${endpointId}/test` });
  expect(response.statusCode, response.body).toBe(202);
  return response.json().delivery_id;
}

async function deliveryLog(endpointId: string) {
  const response = await api.owner({ method: 'GET', url: `/v1/webhooks/${endpointId}/deliveries?limit=50` });
  expect(response.statusCode, response.body).toBe(200);
  return response.json().deliveries as {
    delivery_id: string;
    type: string;
    outcome: string;
    status: number | null;
    duration_ms: number;
    error: string | null;
    next_attempt_at: number | null;
  }[];
}

async function post(token: string, page: string, content: string) {
  const response = await api.call({
    method: 'POST',
    url: '/v1/comments',
    token,
    payload: { page_url: page, content },
  });
  expect(response.statusCode, response.body).toBe(201);
  return response.json().comment as { i: string };
}

/** A commenter with an account (verified: its address receives e-mail), made an admin of the site. */
async function admin(name: string) {
  const email = `${name.toLowerCase().replace(/\W/g, '')}-${++seq}@example.com`;
  const registered = await api.call({
    method: 'POST',
    url: '/v1/auth/register',
    payload: { name, email, password: 'correct horse battery staple' },
  });
  expect(registered.statusCode, registered.body).toBe(201);
  const verified = await api.call({
    method: 'POST',
    url: '/v1/auth/verify',
    payload: { email, code: await smtp.codeFor(email) },
    token: registered.json().token,
  });
  expect(verified.statusCode, verified.body).toBe(200);
  await api.promote(registered.json().user.id, 'admin');
  return { email, token: registered.json().token as string };
}

/** The Node.js verification function of docs/webhooks.md, as a receiver would copy it. */
const documentedVerify = (() => {
  const doc = readFileSync(new URL('../../docs/webhooks.md', import.meta.url), 'utf8');
  const source = /```js\n[^\n]*\n\n(function verifyThreadKit[\s\S]*?\n})\n/.exec(doc)?.[1];
  if (!source) throw new Error('docs/webhooks.md has no verifyThreadKit function');
  return new Function('createHmac', 'timingSafeEqual', `return ${source}`)(createHmac, timingSafeEqual) as (
    secret: string,
    header: string,
    rawBody: string,
  ) => boolean;
})();

/** Checks a request as a receiver following docs/webhooks.md does. */
function signedWith(secret: string, request: Received): boolean {
  const header = request.headers['threadkit-signature'];
  return typeof header === 'string' && documentedVerify(secret, header, request.raw);
}

beforeAll(async () => {
  smtp = await startSmtpServer();
  api = await startTestApi({
    env: { SMTP_URL: smtp.url, THREADKIT_SITE_NAME: SITE_NAME },
    context: { mailQueue: { pollMs: 20, retryBaseMs: 20, retryMaxMs: 100 }, webhooks: FAST_WEBHOOKS },
  });
});
afterEach(async () => {
  // Each test's endpoints go, so the next test's events reach only its own.
  const listed = await api.owner({ method: 'GET', url: '/v1/webhooks' });
  for (const { id } of listed.json().webhooks as { id: string }[])
    await api.owner({ method: 'DELETE', url: `/v1/webhooks/${id}` });
  for (const started of receivers.splice(0)) await started.stop();
});
afterAll(async () => {
  await api?.stop();
  await smtp?.stop();
});

describe('webhook targets', () => {
  it('refuses a loopback target unless the site allows private targets', async () => {
    const target = await receiver();
    const endpoint = await register(target.url);
    const refused = await ping(endpoint.id);
    const log = await eventually(
      'the refused attempt in the log',
      () => deliveryLog(endpoint.id),
      (entries) => entries.some((e) => e.delivery_id === refused),
    );
    expect(log[0]).toMatchObject({ delivery_id: refused, type: 'ping', outcome: 'failed', status: null });
    expect(log[0]!.error).toMatch(/^refused: 127\.0\.0\.1 is not a public address/);
    expect(target.received).toEqual([]);

    await setting(true);
    const allowed = await register(target.url);
    const sent = await ping(allowed.id);
    await eventually(
      'the ping, once the setting allows it',
      async () => target.received.map((r) => r.body.id),
      (ids) => ids.includes(sent),
    );
    await setting(false);
  });

  it('lets only the owner allow private targets, not an admin', async () => {
    const { token } = await admin('Warden');
    const response = await api.call({
      method: 'PUT',
      url: `/v1/sites/${api.site.id}/settings`,
      token,
      payload: { webhooks_allow_private: true },
    });
    expect(response.statusCode, response.body).toBe(403);
  });
});

describe('webhook deliveries', () => {
  beforeAll(() => setting(true));

  it('delivers every event type, signed with the endpoint secret', async () => {
    const target = await receiver();
    const endpoint = await register(target.url);
    expect(endpoint.secret).toMatch(/^whsec_/);
    const page = pageUrl();
    const author = await api.guest('Author');
    const reader = await api.guest('Reader');

    const kept = await post(author.token, page, 'First draft');
    const edited = await api.call({
      method: 'PUT',
      url: `/v1/comments/${kept.i}`,
      token: author.token,
      payload: { content: 'Second draft' },
    });
    expect(edited.statusCode, edited.body).toBe(200);
    const reported = await api.call({
      method: 'POST',
      url: `/v1/comments/${kept.i}/report`,
      token: reader.token,
      payload: { reason: 'spam', details: 'Sells tea' },
    });
    expect(reported.statusCode, reported.body).toBe(204);
    for (const action of ['reject', 'approve'])
      expect(
        (
          await api.owner({
            method: 'POST',
            url: '/v1/moderation/bulk',
            payload: { action, comment_ids: [kept.i] },
          })
        ).statusCode,
      ).toBe(204);
    const gone = await post(author.token, page, 'Regret');
    expect(
      (await api.call({ method: 'DELETE', url: `/v1/comments/${gone.i}`, token: author.token })).statusCode,
    ).toBe(204);
    const banned = await api.owner({
      method: 'POST',
      url: `/v1/moderation/ban/${reader.userId}`,
      payload: { reason: 'spam reports' },
    });
    expect(banned.statusCode, banned.body).toBe(204);

    // Two comments created and deleted (one by its rejection), and one of each other event.
    await eventually(
      'every delivery',
      async () => target.received.map((r) => r.body.type),
      (types) => types.length >= WEBHOOK_EVENTS.length + 2,
    );
    expect(new Set(target.received.map((r) => r.body.type))).toEqual(new Set(WEBHOOK_EVENTS));
    for (const request of target.received) {
      expect(signedWith(endpoint.secret, request), request.raw).toBe(true);
      expect(request.headers['threadkit-delivery']).toBe(request.body.id);
      expect(request.headers['threadkit-event']).toBe(request.body.type);
      expect(request.headers['content-type']).toBe('application/json');
    }
    const created = target.ofType('comment.created').map((r) => r.body.data.comment as { i: string });
    expect(created.map((c) => c.i)).toEqual([kept.i, gone.i]);
    expect(target.ofType('comment.edited')[0]!.body.data).toMatchObject({
      comment_id: kept.i,
      content: 'Second draft',
    });
    expect(target.ofType('comment.reported')[0]!.body.data).toEqual({
      comment_id: kept.i,
      reason: 'spam',
      details: 'Sells tea',
      reporter_id: reader.userId,
    });
    expect(target.ofType('comment.rejected')[0]!.body.data.comment).toMatchObject({
      i: kept.i,
      s: 'rejected',
    });
    expect(target.ofType('comment.approved')[0]!.body.data.comment).toMatchObject({
      i: kept.i,
      s: 'approved',
    });
    expect(target.ofType('comment.deleted').map((r) => r.body.data.comment_id)).toEqual([kept.i, gone.i]);
    expect(target.ofType('user.banned')[0]!.body).toMatchObject({
      page_id: null,
      data: { user_id: reader.userId, delete_comments: false, reason: 'spam reports' },
    });
  });

  it('sends only the events an endpoint subscribes to', async () => {
    const target = await receiver();
    await register(target.url, ['comment.deleted']);
    const author = await api.guest('Author');
    const comment = await post(author.token, pageUrl(), 'Soon gone');
    await api.call({ method: 'DELETE', url: `/v1/comments/${comment.i}`, token: author.token });
    await eventually(
      'the deletion',
      async () => target.received.length,
      (n) => n >= 1,
    );
    expect(target.received.map((r) => r.body.type)).toEqual(['comment.deleted']);
  });

  it('retries after 500s on the back-off schedule, and logs every attempt', async () => {
    const target = await receiver((_request, n) => (n <= 2 ? 500 : 200));
    const endpoint = await register(target.url);
    const id = await ping(endpoint.id);
    const log = await eventually(
      'the third attempt to succeed',
      () => deliveryLog(endpoint.id),
      (entries) => entries[0]?.outcome === 'sent',
    );
    expect(target.received.map((r) => r.body.id)).toEqual([id, id, id]);
    expect(log.map(({ outcome, status, delivery_id }) => ({ outcome, status, delivery_id }))).toEqual([
      { outcome: 'sent', status: 200, delivery_id: id },
      { outcome: 'failed', status: 500, delivery_id: id },
      { outcome: 'failed', status: 500, delivery_id: id },
    ]);
    expect(log[0]!.next_attempt_at).toBeNull();
    expect(log[1]!.error).toBe('answered 500');
    for (const failed of log.slice(1)) expect(failed.next_attempt_at).toEqual(expect.any(Number));
    for (const entry of log) expect(entry.duration_ms).toBeGreaterThanOrEqual(0);
  });

  it("keeps a page's deliveries in order: the next waits while the first is retried", async () => {
    const target = await receiver((_request, n) => (n === 1 ? 500 : 200));
    await register(target.url, ['comment.created']);
    const author = await api.guest('Author');
    const page = pageUrl();
    const first = await post(author.token, page, 'One');
    const second = await post(author.token, page, 'Two');
    await eventually(
      'both comments delivered',
      async () => target.received.length,
      (n) => n >= 3,
    );
    const ids = target.received.map((r) => (r.body.data.comment as { i: string }).i);
    expect(ids).toEqual([first.i, first.i, second.i]);
  });

  it('answers a comment while the receiver hangs', async () => {
    const target = await receiver(() => 'hang');
    await register(target.url, ['comment.created']);
    const author = await api.guest('Author');
    await post(author.token, pageUrl(), 'The receiver takes this one and never answers');
    await eventually(
      'the receiver holding the first delivery',
      async () => target.hanging.length,
      (n) => n === 1,
    );
    // Posted on another page (its own queue), and answered while the first delivery still hangs.
    const second = await post(author.token, pageUrl(), 'Posted all the same');
    expect(second.i).toEqual(expect.any(String));
    expect(target.hanging.length).toBe(1);
    expect(target.hanging[0]!.writableEnded).toBe(false);
  });

  it('keeps sending to other endpoints while one hangs on many pages', async () => {
    const stuck = await receiver(() => 'hang');
    await register(stuck.url, ['comment.created']);
    const author = await api.guest('Author');
    // More pages than the worker has loops: each page is a queue of its own.
    for (let i = 0; i < 6; i++) await post(author.token, pageUrl(), `Page ${i}`);
    await eventually(
      'the hanging receiver holding a delivery',
      async () => stuck.hanging.length,
      (n) => n >= 1,
    );
    const healthy = await receiver();
    const endpoint = await register(healthy.url);
    const id = await ping(endpoint.id);
    await eventually(
      'the ping to the healthy endpoint',
      async () => healthy.received.map((r) => r.body.id),
      (ids) => ids.includes(id),
    );
    expect(stuck.hanging.length).toBe(1);
  });

  it('signs with the new secret after a rotation, and never shows the secret again', async () => {
    const target = await receiver();
    const endpoint = await register(target.url);
    const shown = await api.owner({ method: 'GET', url: `/v1/webhooks/${endpoint.id}` });
    expect(shown.json()).not.toHaveProperty('secret');
    const rotated = await api.owner({ method: 'POST', url: `/v1/webhooks/${endpoint.id}/rotate-secret` });
    expect(rotated.statusCode, rotated.body).toBe(200);
    const secret = rotated.json().secret as string;
    expect(secret).not.toBe(endpoint.secret);
    const id = await ping(endpoint.id);
    const [request] = await eventually(
      'the ping',
      async () => target.received.filter((r) => r.body.id === id),
      (found) => found.length === 1,
    );
    expect(signedWith(secret, request!)).toBe(true);
    expect(signedWith(endpoint.secret, request!)).toBe(false);
  });

  it(`disables an endpoint after ${FAILURES_TO_DISABLE} failed attempts in a row and e-mails the admins`, async () => {
    const { email } = await admin('Steward');

    const target = await receiver(() => 503);
    const endpoint = await register(target.url);
    await ping(endpoint.id);
    const mail = await smtp.nextMessage(email);
    expect(mail.subject).toBe(`[${SITE_NAME}] Webhook endpoint disabled: ${target.url}`);
    expect(mail.text).toContain(`Disabled after ${FAILURES_TO_DISABLE} failed attempts in a row`);
    const shown = (await api.owner({ method: 'GET', url: `/v1/webhooks/${endpoint.id}` })).json();
    expect(shown).toMatchObject({ enabled: false, disabled_reason: expect.stringMatching(/answered 503$/) });
    expect(target.received.length).toBe(FAILURES_TO_DISABLE);

    // Disabled: events no longer reach it, and a ping is refused until it is enabled again.
    expect((await api.owner({ method: 'POST', url: `/v1/webhooks/${endpoint.id}/test` })).statusCode).toBe(
      409,
    );
    const enabled = await api.owner({
      method: 'PATCH',
      url: `/v1/webhooks/${endpoint.id}`,
      payload: { enabled: true },
    });
    expect(enabled.json()).toMatchObject({ enabled: true, disabled_reason: null });
  });

  it('sends a delivery again after the worker sending it stops mid-flight (at least once)', async () => {
    const target = await receiver((_request, n) => (n === 1 ? 'hang' : 200));
    const endpoint = await register(target.url);
    const id = await ping(endpoint.id);
    await eventually(
      'the first attempt, unanswered',
      async () => target.hanging.length,
      (n) => n === 1,
    );
    // The instance holding it goes away without recording anything; another takes over.
    await api.context.webhookWorker.stop();
    const other = await api.secondInstance();
    try {
      await eventually(
        'the delivery sent again',
        async () => target.received.filter((r) => r.body.id === id).length,
        (n) => n === 2,
      );
      const log = await eventually(
        'the attempt recorded',
        () => deliveryLog(endpoint.id),
        (entries) => entries.some((e) => e.outcome === 'sent'),
      );
      expect(log.map((e) => [e.delivery_id, e.outcome])).toEqual([[id, 'sent']]);
    } finally {
      await other.close();
      api.context.webhookWorker.start();
    }
  });
});

describe('webhook memory bounds', () => {
  beforeAll(() => setting(true));

  it(`keeps the last ${WEBHOOK_LOG_KEPT} attempts of an endpoint`, async () => {
    const target = await receiver();
    const endpoint = await register(target.url);
    const ids: string[] = [];
    for (let i = 0; i < WEBHOOK_LOG_KEPT + 5; i++) ids.push(await ping(endpoint.id));
    await eventually(
      'every ping',
      async () => target.received.length,
      (n) => n === ids.length,
    );
    const logKey = keys.webhookLog(api.site.id, endpoint.id);
    await eventually(
      'the last attempt logged',
      () => api.redis.lindex(logKey, 0),
      (newest) => newest?.includes(ids.at(-1)!) ?? false,
    );
    expect(await api.redis.llen(logKey)).toBe(WEBHOOK_LOG_KEPT);
    const log = await deliveryLog(endpoint.id);
    expect(log.map((e) => e.delivery_id)).toEqual(ids.slice(-50).reverse());
  });

  it(`drops, and logs, a delivery beyond ${WEBHOOK_QUEUE_CAP} waiting for one page`, async () => {
    const target = await receiver();
    const endpoint = await register(target.url);
    // No worker sends meanwhile: the site's own queue (pings) fills up.
    await api.context.webhookWorker.stop();
    try {
      for (let i = 0; i < WEBHOOK_QUEUE_CAP; i++) await ping(endpoint.id);
      const over = await ping(endpoint.id);
      const [entry] = await deliveryLog(endpoint.id);
      expect(entry).toMatchObject({ delivery_id: over, outcome: 'dropped', error: 'queue full' });
      expect(await api.redis.llen(keys.webhookQueue(api.site.id, endpoint.id, '_'))).toBe(WEBHOOK_QUEUE_CAP);
      expect(target.received).toEqual([]);
    } finally {
      api.context.webhookWorker.start();
    }
  });
});

describe('webhook endpoints', () => {
  it('checks URLs and events, and holds at most ten per site', async () => {
    const bad = [
      { url: 'ftp://example.com/x', events: ['comment.created'] },
      { url: 'https://user:pw@example.com/x', events: ['comment.created'] },
      { url: 'https://example.com/x', events: ['comment.voted'] },
      { url: 'https://example.com/x', events: [] },
    ];
    for (const payload of bad)
      expect((await api.owner({ method: 'POST', url: '/v1/webhooks', payload })).statusCode).toBe(400);
    for (let i = 0; i < 10; i++) await register(`https://example.com/hook-${i}`);
    const over = await api.owner({
      method: 'POST',
      url: '/v1/webhooks',
      payload: { url: 'https://example.com/hook-11', events: ['comment.created'] },
    });
    expect(over.statusCode, over.body).toBe(409);
  });

  it('is the owner’s alone: an admin’s token is refused', async () => {
    const { token } = await admin('Keeper');
    const response = await api.call({ method: 'GET', url: '/v1/webhooks', token });
    expect(response.statusCode).toBe(403);
  });
});
