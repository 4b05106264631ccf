import { startWidgetStack, type WidgetStack } from '@threadkit/testing';
import { afterAll, beforeAll, expect, it } from 'vitest';

/** `#comment-<id>` links: the widget brings the comment into view and gives it focus. */

let stack: WidgetStack;
beforeAll(async () => {
  stack = await startWidgetStack();
});
afterAll(async () => {
  await stack?.stop();
});

it('scrolls to and focuses the linked comment', async () => {
  const guest = await stack.api.guest('Ada');
  const ids: string[] = [];
  for (let i = 0; i < 30; i++) {
    ids.push(await stack.post('permalink', guest.token, `Comment number ${i}`));
  }
  // The oldest comment sits at the bottom of the newest-first thread.
  const target = ids[0]!;
  // Arriving from a link elsewhere: the hash is there from the first load.
  const page = await (await stack.browser.newContext()).newPage();
  await page.goto(`${stack.siteUrl}/permalink#comment-${target}`);
  await expect
    .poll(() =>
      page.evaluate(() => document.querySelector('#threadkit')?.shadowRoot?.activeElement?.id ?? null),
    )
    .toBe(`comment-${target}`);
  const box = await page.locator(`#threadkit #comment-${target}`).boundingBox();
  const viewport = page.viewportSize()!;
  expect(box!.y).toBeGreaterThanOrEqual(0);
  expect(box!.y).toBeLessThan(viewport.height);
  await page.context().close();
});

it('loads further pages of the thread until the linked comment is there', async () => {
  const guest = await stack.api.guest('Bo');
  const ids: string[] = [];
  // More root comments than one page holds (50): the oldest is on the second.
  for (let i = 0; i < 55; i++) ids.push(await stack.post('long-thread', guest.token, `Comment number ${i}`));
  const target = ids[0]!;
  const page = await (await stack.browser.newContext()).newPage();
  await page.goto(`${stack.siteUrl}/long-thread#comment-${target}`);
  // A second page to fetch and draw first: more than the default second of polling.
  await expect
    .poll(
      () => page.evaluate(() => document.querySelector('#threadkit')?.shadowRoot?.activeElement?.id ?? null),
      { timeout: 10_000 },
    )
    .toBe(`comment-${target}`);
  expect(await page.locator('#threadkit .tk-comment').count()).toBe(55);
  await page.context().close();
});
