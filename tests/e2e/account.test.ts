import { readFile } from 'node:fs/promises';
import { startWidgetStack, type WidgetStack } from '@threadkit/testing';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';

/**
 * Notifications and the profile in the widget, in headless Chromium against
 * the real servers: a reply rings the bell live and leads to the reply; the
 * commenter renames themselves, turns e-mails off, downloads their data, ends
 * another session and deletes their account.
 */

let stack: WidgetStack;
beforeAll(async () => {
  stack = await startWidgetStack();
});
afterAll(async () => {
  await stack?.stop();
});

const widget = (page: Page) => page.locator('#threadkit');
const dialog = (page: Page) => widget(page).locator('dialog[open]');
const bell = (page: Page) => widget(page).locator('button[aria-label^="Notifications"]');
/** The element focused inside the widget's shadow root: its id, or its text. */
const focused = (page: Page, what: 'id' | 'text' = 'text') =>
  page.evaluate((property) => {
    const active = document.querySelector('#threadkit')?.shadowRoot?.activeElement;
    return property === 'id' ? active?.id : active?.textContent?.trim();
  }, what);

/** A reader comments on `key` as a new guest through the widget: the page, their token and comment id. */
async function commentAsGuest(key: string, name: string, text: string) {
  const page = await stack.open(key);
  await widget(page).locator('textarea').fill(text);
  await widget(page).locator('input[aria-label="Your name"]').fill(name);
  await widget(page).locator('button[type="submit"]').click();
  const comment = widget(page).locator('.tk-comment', { hasText: text });
  await expect.poll(() => comment.count()).toBe(1);
  const commentId = (await comment.getAttribute('id'))!.replace('comment-', '');
  const stored = await page.evaluate(
    (storageKey) => localStorage.getItem(storageKey),
    `threadkit:${stack.api.site.publicKey}`,
  );
  return { page, token: JSON.parse(stored!).token as string, commentId };
}

/** Another reader answers `parentId` through the API. */
async function reply(token: string, key: string, parentId: string, content: string) {
  await stack.post(key, token, content, parentId);
}

async function account(token: string) {
  return stack.api.call({ method: 'GET', url: '/v1/users/me', token });
}

async function unreadOnServer(token: string): Promise<number> {
  const response = await stack.api.call({ method: 'GET', url: '/v1/notifications', token });
  expect(response.statusCode, response.body).toBe(200);
  return response.json().unread_count;
}

it('rings the bell live for a reply from another browser, and following it leads to the reply', async () => {
  const ada = await commentAsGuest('bell', 'Ada', 'Who else is reading this?');
  expect(await bell(ada.page).getAttribute('aria-label')).toBe('Notifications');

  // Bo, in a browser of their own, replies through the widget.
  const bo = await stack.open('bell');
  const parent = widget(bo).locator(`#comment-${ada.commentId}`);
  await parent.locator('.tk-actions button', { hasText: 'Reply' }).click();
  await parent.locator('textarea').fill('Me! Great read.');
  await parent.locator('input[aria-label="Your name"]').fill('Bo');
  await parent.locator('button[type="submit"]').click();
  const answer = widget(bo).locator('.tk-replies .tk-comment');
  await expect.poll(() => answer.count()).toBe(1);
  const replyId = (await answer.getAttribute('id'))!.replace('comment-', '');

  await expect.poll(() => bell(ada.page).getAttribute('aria-label')).toBe('Notifications, 1 unread');
  await bell(ada.page).click();
  const panel = dialog(ada.page);
  await expect.poll(() => panel.locator('[role="status"]').textContent()).toBe('1 unread notification');
  expect(await panel.locator('h2').textContent()).toBe('Notifications');
  const item = panel.locator('.tk-note a');
  expect(await item.locator('.tk-note-text').textContent()).toBe('Bo replied to your comment');
  expect(await item.locator('.tk-badge').textContent()).toBe('New');
  expect(await item.getAttribute('href')).toBe(`${stack.siteUrl}/bell#comment-${replyId}`);

  // Same page: the panel closes, the address gets the permalink and the reply has focus.
  await item.click();
  await expect.poll(() => dialog(ada.page).count()).toBe(0);
  await expect.poll(() => ada.page.evaluate(() => location.hash)).toBe(`#comment-${replyId}`);
  await expect.poll(() => focused(ada.page, 'id')).toBe(`comment-${replyId}`);
  await expect.poll(() => bell(ada.page).getAttribute('aria-label')).toBe('Notifications');
  expect(await unreadOnServer(ada.token)).toBe(0);

  // Opened again: read now, so nothing is left to mark.
  await bell(ada.page).click();
  await expect
    .poll(() => dialog(ada.page).locator('[role="status"]').textContent())
    .toBe('No unread notifications');
  expect(await dialog(ada.page).locator('.tk-note .tk-badge').count()).toBe(0);
  expect(await dialog(ada.page).locator('button', { hasText: 'Mark all as read' }).isDisabled()).toBe(true);
  await ada.page.keyboard.press('Escape');
  await expect.poll(() => dialog(ada.page).count()).toBe(0);
  await ada.page.context().close();
  await bo.context().close();
});

