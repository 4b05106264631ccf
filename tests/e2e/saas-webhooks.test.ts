import { createServer } from 'node:http';
import { verifySignature } from '@threadkit/core';
import {
  freePort,
  listenLocal,
  type SaasStack,
  scanAccessibility,
  stackTest,
  startSaasStack,
} from '@threadkit/testing';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect } from 'vitest';

/**
 * A site's webhooks from the SaaS dashboard, end to end in Chromium: the owner
 * adds an endpoint (its secret shown once), sends it a test delivery that a
 * real receiver checks by its signature, rotates the secret, and reads the
 * delivery log; an endpoint that keeps failing is disabled by the comment
 * server, which reports it to the dashboard, and the owner and the co-owner
 * get the e-mail; enabled again, then removed after a confirmation. Another
 * owner's account never sees the page.
 */

const it = stackTest(() => stack, 120_000);
const poll = <T>(read: () => T | Promise<T>) => expect.poll(read, { timeout: 15_000 });

const OWNER = { name: 'Olivia', email: 'olivia@example.com', password: 'correct horse battery staple' };
const CO = { name: 'Carl', email: 'carl@example.com', password: 'another horse battery staple' };

let stack: SaasStack;
let owner: Page;
let coOwner: Page;
let siteId = '';
let receiver: { url: string; stop(): Promise<void> };
/** What the receiver got: each delivery's body and signature header. */
const received: { body: string; signature: string }[] = [];

beforeAll(async () => {
  // The receiver is on loopback: the operator allows it, and the site opts in (webhooks_allow_private).
  stack = await startSaasStack({ serverEnv: { OUTBOUND_ALLOW_PRIVATE: '127.0.0.1' } });
  receiver = await listenLocal(
    createServer(async (request, response) => {
      let body = '';
      for await (const chunk of request) body += chunk;
      received.push({ body, signature: String(request.headers['threadkit-signature'] ?? '') });
      response.writeHead(200).end('ok');
    }),
  );
  owner = await stack.browser.newPage();
  coOwner = await (await stack.browser.newContext()).newPage();
});
afterAll(async () => {
  await receiver?.stop();
  await stack?.close();
});

const field = (page: Page, label: string) => page.getByLabel(label, { exact: true });
const noSeriousViolations = async (page: Page) =>
  expect((await scanAccessibility(page, 'body')).violations).toEqual([]);
const webhooksUrl = () => `${stack.dashboard.url}/sites/${siteId}/webhooks`;
/** The endpoint's part of the page, found by its URL. */
const endpoint = (page: Page, url: string) => page.getByRole('article', { name: url });

/** The next delivery of this type the receiver gets, once it has. */
async function nextDelivery(type: string, after: number) {
  await poll(() => received.slice(after).some((d) => JSON.parse(d.body).type === type)).toBe(true);
  return received.slice(after).find((d) => JSON.parse(d.body).type === type)!;
}

it('lets a site’s owner and an invited co-owner in, and nobody else', async () => {
  siteId = await stack.ownerWithSite(owner, { ...OWNER, site: 'Field notes' });
  await field(owner, 'webhooks allow private').check();
  await owner.getByRole('button', { name: 'Save settings' }).click();
  await poll(() => owner.getByRole('status').filter({ hasText: 'Saved.' }).count()).toBe(1);
  await field(owner, 'Invite a co-owner by e-mail').fill(CO.email);
  await owner.getByRole('button', { name: 'Invite' }).click();
  await poll(() => owner.getByRole('status').filter({ hasText: 'An invitation is on its way' }).count()).toBe(
    1,
  );

  await coOwner.goto(`${stack.dashboard.url}/signup`);
  await field(coOwner, 'Your name').fill(CO.name);
  await field(coOwner, 'E-mail').fill(CO.email);
  await field(coOwner, 'Password').fill(CO.password);
  await coOwner.getByRole('button', { name: 'Create account' }).click();
  await coOwner.waitForURL(`${stack.dashboard.url}/sites`);
  // Not yet an owner: the page answers as for a site that does not exist.
  expect((await coOwner.goto(webhooksUrl()))?.status()).toBe(404);

  // The invitation came first, then the address confirmation.
  const invitation = /https?:\/\/\S+\/invitations\?token=[\w-]+/.exec(
    (await stack.smtp.nextMessage(CO.email)).text,
  )?.[0];
  const verify = /https?:\/\/\S+\/verify\?token=[\w-]+/.exec(
    (await stack.smtp.nextMessage(CO.email)).text,
  )?.[0];
  await coOwner.goto(verify!);
  await coOwner.getByRole('heading', { name: 'Address confirmed' }).waitFor();
  await coOwner.goto(invitation!);
  await coOwner.getByRole('button', { name: 'Accept the invitation' }).click();
  await coOwner.waitForURL(`${stack.dashboard.url}/sites/${siteId}`);
  expect((await coOwner.goto(webhooksUrl()))?.status()).toBe(200);
});

