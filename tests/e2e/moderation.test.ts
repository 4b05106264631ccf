import { startWidgetStack, type WidgetStack } from '@threadkit/testing';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';

/**
 * Moderators' tools in the widget, in Chromium against the real servers:
 * approving a held comment, pinning, closing a page and banning, with other
 * readers seeing the results live.
 */

let stack: WidgetStack;
const MODERATOR = { name: 'Mod Maria', email: 'maria@example.com', password: 'correct horse battery staple' };

/** The widget answers after a few round trips (thread, account, the tools' chunk); a loaded machine may take seconds. */
const poll = <T>(read: () => T | Promise<T>) => expect.poll(read, { timeout: 10_000 });

beforeAll(async () => {
  stack = await startWidgetStack();
  // A real account (guests cannot hold a role), promoted as the owner would.
  const registered = await stack.api.call({ method: 'POST', url: '/v1/auth/register', payload: MODERATOR });
  expect(registered.statusCode, registered.body).toBe(201);
  await stack.api.promote(registered.json().user.id, 'moderator');
});
afterAll(async () => {
  await stack?.stop();
});

async function setModeration(mode: 'pre' | 'none') {
  const response = await stack.api.owner({
    method: 'PUT',
    url: `/v1/sites/${stack.api.site.id}/settings`,
    payload: { moderation: mode },
  });
  expect(response.statusCode, response.body).toBe(200);
}

/**
 * Opens the article as the moderator, signed in afresh (each browser its own
 * session, as on separate devices): the tokens are where the widget keeps them
 * before the page loads.
 */
async function openAsModerator(key: string): Promise<Page> {
  const login = await stack.api.call({
    method: 'POST',
    url: '/v1/auth/login',
    payload: { email: MODERATOR.email, password: MODERATOR.password },
  });
  expect(login.statusCode, login.body).toBe(200);
  const { token, refresh_token, user } = login.json();
  const page = await stack.openWithSession(key, {
    token,
    refresh_token,
    user: { id: user.id, name: user.name, guest: false },
  });
  // The tools arrive once the widget knows the account moderates.
  await poll(() => page.locator('#threadkit .tk-mod-page').count()).toBe(1);
  return page;
}

/** The focused element inside the widget: its tag and text (an input's type). */
const focused = (page: Page) =>
  page.evaluate(() => {
    const element = document.querySelector('#threadkit')?.shadowRoot?.activeElement;
    return element ? `${element.tagName} ${element.textContent || element.getAttribute('type')}` : null;
  });

/** Comments posted through the API by one guest; their ids, in order. */
async function seed(key: string, author: string, texts: string[]) {
  const guest = await stack.api.guest(author);
  const ids: string[] = [];
  for (const content of texts) ids.push(await stack.post(key, guest.token, content));
  return { ...guest, ids };
}

const count = (page: Page) => page.locator('#threadkit .tk-count').textContent();
const commentOf = (page: Page, id: string) => page.locator(`#threadkit #comment-${id} > article`);
const closeAll = (...pages: Page[]) => Promise.all(pages.map((page) => page.context().close()));

it('holds guests’ comments for a moderator, who rejects one and approves one; a reader sees it arrive live', async () => {
  await setModeration('pre');
  try {
    const spam = await seed('held', 'Spammy', ['Buy my stuff']);
    const reader = await stack.open('held');
    const writer = await stack.open('held');
    await poll(() => count(reader)).toBe('0 comments');

    await writer.locator('#threadkit textarea').fill('Please let me in');
    await writer.locator('#threadkit input[aria-label="Your name"]').fill('Gus');
    await writer.locator('#threadkit button[type="submit"]').click();
    const mine = writer.locator('#threadkit .tk-comment').first();
    await poll(() => mine.locator('.tk-head').textContent()).toContain('Awaiting approval');

    const mod = await openAsModerator('held');
    // Rejected: out of the thread, said above it (the comment is gone), never published.
    const rejected = commentOf(mod, spam.ids[0]!);
    expect(await rejected.locator('.tk-head').textContent()).toContain('Awaiting approval');
    await rejected.locator('button', { hasText: 'Reject' }).click();
    await poll(() => mod.locator('#threadkit .tk-mod-page [role="status"]').textContent()).toBe(
      'Rejected: the comment will not be published.',
    );
    await poll(() => focused(mod)).toBe('P Rejected: the comment will not be published.');
    expect(await rejected.count()).toBe(0);

    const held = mod.locator('#threadkit .tk-comment').first();
    await poll(() => held.locator('.tk-body').textContent()).toBe('Please let me in');
    expect(await held.locator('.tk-head').textContent()).toContain('Awaiting approval');
    // Readers never see it while it waits.
    expect(await reader.locator('#threadkit .tk-comment').count()).toBe(0);

    await held.locator('button', { hasText: 'Approve' }).click();
    await poll(() => held.locator('[role="status"]').textContent()).toBe(
      'Approved: everyone can see it now.',
    );
    expect(await held.locator('.tk-head').textContent()).not.toContain('Awaiting approval');
    expect(await held.locator('button', { hasText: 'Approve' }).count()).toBe(0);
    await poll(() => count(mod)).toBe('1 comment');

    // Published live: behind the banner for the reader, in place for its author.
    const banner = reader.locator('#threadkit .tk-banner');
    await poll(() => banner.textContent()).toBe('Show 1 new comment');
    await banner.click();
    await poll(() => reader.locator('#threadkit .tk-body').first().textContent()).toBe('Please let me in');
    await poll(() => mine.locator('.tk-head').textContent()).not.toContain('Awaiting approval');
    expect(await reader.locator('#threadkit .tk-body').allTextContents()).toEqual(['Please let me in']);
    await closeAll(reader, writer, mod);
  } finally {
    await setModeration('none');
  }
});

