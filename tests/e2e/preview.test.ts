import { startWidgetStack, type WidgetStack } from '@threadkit/testing';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';

/** The comment box's Markdown preview: rendered by the server exactly as the posted comment will be. */

let stack: WidgetStack;
beforeAll(async () => {
  stack = await startWidgetStack();
});
afterAll(async () => {
  await stack?.stop();
});

/** The preview loads its chunk and asks the server: a few round trips, seconds on a loaded machine. */
const poll = <T>(read: () => T | Promise<T>) => expect.poll(read, { timeout: 10_000 });

async function openComposer(key: string, attributes?: Record<string, string>): Promise<Page> {
  const page = await stack.open(key, attributes);
  await poll(() => page.locator('#threadkit textarea').count()).toBe(1);
  return page;
}

const toggleOf = (page: Page) => page.locator('#threadkit .tk-form button[aria-pressed]');
const previewOf = (page: Page) => page.locator('#threadkit .tk-preview');

it('shows the Markdown as it will look, with any script inert, in place of the text box', async () => {
  const page = await openComposer('preview');
  const source =
    '*soft* and **bold**\n\n<script>window.__previewed = 1</script><img src=x onerror="window.__previewed = 2">';
  await page.locator('#threadkit textarea').fill(source);
  const toggle = toggleOf(page);
  expect(await toggle.textContent()).toBe('Preview');
  await toggle.click();
  expect(await toggle.getAttribute('aria-pressed')).toBe('true');

  const body = previewOf(page).locator('.tk-body');
  await poll(() => body.locator('em').textContent()).toBe('soft');
  expect(await body.locator('strong').textContent()).toBe('bold');
  // The script is shown as text, as it would be in the posted comment; nothing ran.
  expect(await body.textContent()).toContain('<script>window.__previewed = 1</script>');
  expect(await body.locator('script, img').count()).toBe(0);
  expect(
    await page.evaluate(() => (window as unknown as { __previewed?: number }).__previewed),
  ).toBeUndefined();
  expect(await page.locator('#threadkit textarea').isVisible()).toBe(false);
  expect(await previewOf(page).getAttribute('aria-label')).toBe('Preview of your comment');

  // Back to writing: the text is still there.
  await toggle.click();
  expect(await page.locator('#threadkit textarea').inputValue()).toBe(source);
  expect(await previewOf(page).count()).toBe(0);

  // Posted, the comment shows exactly what the preview did.
  const previewed = await (async () => {
    await toggle.click();
    await poll(() => body.locator('em').count()).toBe(1);
    return body.innerHTML();
  })();
  await toggle.click();
  await page.locator('#threadkit input[aria-label="Your name"]').fill('Previewer');
  await page.locator('#threadkit button[type="submit"]').click();
  await poll(() => page.locator('#threadkit .tk-comment .tk-body').first().innerHTML()).toBe(previewed);
  await page.context().close();
});

it('says when there is nothing to preview, in the widget’s language', async () => {
  const page = await openComposer('preview-empty', { 'data-lang': 'fr' });
  await toggleOf(page).click();
  await poll(() => previewOf(page).locator('p').textContent()).toBe('Rien à prévisualiser pour l’instant.');
  expect(await previewOf(page).getAttribute('aria-label')).toBe('Aperçu de votre commentaire');
  await page.context().close();
});

it('explains in plain words when the text is over the site’s limit', async () => {
  const settings = (max: number) =>
    stack.api.owner({
      method: 'PUT',
      url: `/v1/sites/${stack.api.site.id}/settings`,
      payload: { max_comment_length: max },
    });
  expect((await settings(20)).statusCode).toBe(200);
  try {
    const page = await openComposer('preview-long');
    await page.locator('#threadkit textarea').fill('This sentence is longer than twenty characters.');
    await toggleOf(page).click();
    await poll(() => previewOf(page).locator('[role="alert"]').textContent()).toBe(
      'This is too long to post. Please shorten it.',
    );
    await page.context().close();
  } finally {
    await settings(10_000);
  }
});
