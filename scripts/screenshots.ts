// Renders the widget in headless Chromium on a seeded thread and saves the
// pictures under docs/screenshots/: its own light and dark palettes, a 360 px
// phone, inside a host page's own font and colours (light and dark), the
// sign-in dialog, a moderator's tools, and the notifications.
// Run: npm run build && npx tsx scripts/screenshots.ts
import { mkdir } from 'node:fs/promises';
import { type StoredSession, startWidgetStack } from '@threadkit/testing';
import type { Page } from 'playwright-core';

const OUT = new URL('../docs/screenshots/', import.meta.url);
const KEY = 'shots';
const PASSWORD = 'correct horse battery staple';

/** A host page's article styles: the widget takes their font and colours by default. */
const ARTICLE = {
  light:
    'body { margin: 2rem; font: 17px/1.6 Georgia, "DejaVu Serif", serif; color: #2b2118; background: #fbf8f1; }',
  dark: 'body { margin: 2rem; font: 16px/1.6 "DejaVu Sans", sans-serif; color: #d8dee9; background: #1b1f27; }',
};

const stack = await startWidgetStack();
try {
  const account = async (
    name: string,
    role?: 'admin' | 'moderator',
  ): Promise<StoredSession & { token: string }> => {
    const response = await stack.api.call({
      method: 'POST',
      url: '/v1/auth/register',
      payload: { name, email: `${name.split(' ')[0]!.toLowerCase()}@example.com`, password: PASSWORD },
    });
    if (response.statusCode !== 201) throw new Error(`registering ${name}: ${response.body}`);
    const { token, refresh_token, user } = response.json();
    if (role) await stack.api.promote(user.id, role);
    return { token, refresh_token, user: { id: user.id, name: user.name, guest: false } };
  };
  const vote = (token: string, id: string, direction: 'up' | 'down' = 'up') =>
    stack.api.call({ method: 'POST', url: `/v1/comments/${id}/vote`, token, payload: { direction } });
  const post = (token: string, content: string, parentId?: string) =>
    stack.post(KEY, token, content, parentId);

  const ada = await account('Ada Lovelace', 'admin');
  const grace = await account('Grace', 'moderator');
  const sam = await account('Sam Rivera');
  const linus = await stack.api.guest('Linus');
  const first = await post(
    ada.token,
    'Steeping at **80 °C** for three minutes made all the difference for me.\n\n> Green tea wants cooler water than black tea.\n\nWhat I do now:\n- rinse the leaves once\n- steep for `3:00`, not a second more',
  );
  const agreed = await post(linus.token, 'Agreed. I also rinse the leaves once before the first cup.', first);
  await post(grace.token, 'Good tip! A thermometer kettle pays for itself.', agreed);
  const mine = await post(sam.token, 'Has anyone tried cold brewing? Overnight in the fridge, then strain.');
  await post(ada.token, '@Sam Rivera yes: 10 g to a litre, 8 hours. Sweeter than hot.', mine);
  await post(
    linus.token,
    `A longer story, for those who like them. ${'I kept a notebook of every pot I brewed that winter, with the water, the leaves and the time. '.repeat(12)}`,
  );
  for (const [voter, id] of [
    [sam, first],
    [grace, first],
    [linus, first],
    [ada, mine],
    [grace, mine],
    [sam, agreed],
  ] as const)
    await vote(voter.token, id);

  await mkdir(OUT, { recursive: true });
  const save = (page: Page, name: string) =>
    page.locator('#threadkit').screenshot({ path: new URL(`widget-${name}.png`, OUT).pathname });
  const ready = (page: Page) => page.locator('#threadkit .tk-comment').first().waitFor();
  // The page names its author, so Ada's comments carry the author badge.
  const tag = { 'data-page-author': ada.user.id };

  // Sam, signed in: their upvote pressed, their own comment marked.
  for (const [name, attributes, viewport, style] of [
    ['light', { 'data-theme': 'light' }, { width: 900, height: 1100 }, null],
    ['dark', { 'data-theme': 'dark' }, { width: 900, height: 1100 }, 'body { background: #0d1117; }'],
    ['host', {}, { width: 900, height: 1100 }, ARTICLE.light],
    ['host-dark', {}, { width: 900, height: 1100 }, ARTICLE.dark],
  ] as const) {
    const page = await stack.openWithSession(KEY, sam, { ...tag, ...attributes });
    await page.setViewportSize(viewport);
    if (style) await page.addStyleTag({ content: style });
    await ready(page);
    await save(page, name);
    await page.context().close();
  }

  // A guest on a phone: "Create account" beside "Sign out".
  const phone = await stack.openSignedIn(KEY, 'Linus');
  await phone.page.setViewportSize({ width: 360, height: 1200 });
  await ready(phone.page);
  await save(phone.page, 'mobile');
  await phone.page.context().close();

  // The sign-in dialog is modal, above the page: the whole viewport is the picture.
  const reader = await stack.open(KEY, { ...tag, 'data-theme': 'light' });
  await reader.setViewportSize({ width: 900, height: 700 });
  await reader.locator('#threadkit .tk-row button', { hasText: 'Sign in' }).first().click();
  await reader.locator('#threadkit dialog[open] input').first().waitFor();
  await reader.screenshot({ path: new URL('widget-signin.png', OUT).pathname });
  await reader.context().close();

  // A moderator: a comment's tools open.
  const moderator = await stack.openWithSession(KEY, grace, { ...tag, 'data-theme': 'dark' });
  await moderator.setViewportSize({ width: 900, height: 1100 });
  await moderator.evaluate(() => (document.body.style.background = '#0d1117'));
  await moderator.locator('#threadkit button', { hasText: 'Moderate' }).first().click();
  await moderator.locator('#threadkit .tk-mod button', { hasText: 'Pin' }).first().waitFor();
  await save(moderator, 'moderator');
  await moderator.context().close();

  // Sam's notifications: who, what, an excerpt of the comment, and when.
  const notified = await stack.openWithSession(KEY, sam, { ...tag, 'data-theme': 'light' });
  await notified.setViewportSize({ width: 900, height: 700 });
  await notified.locator('#threadkit button[aria-label^="Notifications"]').click();
  await notified.locator('#threadkit dialog[open] .tk-note').first().waitFor();
  await notified.screenshot({ path: new URL('widget-notifications.png', OUT).pathname });
  await notified.context().close();
  console.log('screenshots written to docs/screenshots/');
} finally {
  await stack.stop();
}