it('pins a comment to the top for every reader, live, and unpins it', async () => {
  const { ids } = await seed('pins', 'Poster', ['The older one', 'The newer one']);
  const older = ids[0]!;
  const reader = await stack.open('pins');
  const mod = await openAsModerator('pins');
  await poll(() => count(reader)).toBe('2 comments');
  // Newest first until something is pinned.
  expect(await reader.locator('#threadkit .tk-body').first().textContent()).toBe('The newer one');

  const tools = commentOf(mod, older);
  const toggle = tools.locator('button[aria-expanded]', { hasText: 'Moderate' });
  expect(await toggle.getAttribute('aria-expanded')).toBe('false');
  // Compact: the tools stay hidden until asked for.
  expect(await tools.locator('button', { hasText: 'Pin' }).isVisible()).toBe(false);
  await toggle.click();
  expect(await toggle.getAttribute('aria-expanded')).toBe('true');
  await tools.locator('button', { hasText: 'Pin' }).click();
  await poll(() => tools.locator('[role="status"]').textContent()).toBe('Pinned to the top.');

  const pinnedHead = commentOf(reader, older).locator('.tk-head');
  await poll(() => pinnedHead.textContent()).toContain('Pinned');
  expect(await reader.locator('#threadkit .tk-body').first().textContent()).toBe('The older one');

  await tools.locator('button', { hasText: 'Unpin' }).click();
  await poll(() => pinnedHead.textContent()).not.toContain('Pinned');
  await poll(() => reader.locator('#threadkit .tk-body').first().textContent()).toBe('The newer one');
  await closeAll(reader, mod);
});

/** What a page's readers are told in place of the comment box ('' while it is open): never waits on a missing element. */
const closedNotice = (page: Page) =>
  page
    .locator('#threadkit .tk-status')
    .allTextContents()
    .then((parts) => parts.join(''));

it('closes comments on the page after asking, and opens them again, live for readers already there', async () => {
  await seed('lock', 'Early Bird', ['Before the lock']);
  // A reader already on the page, connected for live updates (the presence line comes with the subscription).
  const watching = await stack.open('lock');
  await poll(() => watching.locator('#threadkit .tk-bar > .tk-muted').first().textContent()).toMatch(/here/);
  expect(await watching.locator('#threadkit textarea:visible').count()).toBe(1);
  // Half-way through a comment when the page closes.
  await watching.locator('#threadkit textarea').fill('A draft in progress');
  const mod = await openAsModerator('lock');
  const pageTools = mod.locator('#threadkit .tk-mod-page');
  await pageTools.locator('button', { hasText: 'Close comments' }).click();
  // Asked first, with focus on the answer.
  await poll(() => pageTools.locator('.tk-ask p').textContent()).toBe(
    'Close comments on this page? Only moderators will be able to comment, edit or vote.',
  );
  await poll(() => focused(mod)).toBe('BUTTON Close comments');
  await mod.keyboard.press('Enter');
  await poll(() => pageTools.locator('[role="status"]').textContent()).toBe(
    'Comments on this page are closed.',
  );
  await poll(() => mod.locator('#threadkit .tk-status').textContent()).toBe('Comments are closed.');
  // The reader who was there sees the box give way without a reload.
  await poll(() => closedNotice(watching)).toBe('Comments are closed.');
  expect(await watching.locator('#threadkit textarea:visible').count()).toBe(0);

  // A reader finds the page closed, and the server refuses new comments there.
  const reader = await stack.open('lock');
  await poll(() => reader.locator('#threadkit .tk-status').textContent()).toBe('Comments are closed.');
  expect(await reader.locator('#threadkit textarea:visible').count()).toBe(0);
  expect(await reader.locator('#threadkit .tk-body').first().textContent()).toBe('Before the lock');
  const guest = await stack.api.guest('Latecomer');
  const refused = await stack.api.call({
    method: 'POST',
    url: '/v1/comments',
    token: guest.token,
    payload: { page_key: 'lock', page_url: `${stack.siteUrl}/lock`, content: 'Too late?' },
  });
  expect(refused.statusCode).toBe(403);

  await pageTools.locator('button', { hasText: 'Reopen comments' }).click();
  await poll(() => pageTools.locator('[role="status"]').textContent()).toBe(
    'Comments on this page are open again.',
  );
  await poll(() => mod.locator('#threadkit textarea:visible').count()).toBe(1);
  // Back live for both readers, the one who came while it was closed too.
  for (const page of [watching, reader]) {
    await poll(() => page.locator('#threadkit textarea:visible').count()).toBe(1);
    expect(await closedNotice(page)).toBe('');
  }
  // The draft is still there.
  expect(await watching.locator('#threadkit textarea').inputValue()).toBe('A draft in progress');
  const again = await stack.open('lock');
  await poll(() => again.locator('#threadkit textarea:visible').count()).toBe(1);
  await closeAll(mod, reader, again, watching);
});

