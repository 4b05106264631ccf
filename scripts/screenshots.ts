// Renders the widget in headless Chromium (light, dark, a 360 px phone, the
// sign-in dialog, and a moderator's view) on a seeded thread and saves the
// pictures under docs/screenshots/.
// Run: npm run build && npx tsx scripts/screenshots.ts
import { mkdir } from 'node:fs/promises';
import { startWidgetStack } from '@threadkit/testing';

const OUT = new URL('../docs/screenshots/', import.meta.url);

const stack = await startWidgetStack();
try {
  const [ada, linus] = [await stack.api.guest('Ada'), await stack.api.guest('Linus')];
  const post = (token: string, content: string, parentId?: string) =>
    stack.post('shots', token, content, parentId);

  const first = await post(
    ada.token,
    'Steeping at **80 °C** for three minutes made all the difference for me.',
  );
  await post(linus.token, 'Agreed. I also rinse the leaves once before the first cup.', first);
  await post(linus.token, 'Has anyone tried cold brewing? Overnight in the fridge, then `strain`.');
  await mkdir(OUT, { recursive: true });
  for (const [name, attributes, viewport] of [
    ['light', { 'data-theme': 'light' }, { width: 900, height: 700 }],
    ['dark', { 'data-theme': 'dark' }, { width: 900, height: 700 }],
    ['mobile', { 'data-theme': 'light' }, { width: 360, height: 740 }],
  ] as const) {
    const page = await stack.open('shots', attributes);
    await page.setViewportSize(viewport);
    await page.locator('#threadkit .tk-comment').first().waitFor();
    if (name === 'dark') await page.evaluate(() => (document.body.style.background = '#0d1117'));
    await page.locator('#threadkit').screenshot({ path: new URL(`widget-${name}.png`, OUT).pathname });
    await page.context().close();
  }
  // The sign-in dialog is modal, above the page: the whole viewport is the picture.
  const page = await stack.open('shots', { 'data-theme': 'light' });
  await page.setViewportSize({ width: 900, height: 700 });
  await page.locator('#threadkit .tk-row button', { hasText: 'Sign in' }).first().click();
  await page.locator('#threadkit dialog[open] input').first().waitFor();
  await page.screenshot({ path: new URL('widget-signin.png', OUT).pathname });
  await page.context().close();
  // A moderator, signed in: the bell, the profile, and a comment's tools open.
  const registered = await stack.api.call({
    method: 'POST',
    url: '/v1/auth/register',
    payload: { name: 'Grace', email: 'grace@example.com', password: 'correct horse battery staple' },
  });
  const { token, refresh_token, user } = registered.json();
  await stack.api.promote(user.id, 'moderator');
  const moderator = await stack.openWithSession(
    'shots',
    { token, refresh_token, user: { id: user.id, name: user.name, guest: false } },
    { 'data-theme': 'dark' },
  );
  await moderator.setViewportSize({ width: 900, height: 800 });
  await moderator.evaluate(() => (document.body.style.background = '#0d1117'));
  await moderator.locator('#threadkit button', { hasText: 'Moderate' }).first().click();
  await moderator.locator('#threadkit .tk-mod button', { hasText: 'Pin' }).first().waitFor();
  await moderator.locator('#threadkit').screenshot({ path: new URL('widget-moderator.png', OUT).pathname });
  await moderator.context().close();
  console.log('screenshots written to docs/screenshots/');
} finally {
  await stack.stop();
}
