import { startWidgetStack, type WidgetStack } from '@threadkit/testing';
import { afterAll, beforeAll, expect, it } from 'vitest';

/** A comment with more replies than a read shows: the rest load on demand, in order, live ones with them. */

let stack: WidgetStack;
let rootId: string;
const REPLIES = 9;
beforeAll(async () => {
  stack = await startWidgetStack();
  const author = await stack.api.guest('Ada');
  rootId = await stack.post('busy', author.token, 'A busy root');
  for (let i = 1; i <= REPLIES; i++) await stack.post('busy', author.token, `Reply ${i}`, rootId);
});
afterAll(async () => {
  await stack?.stop();
});

it('shows the first replies, loads the rest when asked, and keeps a live reply in its place', async () => {
  const { page } = await stack.openSignedIn('busy', 'Reader');
  const replies = page.locator(`#threadkit #comment-${rootId} > .tk-replies > .tk-comment .tk-body`);
  await expect
    .poll(() => replies.allTextContents(), { timeout: 10_000 })
    .toEqual(['Reply 1', 'Reply 2', 'Reply 3', 'Reply 4', 'Reply 5']);
  const more = page.locator(`#threadkit #comment-${rootId} > .tk-replies > li > button`, {
    hasText: 'Show 4 replies',
  });
  await expect.poll(() => more.count(), { timeout: 10_000 }).toBe(1);

  // Someone replies while the older replies are not loaded yet: it comes with them, in order.
  const bob = await stack.api.guest('Bob');
  await stack.post('busy', bob.token, 'Live reply', rootId);
  await more.click();
  await expect
    .poll(() => replies.allTextContents(), { timeout: 10_000 })
    .toEqual([...Array.from({ length: REPLIES }, (_, i) => `Reply ${i + 1}`), 'Live reply']);
  await expect.poll(() => more.count(), { timeout: 10_000 }).toBe(0);
  await page.context().close();
});
