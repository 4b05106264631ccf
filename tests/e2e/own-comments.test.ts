import { startWidgetStack, type WidgetStack } from '@threadkit/testing';
import { afterAll, beforeAll, expect, it } from 'vitest';

/** A commenter edits and deletes their own comment; another reader sees both live. */

let stack: WidgetStack;
beforeAll(async () => {
  stack = await startWidgetStack();
});
afterAll(async () => {
  await stack?.stop();
});

it('edits and deletes one’s own comment, live for others too', async () => {
  const author = await stack.open('own');
  const reader = await stack.open('own');
  const body = (page: typeof author) => page.locator('#threadkit .tk-body').first();

  await author.locator('#threadkit textarea').fill('Frist post');
  await author.locator('#threadkit input[aria-label="Your name"]').fill('Typo Fixer');
  await author.locator('#threadkit button[type="submit"]').click();
  await expect.poll(() => body(author).textContent()).toBe('Frist post');
  await reader.locator('#threadkit .tk-banner').click();
  await expect.poll(() => body(reader).textContent()).toBe('Frist post');

  // Only the author has Edit and Delete.
  expect(await reader.locator('#threadkit .tk-actions button', { hasText: 'Edit' }).count()).toBe(0);
  await author.locator('#threadkit .tk-actions button', { hasText: 'Edit' }).click();
  const editor = author.locator('#threadkit .tk-comment textarea');
  expect(await editor.inputValue()).toBe('Frist post');
  await editor.fill('First post, *fixed*');
  await author.locator('#threadkit .tk-comment button[type="submit"]').click();
  await expect.poll(() => body(author).innerHTML()).toBe('<p>First post, <em>fixed</em></p>');
  await expect.poll(() => body(reader).innerHTML()).toBe('<p>First post, <em>fixed</em></p>');
  expect(await reader.locator('#threadkit .tk-head').first().textContent()).toContain('(edited)');

  await author.locator('#threadkit .tk-actions button', { hasText: 'Delete' }).click();
  // Asked first; the answer has focus.
  const confirm = author.locator('#threadkit .tk-ask button', { hasText: 'Delete' });
  await expect
    .poll(() =>
      author.evaluate(() => document.querySelector('#threadkit')?.shadowRoot?.activeElement?.textContent),
    )
    .toBe('Delete');
  await confirm.click();
  await expect.poll(() => author.locator('#threadkit .tk-comment').count()).toBe(0);
  await expect.poll(() => reader.locator('#threadkit .tk-comment').count()).toBe(0);
  expect(await reader.locator('#threadkit .tk-count').textContent()).toBe('0 comments');
  await author.context().close();
  await reader.context().close();
});