let secret = '';

it('adds an endpoint, each problem beside its field, and shows its signing secret once', async () => {
  await owner.goto(`${stack.dashboard.url}/sites/${siteId}`);
  await owner.getByRole('link', { name: 'Webhooks' }).click();
  await owner.waitForURL(webhooksUrl());
  await poll(() => owner.getByText('No endpoint yet.').count()).toBe(1);
  await noSeriousViolations(owner);

  await field(owner, 'URL').fill(`${receiver.url}/hooks`);
  await owner.getByRole('button', { name: 'Add the endpoint' }).click();
  await poll(() => owner.getByText('Tick at least one event.').count()).toBe(1);
  // What was typed stays.
  expect(await field(owner, 'URL').inputValue()).toBe(`${receiver.url}/hooks`);
  await field(owner, 'URL').fill('ftp://example.com/hooks');
  await owner.getByRole('checkbox', { name: /comment\.created:/ }).check();
  await owner.getByRole('checkbox', { name: /comment\.reported:/ }).check();
  await owner.getByRole('button', { name: 'Add the endpoint' }).click();
  await poll(() => field(owner, 'URL').getAttribute('aria-invalid')).toBe('true');

  await field(owner, 'URL').fill(`${receiver.url}/hooks`);
  await owner.getByRole('button', { name: 'Add the endpoint' }).click();
  await poll(() => owner.locator('.secret pre').textContent()).toMatch(/^whsec_/);
  secret = (await owner.locator('.secret pre').textContent()) ?? '';
  await noSeriousViolations(owner);

  await owner.reload();
  const added = endpoint(owner, `${receiver.url}/hooks`);
  await poll(() => added.textContent()).toContain('Events: comment.created, comment.reported');
  expect(await added.textContent()).toContain('Enabled');
  expect(await added.textContent()).toContain('Last delivery: none yet.');
  // Shown once: the page never holds it again.
  expect(await owner.content()).not.toContain(secret);
});

it('sends a test delivery the receiver verifies, logs it, and signs with a rotated secret at once', async () => {
  const url = `${receiver.url}/hooks`;
  const before = received.length;
  await endpoint(owner, url).getByRole('button', { name: 'Send a test delivery' }).click();
  await poll(() => endpoint(owner, url).getByRole('status').textContent()).toContain('A ping is on its way');
  const ping = await nextDelivery('ping', before);
  expect(verifySignature(secret, ping.signature, ping.body, Math.floor(Date.now() / 1000))).toBe(true);

  await poll(async () => {
    await owner.reload();
    return endpoint(owner, url).textContent();
  }).toContain('Last delivery: sent (HTTP 200), ping');
  const log = endpoint(owner, url);
  await log.getByText(/^Delivery log/).click();
  const row = log.locator('tbody tr').first();
  expect(await row.locator('td').allTextContents()).toEqual([
    expect.stringMatching(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/),
    'ping',
    'sent',
    '200',
    expect.stringMatching(/^\d+ ms$/),
    '',
  ]);
  await noSeriousViolations(owner);

  await log.getByRole('button', { name: 'Rotate the secret' }).click();
  await poll(() => log.getByText('Tick the box: the receiver needs the new secret at once.').count()).toBe(1);
  await log.getByLabel('Deliveries are signed with the new secret from now on.').check();
  await log.getByRole('button', { name: 'Rotate the secret' }).click();
  await poll(() => log.locator('.secret pre').textContent()).toMatch(/^whsec_/);
  const rotated = (await log.locator('.secret pre').textContent()) ?? '';
  expect(rotated).not.toBe(secret);

  const next = received.length;
  await log.getByRole('button', { name: 'Send a test delivery' }).click();
  const second = await nextDelivery('ping', next);
  const now = Math.floor(Date.now() / 1000);
  expect(verifySignature(rotated, second.signature, second.body, now)).toBe(true);
  expect(verifySignature(secret, second.signature, second.body, now)).toBe(false);
});

