import { PLANS } from '@threadkit/core';
import {
  freePort,
  type SaasStack,
  type StripeDouble,
  scanAccessibility,
  stackTest,
  startSaasStack,
  startStripeDouble,
} from '@threadkit/testing';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect } from 'vitest';

/**
 * A Free site at its month's comment limit, end to end in Chromium: the
 * widget says so in the reader's language; the owner upgrades through
 * Stripe's Checkout (a local Stripe that signs its webhooks as Stripe does);
 * the webhook reaches the dashboard, and within 5 s the comment servers take
 * comments again, with nothing restarted.
 */

const it = stackTest(() => stack);
const poll = <T>(read: () => T | Promise<T>) => expect.poll(read, { timeout: 15_000 });

const FREE_COMMENTS = PLANS.free.limits.commentsPerMonth;
const LIMIT_EN = 'This site has reached its comment limit for the month.';
const LIMIT_FR = 'Ce site a atteint sa limite de commentaires pour le mois.';

let stripe: StripeDouble;
let stack: SaasStack;
let owner: Page;
let siteId = '';

beforeAll(async () => {
  const port = await freePort();
  stripe = await startStripeDouble({
    prices: {
      price_pro_month: { interval: 'month', unitAmount: 900 },
      price_pro_year: { interval: 'year', unitAmount: 9000 },
      price_business_month: { interval: 'month', unitAmount: 4900 },
      price_business_year: { interval: 'year', unitAmount: 49000 },
    },
    webhookUrl: `http://127.0.0.1:${port}/api/stripe/webhook`,
  });
  stack = await startSaasStack({
    dashboardPort: port,
    dashboardEnv: {
      ...stripe.env,
      STRIPE_PRICE_PRO_MONTHLY: 'price_pro_month',
      STRIPE_PRICE_PRO_YEARLY: 'price_pro_year',
      STRIPE_PRICE_BUSINESS_MONTHLY: 'price_business_month',
      STRIPE_PRICE_BUSINESS_YEARLY: 'price_business_year',
    },
  });
  owner = await stack.browser.newPage();
});
afterAll(async () => {
  await stack?.close();
  await stripe?.close();
});

/** The API as the customer's page calls it. */
const api = (path: string, init: { method?: string; token?: string; body?: unknown } = {}) =>
  fetch(`${stack.server.url}${path}`, {
    method: init.method ?? 'GET',
    headers: {
      projectid: stack.publicKey,
      origin: stack.site.url,
      ...(init.body ? { 'content-type': 'application/json' } : {}),
      ...(init.token ? { authorization: `Bearer ${init.token}` } : {}),
    },
    ...(init.body ? { body: JSON.stringify(init.body) } : {}),
  });

const guestToken = async (name: string) =>
  (await (await api('/v1/auth/guest', { method: 'POST', body: { name } })).json()).token as string;
const post = (token: string, content: string) =>
  api('/v1/comments', { method: 'POST', token, body: { page_key: 'busy', content } });

/** A reader's page in a browser speaking `locale`, posting as a guest; the widget's answer. */
async function readerPosts(locale: string, text: string): Promise<Page> {
  const reader = await (await stack.browser.newContext({ locale })).newPage();
  await reader.goto(`${stack.site.url}/busy`);
  await poll(() => reader.locator('#threadkit textarea').count()).toBe(1);
  await reader.locator('#threadkit textarea').fill(text);
  await reader.locator('#threadkit input[aria-label]').first().fill('Reader');
  await reader.locator('#threadkit button[type="submit"]').click();
  return reader;
}

