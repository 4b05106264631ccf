import { startWidgetStack, type WidgetStack } from '@threadkit/testing';
import { afterAll, beforeAll, expect, it } from 'vitest';

/** Collapsing a thread's replies, and reporting a comment to the moderators. */

let stack: WidgetStack;
let rootId: string;
beforeAll(async () => {
  stack = await startWidgetStack();
  const author = await stack.api.guest('Ada');
  const post = (content: string, parentId?: string) => stack.post('threads', author.token, content, parentId);
  rootId = await post('A root comment');
  await post('First reply', rootId);
  await post('Second reply', rootId);
});
afterAll(async () => {
  await stack?.stop();
});

/** Opens the thread signed in as a fresh guest, its tokens where the widget keeps them. */
async function openSignedIn() {
  const { page } = await stack.openSignedIn('threads', 'Reader');
  await expect.poll(() => page.locator('#threadkit .tk-count').textContent()).toBe('3 comments');
  return page;
}

it('hides and shows a comment’s replies', async () => {
  const page = await openSignedIn();
  const toggle = page.locator(`#threadkit #comment-${rootId} > button[aria-expanded]`);
  expect(await toggle.getAttribute('aria-expanded')).toBe('true');
  expect(await page.locator('#threadkit .tk-replies .tk-comment').count()).toBe(2);
  await toggle.click();
  expect(await toggle.getAttribute('aria-expanded')).toBe('false');
  expect(await toggle.textContent()).toBe('Show 2 replies');
  expect(await page.locator('#threadkit .tk-replies').count()).toBe(0);
  await toggle.click();
  expect(await page.locator('#threadkit .tk-replies .tk-comment').count()).toBe(2);
  await page.context().close();
});

it('reports a comment with a reason; moderators find it in the reports queue', async () => {
  const page = await openSignedIn();
  const root = page.locator(`#threadkit #comment-${rootId} > article`);
  await root.locator('button', { hasText: 'Report' }).click();
  await root.locator('select').selectOption('harassment');
  await root.locator('button', { hasText: 'Send report' }).click();
  await expect.poll(() => root.locator('[role="status"]').textContent()).toBe('Reported. Thank you.');

  const reports = await stack.api.owner({ method: 'GET', url: '/v1/moderation/reports' });
  expect(reports.statusCode, reports.body).toBe(200);
  expect(JSON.stringify(reports.json())).toContain(rootId);
  expect(JSON.stringify(reports.json())).toContain('harassment');
  await page.context().close();
});
