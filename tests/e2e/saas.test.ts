import {
  type DashboardHandle,
  type SaasStack,
  scanAccessibility,
  stackTest,
  startSaasStack,
} from '@threadkit/testing';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect } from 'vitest';

/**
 * ThreadKit as a SaaS, end to end in Chromium: an owner signs up on the
 * dashboard, creates a site and embeds it on a page of its origin; a guest
 * comments there; the owner rejects the comment from the dashboard's
 * moderation console and it leaves the open page live; new keys lock the
 * old one out within 5 s; deleting the site takes its comments out of Redis,
 * and closing the account signs the owner out for good.
 * The comment server runs in MODE=saas and learns every key from the dashboard.
 */

const it = stackTest(() => stack, 90_000);
/** The widget and the dashboard answer after a few round trips; a loaded machine may take seconds. */
const poll = <T>(read: () => T | Promise<T>) => expect.poll(read, { timeout: 15_000 });

const EMAIL = 'olivia@example.com';
const PASSWORD = 'correct horse battery staple';

let stack: SaasStack;
let dashboard: DashboardHandle;
let owner: Page;
let siteId = '';

beforeAll(async () => {
  stack = await startSaasStack();
  dashboard = stack.dashboard;
  owner = await stack.browser.newPage();
});
afterAll(async () => {
  await stack?.close();
});

const field = (label: string) => owner.getByLabel(label, { exact: true });
const noSeriousViolations = async (page: Page) =>
  expect((await scanAccessibility(page, 'body')).violations).toEqual([]);
/** A thread read with a public key, as the customer's page makes it: its HTTP status. */
const readStatus = (key: string) =>
  fetch(`${stack.server.url}/v1/comments?page_key=article`, {
    headers: { projectid: key, origin: stack.site.url },
  }).then((r) => r.status);

it('signs an owner up and creates a site on the page origin, moderated after publishing', async () => {
  siteId = await stack.ownerWithSite(owner, {
    name: 'Olivia',
    email: EMAIL,
    password: PASSWORD,
    site: 'Field notes',
  });
  expect(stack.publicKey).toMatch(/^tk_pub_/);

  await field('moderation').selectOption('post');
  // The reader here posts as soon as it has typed: the guest bot trap's timer is off.
  await field('min submit seconds').fill('0');
  await owner.getByRole('button', { name: 'Save settings' }).click();
  await poll(() => owner.getByRole('status').filter({ hasText: 'Saved.' }).count()).toBe(1);
});

let reader: Page;

it('lets a guest comment on the embedded page', async () => {
  reader = await (await stack.browser.newContext()).newPage();
  await reader.goto(`${stack.site.url}/article`);
  await poll(() => reader.locator('#threadkit .tk-count').textContent()).toBe('0 comments');
  await reader.locator('#threadkit textarea').fill('A first thought on field notes');
  await reader.locator('#threadkit input[aria-label="Your name"]').fill('Gus');
  await reader.locator('#threadkit button[type="submit"]').click();
  await poll(() => reader.locator('#threadkit .tk-body').first().textContent()).toBe(
    'A first thought on field notes',
  );
});

it('shows the comment in the console, whose rejection takes it off the open page live', async () => {
  await owner.goto(`${dashboard.url}/sites/${siteId}`);
  await owner.getByRole('link', { name: 'Moderate comments' }).click();
  await owner.waitForURL(`${dashboard.url}/sites/${siteId}/moderation`);
  await poll(() => owner.getByRole('heading', { name: 'Waiting for a decision (1)' }).count()).toBe(1);
  await noSeriousViolations(owner);
  const entry = owner.locator('ul.comments > li').filter({ hasText: 'A first thought on field notes' });
  await entry.getByRole('checkbox').check();
  await owner.getByRole('button', { name: 'Reject', exact: true }).click();
  await poll(() => owner.getByRole('status').textContent()).toBe('Rejected 1 comment.');
  await poll(() => owner.getByRole('heading', { name: 'Waiting for a decision (0)' }).count()).toBe(1);

  // The reader's page, open all along, drops it without a reload.
  await poll(() => reader.locator('#threadkit .tk-body').count()).toBe(0);
  await reader.reload();
  await poll(() => reader.locator('#threadkit .tk-count').textContent()).toBe('0 comments');
});

