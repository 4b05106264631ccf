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
    const response = await stack.api.call({
      method: 'POST',
      url: '/v1/comments',
      token: guest.token,
      payload: {
        page_key: 'permalink',
        page_url: `${stack.siteUrl}/permalink`,
        content: `Comment number ${i}`,
      },
    });
    ids.push(response.json().comment.i);
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
