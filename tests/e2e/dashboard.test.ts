import {
  type DashboardHandle,
  freePort,
  type GitHubDouble,
  launchChromium,
  type SmtpTestServer,
  scanAccessibility,
  startDashboard,
  startGitHubDouble,
  startOidcProvider,
  startSmtpServer,
  type TestOidcProvider,
} from '@threadkit/testing';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, onTestFailed, it as test } from 'vitest';

// Each step hashes passwords (argon2id) and renders on the server: on a loaded machine that takes a while.
const it = (name: string, fn: () => Promise<void>) =>
  test(name, async () => {
    // What the dashboard said is the first thing to read when a step fails.
    onTestFailed(() => console.error(`dashboard output:\n${dashboard.output()}`));
    await fn();
  }, 90_000);

/** The SaaS dashboard in a browser, as an owner meets it: sign-up to keys. */

let smtp: SmtpTestServer;
let oidc: TestOidcProvider;
let github: GitHubDouble;
let dashboard: DashboardHandle;
let browser: Browser;
let page: Page;
const EMAIL = 'owner@example.com';
const PASSWORD = 'correct horse battery staple';

beforeAll(async () => {
  smtp = await startSmtpServer();
  // Google is played by a local OpenID provider, which must know the dashboard's callback first;
  // GitHub by a local stand-in for its OAuth and API.
  const port = await freePort();
  const appUrl = `http://127.0.0.1:${port}`;
  [oidc, github] = await Promise.all([
    startOidcProvider({ appUrl, google: true, callbackPath: (name) => `/auth/${name}/callback` }),
    startGitHubDouble(appUrl),
  ]);
  [dashboard, browser] = await Promise.all([
    startDashboard({ smtpUrl: smtp.url, port, env: { ...oidc.env, ...github.env } }),
    launchChromium(),
  ]);
  page = await browser.newPage();
});
afterAll(async () => {
  await browser?.close();
  await dashboard?.stop();
  await oidc?.stop();
  await github?.close();
  await smtp?.stop();
});

const field = (label: string) => page.getByLabel(label, { exact: true });
const noSeriousViolations = async () =>
  expect((await scanAccessibility(page, 'body')).violations).toEqual([]);

it('signs an owner up, showing each problem beside its field, and verifies the address from the e-mail', async () => {
  await page.goto(`${dashboard.url}/signup`);
  await noSeriousViolations();
  await field('Your name').fill('Olivia');
  await field('E-mail').fill(EMAIL);
  await field('Password').fill('password1');
  await page.getByRole('button', { name: 'Create account' }).click();
  await expect.poll(() => field('Password').getAttribute('aria-invalid')).toBe('true');
  await expect.poll(() => page.getByText('password is one of the most common passwords').count()).toBe(1);

  await field('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.waitForURL(`${dashboard.url}/sites`);
  await expect.poll(() => page.getByText('Confirm your address first').count()).toBe(1);

  const link = /https?:\/\/\S+\/verify\?token=[\w-]+/.exec((await smtp.nextMessage(EMAIL)).text)?.[0];
  expect(link?.startsWith(dashboard.url)).toBe(true);
  await page.goto(link!);
  await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Address confirmed');
});

it('adds a site, shows its secret key once and its embed code, and checks settings by field', async () => {
  await page.goto(`${dashboard.url}/sites`);
  await field('Name').fill("Olivia's blog");
  await field('Domain').fill('blog.example.com');
  await page.getByRole('button', { name: 'Add the site' }).click();
  const secret = page.locator('.secret pre');
  await expect.poll(() => secret.textContent()).toMatch(/^tk_sec_/);
  await noSeriousViolations();
  await page.getByRole('link', { name: "Embed Olivia's blog" }).click();
  await page.waitForURL(/\/sites\/[\w-]+$/);
  const snippet = () =>
    page
      .getByRole('figure', { name: /^HTML embed code/ })
      .locator('pre')
      .textContent();
  const firstKey = /data-project-id="(tk_pub_[\w-]+)"/.exec((await snippet()) ?? '')?.[1];
  expect(firstKey).toBeTruthy();
  // The embed code is copied whole with one button.
  await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: dashboard.url });
  await page.getByRole('button', { name: 'Copy the HTML' }).click();
  await expect.poll(() => page.evaluate(() => navigator.clipboard.readText())).toBe(await snippet());
  await expect.poll(() => page.getByRole('status').filter({ hasText: 'Copied.' }).count()).toBe(1);
  // The secret key was shown once: the site's page never holds it.
  expect(await page.content()).not.toContain('tk_sec_');
  await noSeriousViolations();

  // Each setting has the control of its kind; a value the server refuses is shown beside its field.
  await field('max links').fill('5000');
  await page.getByRole('button', { name: 'Save settings' }).click();
  await expect.poll(() => field('max links').getAttribute('aria-invalid')).toBe('true');
  await field('max links').fill('3');
  await field('moderation').selectOption('pre');
  await field('allow guests').uncheck();
  await page.getByRole('button', { name: 'Save settings' }).click();
  await expect.poll(() => page.getByRole('status').filter({ hasText: 'Saved.' }).count()).toBe(1);
  await page.reload();
  expect(await field('moderation').inputValue()).toBe('pre');
  expect(await field('max links').inputValue()).toBe('3');
  expect(await field('allow guests').isChecked()).toBe(false);
  await field('allow guests').check();
  await page.getByRole('button', { name: 'Save settings' }).click();
  await expect.poll(() => page.getByRole('status').filter({ hasText: 'Saved.' }).count()).toBe(1);
  await page.reload();
  expect(await field('allow guests').isChecked()).toBe(true);

  // A form whose CSRF token is not the session's is refused.
  const siteForm = page
    .locator('form')
    .filter({ has: page.getByRole('button', { name: 'Save', exact: true }) });
  await siteForm.locator('input[name="csrf"]').evaluate((input) => {
    (input as HTMLInputElement).value = 'forged';
  });
  await siteForm.getByRole('button').click();
  await expect
    .poll(() => siteForm.getByRole('alert').textContent())
    .toBe('This form has expired: reload the page.');

  // New keys only with the box ticked; then the snippet holds the new public key.
  await page.reload();
  await page.getByRole('button', { name: 'Make new keys' }).click();
  await expect.poll(() => page.getByText('Tick the box').count()).toBe(1);
  await page.getByLabel('I understand that the old keys stop working.').check();
  await page.getByRole('button', { name: 'Make new keys' }).click();
  await expect.poll(() => page.locator('.secret pre').textContent()).toMatch(/^tk_sec_/);
  await page.reload();
  const secondKey = /data-project-id="(tk_pub_[\w-]+)"/.exec((await snippet()) ?? '')?.[1];
  expect(secondKey).toMatch(/^tk_pub_/);
  expect(secondKey).not.toBe(firstKey);
});