it('e-mails the owner and the co-owner when the comment server disables a failing endpoint', async () => {
  // Nothing listens there: every attempt fails.
  const down = `http://127.0.0.1:${await freePort()}/down`;
  await owner.goto(webhooksUrl());
  await field(owner, 'URL').fill(down);
  await owner.getByRole('checkbox', { name: /comment\.created:/ }).check();
  await owner.getByRole('button', { name: 'Add the endpoint' }).click();
  await poll(() => owner.locator('.secret pre').count()).toBe(1);

  // 20 failures in a row disable it: one comment on each of 20 pages, whose queues do not wait for each other.
  const api = (path: string, body: unknown, token?: string) =>
    fetch(`${stack.server.url}/v1${path}`, {
      method: 'POST',
      headers: {
        projectid: stack.publicKey,
        origin: stack.site.url,
        'content-type': 'application/json',
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      body: JSON.stringify(body),
    }).then(async (r) => ({ status: r.status, body: await r.json() }));
  const guest = await api('/auth/guest', { name: 'Gus' });
  expect(guest.status).toBe(201);
  for (let i = 0; i < 20; i++) {
    const posted = await api('/comments', { page_key: `page-${i}`, content: `Note ${i}` }, guest.body.token);
    expect(posted.status, JSON.stringify(posted.body)).toBe(201);
  }

  for (const who of [OWNER, CO]) {
    const message = await stack.smtp.nextMessage(who.email, { timeoutMs: 30_000 });
    expect(message.subject).toBe(`[Field notes] Webhook endpoint disabled: ${down}`);
    expect(message.text).toContain('Disabled after 20 failed attempts in a row');
    expect(message.text).toContain(webhooksUrl());
  }

  // The co-owner follows the link, reads why, and enables it again.
  await coOwner.goto(webhooksUrl());
  const disabled = endpoint(coOwner, down);
  expect(await disabled.textContent()).toContain('Disabled: Disabled after 20 failed attempts in a row');
  await disabled.getByText(/^Delivery log/).click();
  expect(await disabled.locator('tbody tr').first().textContent()).toContain('failed');
  await disabled.getByRole('button', { name: 'Enable again' }).click();
  await poll(() => disabled.getByRole('status').textContent()).toBe('Enabled: new events are sent again.');
  await poll(() => disabled.locator('strong').first().textContent()).toBe('Enabled');
});

it('removes an endpoint only once the box is ticked', async () => {
  const url = `${receiver.url}/hooks`;
  await owner.goto(webhooksUrl());
  const doomed = endpoint(owner, url);
  await doomed.getByRole('button', { name: 'Remove' }).click();
  await poll(() => doomed.getByText('Tick the box: the endpoint and its log go for good.').count()).toBe(1);
  await doomed.getByLabel('Remove this endpoint and its delivery log.').check();
  await doomed.getByRole('button', { name: 'Remove' }).click();
  await poll(() => endpoint(owner, url).count()).toBe(0);
  await owner.reload();
  await poll(() => owner.getByRole('heading', { name: 'Endpoints (1)' }).count()).toBe(1);
});
