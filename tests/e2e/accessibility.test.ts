import {
  type StoredSession,
  scanAccessibility as scan,
  startWidgetStack,
  type WidgetStack,
} from '@threadkit/testing';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';

/** The widget with a keyboard only, and axe-core's scan in both themes. */

let stack: WidgetStack;
let moderator: StoredSession;
beforeAll(async () => {
  stack = await startWidgetStack();
  // A moderator (a registered account; guests hold no role), for the tools and the account dialogs.
  const registered = await stack.api.call({
    method: 'POST',
    url: '/v1/auth/register',
    payload: { name: 'Mo', email: 'mo@example.com', password: 'correct horse battery staple' },
  });
  expect(registered.statusCode, registered.body).toBe(201);
  const { token, refresh_token, user } = registered.json();
  await stack.api.promote(user.id, 'moderator');
  moderator = { token, refresh_token, user: { id: user.id, name: user.name, guest: false } };
  const guest = await stack.api.guest('Ada');
  for (const content of ['A first thought, with a [link](https://example.com).', 'A **second** one.'])
    await stack.post('a11y', guest.token, content);
});
afterAll(async () => {
  await stack?.stop();
});

async function ready(page: Page) {
  await expect.poll(() => page.locator('#threadkit .tk-count').textContent()).toBe('2 comments');
}

for (const theme of ['light', 'dark'] as const) {
  it(`has no serious accessibility violations in the ${theme} theme`, async () => {
    const page = await stack.open('a11y', { 'data-theme': theme });
    await ready(page);
    const { violations, shadowNodesChecked } = await scan(page);
    expect(shadowNodesChecked).toBeGreaterThan(20);
    expect(violations).toEqual([]);
    await page.context().close();
  });
}

/** Scans the widget as it is now: no serious violations in `what`. */
async function expectAccessible(page: Page, what: string) {
  const { violations } = await scan(page);
  expect(violations, what).toEqual([]);
}

for (const theme of ['light', 'dark'] as const) {
  it(`has none either in the parts that load on demand, in the ${theme} theme`, async () => {
    // A reader: the sign-in dialog and the preview.
    const reader = await stack.open('a11y', { 'data-theme': theme });
    await ready(reader);
    await reader.locator('#threadkit .tk-row button', { hasText: 'Sign in' }).first().click();
    await expect.poll(() => reader.locator('#threadkit dialog[open] input').count()).toBeGreaterThan(0);
    await expectAccessible(reader, 'the sign-in dialog');
    await reader.keyboard.press('Escape');
    await reader.locator('#threadkit textarea').first().fill('Some *Markdown*');
    await reader.locator('#threadkit button', { hasText: 'Preview' }).first().click();
    await expect.poll(() => reader.locator('#threadkit .tk-preview em').count()).toBe(1);
    await expectAccessible(reader, 'the preview');

    // A moderator: the tools, the notifications and the profile.
    const mod = await stack.openWithSession('a11y', moderator, { 'data-theme': theme });
    await expect.poll(() => mod.locator('#threadkit .tk-mod-page').count()).toBe(1);
    await mod.locator('#threadkit button', { hasText: 'Moderate' }).first().click();
    await expectAccessible(mod, 'the moderator tools');
    await mod.locator('#threadkit button[aria-label^="Notifications"]').click();
    await expect
      .poll(() => mod.locator('#threadkit dialog[open] p', { hasText: 'No notifications' }).count())
      .toBe(1);
    await expectAccessible(mod, 'the notifications');
    await mod.keyboard.press('Escape');
    await mod.locator('#threadkit button', { hasText: 'Profile' }).click();
    await expect.poll(() => mod.locator('#threadkit dialog[open] input').count()).toBeGreaterThan(0);
    await expectAccessible(mod, 'the profile');
    await reader.context().close();
    await mod.context().close();
  });
}

it('fits a 320 px wide screen, the sign-in dialog too, without scrolling sideways', async () => {
  const page = await stack.open('a11y');
  await page.setViewportSize({ width: 320, height: 640 });
  await expect.poll(() => page.locator('#threadkit .tk-comment').count()).toBeGreaterThan(0);
  const sideways = () => page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(await sideways()).toBeLessThanOrEqual(0);
  await page.locator('#threadkit .tk-row button', { hasText: 'Sign in' }).first().click();
  const dialog = page.locator('#threadkit dialog[open]');
  await expect.poll(() => dialog.locator('input').count()).toBeGreaterThan(0);
  const box = (await dialog.boundingBox())!;
  expect(box.x).toBeGreaterThanOrEqual(0);
  expect(box.x + box.width).toBeLessThanOrEqual(320);
  expect(await sideways()).toBeLessThanOrEqual(0);
  await page.context().close();
});

it('can be used with the keyboard alone: reach the controls in order, write, sign in as a guest and post, with visible focus', async () => {
  const page = await stack.open('a11y');
  await ready(page);
  const focused = () =>
    page.evaluate(() => {
      let element: Element | null = document.activeElement;
      while (element?.shadowRoot?.activeElement) element = element.shadowRoot.activeElement;
      if (!element) return null;
      const tag = element.tagName.toLowerCase();
      const label = element.getAttribute('aria-label');
      // Buttons by their text, other controls by their label.
      if (tag === 'button' && !label) return `button:${element.textContent}`;
      return `${tag}${label ? `[${label}]` : ''}`;
    });
  // From the page, Tab reaches the widget's controls in reading order.
  await page.keyboard.press('Tab');
  expect(await focused()).toBe('select');
  await page.keyboard.press('Tab');
  expect(await focused()).toBe('button:Sign in');
  await page.keyboard.press('Tab');
  expect(await focused()).toBe('textarea[Join the discussion…]');
  await page.keyboard.type('Typed without a mouse');
  await page.keyboard.press('Tab');
  expect(await focused()).toBe('input[Your name]');
  await page.keyboard.type('Keyboard User');
  await page.keyboard.press('Tab');
  expect(await focused()).toBe('button:Preview');
  await page.keyboard.press('Tab');
  expect(await focused()).toBe('button:Comment as guest');
  await page.keyboard.press('Enter');
  await expect.poll(() => page.locator('#threadkit .tk-count').textContent()).toBe('3 comments');
  expect(await page.locator('#threadkit .tk-body').first().textContent()).toBe('Typed without a mouse');
  // Every focusable control shows where focus is.
  const outline = await page.evaluate(() => {
    const root = document.querySelector('#threadkit')!.shadowRoot!;
    const button = root.querySelector('.tk-vote:not([disabled])') as HTMLElement;
    button.focus();
    return getComputedStyle(button).outlineStyle;
  });
  expect(outline).not.toBe('none');
  await page.context().close();
});