it('bans the author from the console, lists the ban, lifts it, and names the owner in the audit log', async () => {
  await reader.locator('#threadkit textarea').fill('Second try');
  await reader.locator('#threadkit button[type="submit"]').click();
  await poll(() => reader.locator('#threadkit .tk-body').first().textContent()).toBe('Second try');

  await owner.goto(`${dashboard.url}/sites/${siteId}/moderation`);
  const entry = owner.locator('ul.comments > li').filter({ hasText: 'Second try' });
  await poll(() => entry.count()).toBe(1);
  await entry.getByRole('checkbox').check();
  await owner.getByRole('button', { name: 'Ban the authors', exact: true }).click();
  await poll(() => owner.getByRole('status').textContent()).toBe('Banned 1 commenter.');

  await owner.getByRole('link', { name: 'People' }).click();
  await owner.waitForURL(`${dashboard.url}/sites/${siteId}/moderation/people`);
  const banned = owner
    .locator('section')
    .filter({ has: owner.getByRole('heading', { name: 'Banned', exact: true }) });
  await poll(() => banned.locator('tbody tr').filter({ hasText: 'Gus' }).count()).toBe(1);
  await noSeriousViolations(owner);
  await banned.getByRole('button', { name: 'Lift the ban' }).click();
  await poll(() => banned.getByRole('status').textContent()).toBe('Ban lifted.');
  await owner.reload();
  await poll(() => banned.getByText('Nobody.').count()).toBe(1);

  await owner.getByRole('link', { name: 'Audit log' }).click();
  await owner.waitForURL(`${dashboard.url}/sites/${siteId}/moderation/audit`);
  const rows = owner.locator('tbody tr');
  await poll(() => rows.count()).toBe(3);
  expect(await rows.nth(0).textContent()).toContain('unban');
  expect(await rows.nth(1).textContent()).toContain('ban');
  expect(await rows.nth(2).textContent()).toContain('reject');
  for (const row of await rows.all()) expect(await row.textContent()).toContain(`Olivia (${EMAIL})`);
  await noSeriousViolations(owner);
});

it('locks and unlocks the article from the console', async () => {
  await owner.goto(`${dashboard.url}/sites/${siteId}/moderation/locks`);
  // The article's embed code gives its page key, which decides the page's identity.
  await field('Page').fill('article');
  const pageForm = owner.locator('form').filter({ has: field('Page') });
  await pageForm.getByRole('button', { name: 'Lock', exact: true }).click();
  await poll(() => pageForm.getByRole('status').textContent()).toBe('The page is read-only now.');
  // The reader is Gus, whose session the ban ended: the widget reads on as an anonymous reader's.
  await reader.reload();
  await poll(() => reader.locator('#threadkit .tk-status').textContent()).toBe('Comments are closed.');
  await pageForm.getByRole('button', { name: 'Unlock' }).click();
  await poll(() => pageForm.getByRole('status').textContent()).toBe('The page takes comments again.');
});

it('makes new keys: the old public key is refused within 5 s, the new one works', async () => {
  const oldKey = stack.publicKey;
  expect(await readStatus(oldKey)).toBe(200);
  await owner.goto(`${dashboard.url}/sites/${siteId}`);
  await owner.getByLabel('I understand that the old keys stop working.').check();
  await owner.getByRole('button', { name: 'Make new keys' }).click();
  await poll(() => owner.locator('.secret pre').textContent()).toMatch(/^tk_sec_/);
  await owner.reload();
  const snippet = await owner
    .getByRole('figure', { name: /^HTML embed code/ })
    .locator('pre')
    .textContent();
  stack.publicKey = /data-project-id="(tk_pub_[\w-]+)"/.exec(snippet ?? '')?.[1] ?? '';
  expect(stack.publicKey).not.toBe(oldKey);

  // The comment servers keep a key's answer at most 5 s (docs/architecture.md); a second more for this machine's scheduling.
  await expect.poll(() => readStatus(oldKey), { timeout: 6_000, interval: 100 }).toBe(401);
  expect(await readStatus(stack.publicKey)).toBe(200);
});

/** The keys of the site in Redis (all of a site's keys share its hash tag). */
async function siteKeys(): Promise<number> {
  let count = 0;
  let cursor = '0';
  do {
    const [next, found] = await stack.connection.redis.scan(
      cursor,
      'MATCH',
      `tk:{${siteId}}*`,
      'COUNT',
      1000,
    );
    cursor = next;
    count += found.length;
  } while (cursor !== '0');
  return count;
}

it('deletes the site: its key is refused, and its comments, commenters and counts leave Redis', async () => {
  expect(await siteKeys()).toBeGreaterThan(0);
  await owner.goto(`${dashboard.url}/sites/${siteId}`);
  await field('Type “Field notes” to delete the site').fill('Field notes');
  await owner.getByRole('button', { name: 'Delete the site' }).click();
  await owner.waitForURL(`${dashboard.url}/sites`);
  await poll(() => owner.getByText('No site yet.', { exact: false }).count()).toBe(1);
  await expect.poll(() => readStatus(stack.publicKey), { timeout: 6_000, interval: 100 }).toBe(401);
  await poll(siteKeys).toBe(0);
});

it('closes the account: signed out, and its address signs in no more', async () => {
  await owner.goto(`${dashboard.url}/account`);
  const closing = owner
    .locator('section')
    .filter({ has: owner.getByRole('heading', { name: 'Close the account' }) });
  await closing.getByLabel('Your password').fill(PASSWORD);
  await closing.getByLabel('Type “delete my account”').fill('delete my account');
  await noSeriousViolations(owner);
  await closing.getByRole('button', { name: 'Close my account' }).click();
  await owner.waitForURL(`${dashboard.url}/signin?closed=1`);
  await field('E-mail').fill(EMAIL);
  await field('Password').fill(PASSWORD);
  await owner.getByRole('button', { name: 'Sign in' }).click();
  await poll(() => owner.locator('form [role=alert]').textContent()).toBe('Wrong e-mail or password.');
});