it('shows notifications arriving while open, pages to older ones and marks them all read', async () => {
  const cy = await commentAsGuest('many', 'Cy', 'Ask me anything');
  const dee = await stack.api.guest('Dee');
  await reply(dee.token, 'many', cy.commentId, 'Question 1');
  await expect.poll(() => bell(cy.page).getAttribute('aria-label')).toBe('Notifications, 1 unread');
  await bell(cy.page).click();
  const panel = dialog(cy.page);
  await expect.poll(() => panel.locator('.tk-note').count()).toBe(1);

  for (let n = 2; n <= 25; n++) await reply(dee.token, 'many', cy.commentId, `Question ${n}`);
  // A page of the newest, the count from the server, and a way to older ones.
  await expect.poll(() => panel.locator('[role="status"]').textContent()).toBe('25 unread notifications');
  await expect.poll(() => panel.locator('.tk-note').count()).toBe(20);
  expect(await panel.locator('.tk-note-text').first().textContent()).toBe('Dee replied to your comment');
  await panel.locator('button', { hasText: 'Show older notifications' }).click();
  await expect.poll(() => panel.locator('.tk-note').count()).toBe(25);
  // The button is gone (no more pages); focus is on the first notification it added.
  expect(await panel.locator('button', { hasText: 'Show older notifications' }).count()).toBe(0);
  const twentyFirst = await panel.locator('.tk-note a').nth(20).getAttribute('href');
  // Focus moves once the new notifications are drawn.
  await expect
    .poll(() =>
      cy.page.evaluate(
        () => (document.querySelector('#threadkit')?.shadowRoot?.activeElement as HTMLAnchorElement)?.href,
      ),
    )
    .toBe(twentyFirst);

  await panel.locator('button', { hasText: 'Mark all as read' }).click();
  await expect.poll(() => panel.locator('[role="status"]').textContent()).toBe('No unread notifications');
  expect(await panel.locator('.tk-unread').count()).toBe(0);
  expect(await bell(cy.page).getAttribute('aria-label')).toBe('Notifications');
  expect(await unreadOnServer(cy.token)).toBe(0);
  await cy.page.context().close();
});

/** Opens the profile dialog and waits for the account to be there. */
async function openProfile(page: Page) {
  await widget(page).locator('button', { hasText: 'Profile' }).click();
  await expect.poll(() => dialog(page).locator('label', { hasText: 'Name' }).count()).toBe(1);
  return dialog(page);
}

it('renames the commenter and turns e-mail notifications off and on', async () => {
  const eve = await commentAsGuest('profile', 'Eve', 'Hello from Eve');
  const profile = await openProfile(eve.page);
  expect(await profile.locator('h2').textContent()).toBe('Your profile');
  expect(await profile.locator('p', { hasText: 'You comment as a guest' }).count()).toBe(1);
  const name = profile.getByLabel('Name');
  expect(await name.inputValue()).toBe('Eve');
  const emails = profile.getByLabel('E-mail me about replies and mentions');
  const before = (await account(eve.token)).json().email_notifications as boolean;
  expect(await emails.isChecked()).toBe(before);

  // Refused in plain words, before anything is sent.
  await name.fill('   ');
  await profile.locator('button[type="submit"]').click();
  await expect
    .poll(() => profile.locator('[role="alert"]').textContent())
    .toBe('Please enter a name of at most 50 characters.');
  expect(await name.getAttribute('aria-invalid')).toBe('true');

  await name.fill('Eve Adams');
  await emails.setChecked(!before);
  await profile.locator('button[type="submit"]').click();
  await expect.poll(() => profile.locator('[role="status"]').first().textContent()).toBe('Saved.');
  const saved = (await account(eve.token)).json();
  expect(saved).toMatchObject({ name: 'Eve Adams', email_notifications: !before });

  await emails.setChecked(before);
  await profile.locator('button[type="submit"]').click();
  await expect.poll(async () => (await account(eve.token)).json().email_notifications).toBe(before);

  await eve.page.keyboard.press('Escape');
  await expect.poll(() => dialog(eve.page).count()).toBe(0);
  // The bar names the commenter by their new name.
  await expect
    .poll(() => widget(eve.page).locator('.tk-row span', { hasText: 'Signed in as' }).textContent())
    .toBe('Signed in as Eve Adams');
  await eve.page.context().close();
});