it('a Free site at its limit: the widget says so in the reader’s language', async () => {
  siteId = await stack.ownerWithSite(owner, {
    name: 'Priya',
    email: 'priya@example.com',
    password: 'correct horse battery staple',
    site: 'Busy blog',
  });
  // The readers here post as soon as they have typed: the guest bot trap's timer is off.
  await owner.getByLabel('min submit seconds', { exact: true }).fill('0');
  await owner.getByRole('button', { name: 'Save settings' }).click();
  await poll(() => owner.getByRole('status').filter({ hasText: 'Saved.' }).count()).toBe(1);
  const tokens = await Promise.all(Array.from({ length: 10 }, (_, i) => guestToken(`Guest ${i}`)));
  for (let i = 0; i < FREE_COMMENTS; i += tokens.length) {
    const answers = await Promise.all(tokens.map((token, t) => post(token, `Comment ${i + t}`)));
    expect(answers.map((answer) => answer.status)).toEqual(tokens.map(() => 201));
  }
  expect((await post(tokens[0]!, 'One too many')).status).toBe(402);

  const english = await readerPosts('en-US', 'Is anyone here?');
  // A Free site's thread says what runs it, linking to the service.
  const badge = english.locator('#threadkit a', { hasText: 'Powered by ThreadKit' });
  await poll(() => badge.getAttribute('href')).toBe(stack.dashboard.url);
  await poll(() => english.locator('#threadkit .tk-form [role=alert]').textContent()).toBe(LIMIT_EN);
  await english.context().close();
  const french = await readerPosts('fr-FR', 'Quelqu’un ?');
  await poll(() => french.locator('#threadkit .tk-form [role=alert]').textContent()).toBe(LIMIT_FR);
  await french.context().close();
});

it('the owner upgrades through Checkout, and posting works again within 5 s', async () => {
  await owner.goto(`${stack.dashboard.url}/billing`);
  await poll(() => owner.getByRole('heading', { name: 'Your plan: Free' }).count()).toBe(1);
  // The month's comments are all used: the site is flagged against its plan.
  await poll(() => owner.getByText('(over the limit)').count()).toBe(1);
  expect((await scanAccessibility(owner, 'body')).violations).toEqual([]);
  await owner.getByRole('button', { name: 'Pro, $9 a month' }).click();
  await owner.waitForURL(/\/pay\//);
  await owner.getByRole('button', { name: 'Pay' }).click();
  await owner.waitForURL(`${stack.dashboard.url}/billing?checkout=done`);
  await poll(() => owner.getByRole('heading', { name: 'Your plan: Pro' }).count()).toBe(1);
  expect(stripe.events.map((d) => [d.event.type, d.status])).toEqual([
    ['checkout.session.completed', 200],
    ['customer.subscription.created', 200],
    ['invoice.paid', 200],
  ]);

  // The comment servers keep a key's answer at most 5 s; a second more for this machine's scheduling.
  const token = await guestToken('After');
  await expect
    .poll(async () => (await post(token, 'Back in business')).status, { timeout: 6_000, interval: 200 })
    .toBe(201);
  const reader = await readerPosts('en-US', 'And me too');
  await poll(() => reader.locator('#threadkit .tk-body').filter({ hasText: 'And me too' }).count()).toBe(1);
  // Pro shows no link.
  expect(await reader.locator('#threadkit a', { hasText: 'Powered by ThreadKit' }).count()).toBe(0);
});

it('shows the day’s figures in the site’s charts and their CSV once copied', async () => {
  await owner.goto(`${stack.dashboard.url}/sites/${siteId}/analytics?days=7`);
  await owner.getByRole('button', { name: 'Refresh now' }).click();
  await poll(() => owner.getByRole('status').textContent()).toBe('Figures are up to date.');
  await owner.reload();
  const comments = owner.locator('figure').filter({ hasText: 'Comments:' });
  // The Free month's comments, then one by the API and one in the widget after the upgrade.
  const today = FREE_COMMENTS + 2;
  await poll(() => comments.locator('figcaption').textContent()).toMatch(
    new RegExp(`^Comments: ${today.toLocaleString('en-US')} in 7 days`),
  );
  expect(await comments.locator('tbody tr').last().locator('td').last().textContent()).toBe(
    today.toLocaleString('en-US'),
  );
  expect((await scanAccessibility(owner, 'body')).violations).toEqual([]);
  const csv = await owner.request.get(
    `${stack.dashboard.url}/sites/${siteId}/analytics/csv?metric=comments&days=7`,
  );
  expect(csv.headers()['content-type']).toBe('text/csv; charset=utf-8');
  const lines = (await csv.text()).trim().split('\n');
  expect(lines[0]).toBe('day,comments');
  expect(lines).toHaveLength(8);
  expect(lines.at(-1)).toBe(`${new Date().toISOString().slice(0, 10)},${today}`);
  const top = owner.locator('table').filter({ has: owner.locator('caption', { hasText: 'By comments' }) });
  expect(await top.locator('tbody tr').first().locator('td').last().textContent()).toBe(
    today.toLocaleString('en-US'),
  );
});