it('signs out, refuses a wrong password, and signs in again', async () => {
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.waitForURL(`${dashboard.url}/signin`);
  await noSeriousViolations();
  await field('E-mail').fill(EMAIL);
  await field('Password').fill('not the password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect.poll(() => page.locator('form [role=alert]').textContent()).toBe('Wrong e-mail or password.');
  await field('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(`${dashboard.url}/sites`);
  await expect.poll(() => page.getByRole('link', { name: "Olivia's blog" }).count()).toBe(1);
});

it('signs owners in with Google: a new one verified, a known address linked, none without a verified address', async () => {
  const fresh = async () => (await browser.newContext()).newPage();
  const viaGoogle = async (tab: Page) => {
    await tab.goto(`${dashboard.url}/signin`);
    await tab.getByRole('link', { name: 'Continue with Google' }).click();
  };

  // A new owner, verified by Google: they may add sites at once, and have no password to give.
  const grace = oidc.person({ email: 'grace@example.com', email_verified: true, name: 'Grace' });
  oidc.next = { signInAs: grace.sub };
  const first = await fresh();
  await viaGoogle(first);
  await first.waitForURL(`${dashboard.url}/sites`);
  await expect.poll(() => first.getByRole('button', { name: 'Add the site' }).count()).toBe(1);
  await noSeriousViolations();
  await first.goto(`${dashboard.url}/account`);
  const closing = first
    .locator('section')
    .filter({ has: first.getByRole('heading', { name: 'Close the account' }) });
  expect(await closing.getByLabel('Your password').count()).toBe(0);
  await first.context().close();

  // Google vouching for the address of an owner with a password signs into that owner's account.
  const olivia = oidc.person({ email: EMAIL, email_verified: true });
  oidc.next = { signInAs: olivia.sub };
  const second = await fresh();
  await viaGoogle(second);
  await second.waitForURL(`${dashboard.url}/sites`);
  await expect.poll(() => second.getByRole('link', { name: "Olivia's blog" }).count()).toBe(1);
  await second.context().close();

  // No verified address: nothing ties the Google account to an owner.
  const unverified = oidc.person({ email: 'someone@example.com', email_verified: false });
  oidc.next = { signInAs: unverified.sub };
  const third = await fresh();
  await viaGoogle(third);
  await third.waitForURL(/\/signin\?problem=no_email$/);
  await expect
    .poll(() => third.locator('main [role=alert]').textContent())
    .toMatch(/no verified e-mail address/);

  await third.context().close();

  // Declining at Google comes back to the sign-in page, saying so.
  oidc.next = { deny: true };
  const fourth = await fresh();
  await viaGoogle(fourth);
  await fourth.waitForURL(/\/signin\?problem=declined$/);
  await expect
    .poll(() => fourth.locator('main [role=alert]').textContent())
    .toBe('The sign-in was cancelled at the provider.');
  await fourth.context().close();
});

it('signs owners in with GitHub by its primary verified address, and links a known one', async () => {
  const viaGitHub = async () => {
    const tab = await (await browser.newContext()).newPage();
    await tab.goto(`${dashboard.url}/signin`);
    await tab.getByRole('link', { name: 'Continue with GitHub' }).click();
    return tab;
  };

  // GitHub's primary verified address is the owner's, not another one it lists.
  github.signInAs = github.addUser({
    login: 'hopper',
    name: 'Grace Hopper',
    emails: [
      { email: 'old-hopper@example.com', primary: false, verified: true },
      { email: 'hopper@example.com', primary: true, verified: true },
    ],
  });
  const first = await viaGitHub();
  await first.waitForURL(`${dashboard.url}/sites`);
  await first.goto(`${dashboard.url}/account`);
  await expect.poll(() => first.locator('main strong').first().textContent()).toBe('hopper@example.com');
  expect(await first.getByLabel('Name', { exact: true }).inputValue()).toBe('Grace Hopper');
  await first.context().close();

  // GitHub vouching for the address of an owner with a password signs into that owner's account.
  github.signInAs = github.addUser({
    login: 'olivia',
    name: null,
    emails: [{ email: EMAIL, primary: true, verified: true }],
  });
  const second = await viaGitHub();
  await second.waitForURL(`${dashboard.url}/sites`);
  await expect.poll(() => second.getByRole('link', { name: "Olivia's blog" }).count()).toBe(1);
  await second.context().close();

  // Declining at GitHub comes back to the sign-in page, saying so.
  github.signInAs = null;
  const third = await viaGitHub();
  await third.waitForURL(/\/signin\?problem=declined$/);
  await third.context().close();
  expect(github.exchanges.every((e) => e.code_verifier_matched && e.client_authenticated)).toBe(true);
});