it('downloads everything stored about the commenter as a JSON file', async () => {
  const fay = await commentAsGuest('export', 'Fay', 'My words, my data');
  const profile = await openProfile(fay.page);
  const [download] = await Promise.all([
    fay.page.waitForEvent('download'),
    profile.locator('button', { hasText: 'Download my data' }).click(),
  ]);
  expect(download.suggestedFilename()).toMatch(/^threadkit-data-\d{4}-\d{2}-\d{2}\.json$/);
  const data = JSON.parse(await readFile((await download.path())!, 'utf8'));
  expect(data.account).toMatchObject({ name: 'Fay', guest: true });
  expect(data.comments).toEqual([
    expect.objectContaining({ id: fay.commentId, content: 'My words, my data' }),
  ]);
  await expect
    .poll(() => profile.locator('[role="status"]', { hasText: 'downloaded' }).textContent())
    .toBe('Your data has been downloaded.');
  await fay.page.context().close();
});

it('shows a registered account’s e-mail and verified state, and ends its other sessions', async () => {
  const email = 'gus@example.test';
  const registered = await stack.api.call({
    method: 'POST',
    url: '/v1/auth/register',
    payload: { name: 'Gus', email, password: 'correct horse battery staple' },
  });
  expect(registered.statusCode, registered.body).toBe(201);
  const tokens = registered.json();
  // A second sign-in elsewhere: another session.
  const elsewhere = await stack.api.call({
    method: 'POST',
    url: '/v1/auth/login',
    payload: { email, password: 'correct horse battery staple' },
  });
  expect(elsewhere.statusCode, elsewhere.body).toBe(200);

  const page = await stack.openWithSession('sessions', {
    token: tokens.token,
    refresh_token: tokens.refresh_token,
    user: { id: tokens.user.id, name: 'Gus', guest: false },
  });
  const profile = await openProfile(page);
  expect(await profile.locator('dd').first().textContent()).toBe(`${email} not verified`);
  const sessions = profile.locator('.tk-sessions li');
  await expect.poll(() => sessions.count()).toBe(2);
  expect(await sessions.locator('.tk-badge', { hasText: 'This device' }).count()).toBe(1);

  await profile.locator('.tk-sessions button[aria-label^="Sign out the session from"]').click();
  await expect.poll(() => sessions.count()).toBe(1);
  expect(await focused(page)).toBe('Where you are signed in');
  // That session is over; this one goes on.
  expect((await account(elsewhere.json().token)).statusCode).toBe(401);
  expect((await account(tokens.token)).statusCode).toBe(200);
  await page.context().close();
});

it('deletes the account only after asking, then shows the reader signed out and the comment authorless', async () => {
  const hal = await commentAsGuest('erase', 'Hal', 'Soon to be anonymous');
  const profile = await openProfile(hal.page);
  const remove = profile.locator('button', { hasText: 'Delete my account' });

  // Asked first; "Cancel" has focus, and answering no keeps everything.
  await remove.click();
  expect(await profile.locator('legend').textContent()).toContain('Delete your account for good?');
  await expect.poll(() => focused(hal.page)).toBe('Cancel');
  expect((await account(hal.token)).statusCode).toBe(200);
  await profile.locator('fieldset button', { hasText: 'Cancel' }).click();
  expect(await profile.locator('legend').count()).toBe(0);
  await expect.poll(() => focused(hal.page)).toBe('Delete my account');

  await remove.click();
  await profile.locator('button', { hasText: 'Yes, delete my account' }).click();
  await expect.poll(() => dialog(hal.page).count()).toBe(0);
  await expect
    .poll(() => widget(hal.page).locator('button', { hasText: 'Sign in' }).count())
    .toBeGreaterThan(0);
  expect(await bell(hal.page).count()).toBe(0);
  const author = widget(hal.page).locator(`#comment-${hal.commentId} .tk-author`);
  await expect.poll(() => author.textContent()).toBe('[deleted]');
  expect(
    await hal.page.evaluate(
      (storageKey) => localStorage.getItem(storageKey),
      `threadkit:${stack.api.site.publicKey}`,
    ),
  ).toBeNull();
  expect((await account(hal.token)).statusCode).toBe(401);
  await hal.page.context().close();
});

it('swaps an expired access token once, however many requests it failed, and the session lives on', async () => {
  const guest = await stack.api.guest('Sleepy');
  // Back after the access token's hour: the thread and the account requests both get a 401.
  const page = await stack.openWithSession('expired', {
    token: 'an-expired-access-token',
    refresh_token: guest.refreshToken,
    user: { id: guest.userId, name: 'Sleepy', guest: true },
  });
  const refreshes: string[] = [];
  page.on('request', (request) => {
    if (request.url().endsWith('/v1/auth/refresh')) refreshes.push(request.url());
  });
  await expect.poll(() => bell(page).count(), { timeout: 10_000 }).toBe(1);
  expect(await widget(page).locator('.tk-row span').first().textContent()).toBe('Signed in as Sleepy');
  expect(refreshes).toHaveLength(1);
  // The swapped tokens are kept, and the session they belong to still works.
  const stored = await page.evaluate(
    (storageKey) => JSON.parse(localStorage.getItem(storageKey) ?? 'null'),
    `threadkit:${stack.api.site.publicKey}`,
  );
  expect(stored.token).not.toBe('an-expired-access-token');
  expect((await account(stored.token)).statusCode).toBe(200);
  await page.context().close();
});