it('bans an author and, when asked, takes all their comments down for everyone', async () => {
  const spammer = await seed('ban', 'Spammer', ['Buy now', 'Cheap stuff']);
  await seed('ban', 'Regular', ['A real comment']);
  const reader = await stack.open('ban');
  const mod = await openAsModerator('ban');
  await poll(() => count(reader)).toBe('3 comments');

  const tools = commentOf(mod, spammer.ids[0]!);
  await tools.locator('button', { hasText: 'Moderate' }).click();
  await tools.getByRole('button', { name: 'Ban author', exact: true }).click();
  const question = tools.locator('.tk-ask');
  expect(await question.locator('p').textContent()).toBe(
    'Ban \u2068Spammer\u2069? They will no longer be able to comment, vote or sign in here.',
  );
  // Focus is on the question's first control; Escape would cancel.
  await poll(() => focused(mod)).toBe('INPUT checkbox');
  await question.getByLabel('Also delete all their comments').check();
  await question.getByLabel('Reason (optional, for the moderation log)').fill('Spam links');
  await question.locator('button[type="submit"]').click();

  // Said where it stays visible: the comment it was asked on is gone.
  await poll(() => mod.locator('#threadkit .tk-mod-page [role="status"]').textContent()).toBe(
    '\u2068Spammer\u2069 is banned, and their comments are deleted.',
  );
  await poll(() => mod.locator('#threadkit .tk-body').allTextContents()).toEqual(['A real comment']);
  await poll(() => reader.locator('#threadkit .tk-body').allTextContents()).toEqual(['A real comment']);

  // The ban holds on the server: the session is over, and so is posting.
  const me = await stack.api.call({ method: 'GET', url: '/v1/users/me', token: spammer.token });
  expect([401, 403]).toContain(me.statusCode);
  const audit = await stack.api.owner({ method: 'GET', url: '/v1/moderation/audit' });
  expect(JSON.stringify(audit.json())).toContain('Spam links');
  await closeAll(reader, mod);
});

it('shadow-bans an author: moderators still see their comments, other readers no longer do', async () => {
  const troll = await seed('shadow', 'Troll', ['Bait']);
  const mod = await openAsModerator('shadow');
  const tools = commentOf(mod, troll.ids[0]!);
  await tools.locator('button', { hasText: 'Moderate' }).click();
  await tools.locator('button', { hasText: 'Shadow-ban author' }).click();
  // The question loads on demand: focus is on its confirm button (same words) once it is there.
  await poll(() => tools.locator('.tk-ask').count()).toBe(1);
  await poll(() =>
    mod.evaluate(() => !!document.querySelector('#threadkit')?.shadowRoot?.activeElement?.closest('.tk-ask')),
  ).toBe(true);
  await poll(() => focused(mod)).toBe('BUTTON Shadow-ban author');
  // Changing one's mind: Escape puts the tools back, with focus on the disclosure.
  await mod.keyboard.press('Escape');
  await poll(() => tools.locator('.tk-ask').count()).toBe(0);
  await poll(() => focused(mod)).toBe('BUTTON Moderate');
  await tools.locator('button', { hasText: 'Shadow-ban author' }).click();
  await tools.locator('.tk-ask button[type="submit"]').click();
  await poll(() => tools.locator('[role="status"]').textContent()).toBe(
    '\u2068Troll\u2069 is shadow-banned.',
  );
  expect(await commentOf(mod, troll.ids[0]!).locator('.tk-body').textContent()).toBe('Bait');

  await poll(async () => {
    const reader = await stack.open('shadow');
    await poll(() => count(reader)).toMatch(/comment/);
    const shown = await reader.locator('#threadkit .tk-comment').count();
    await reader.context().close();
    return shown;
  }).toBe(0);
  await closeAll(mod);
});
