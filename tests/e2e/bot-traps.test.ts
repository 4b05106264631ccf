import { startWidgetStack, type WidgetStack } from '@threadkit/testing';
import type { Page, Request } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';

/**
 * The guest bot traps (`docs/moderation.md`) as the widget's comment form feeds
 * them: a hidden honeypot field and the time from the first focus in the form
 * to sending, against the site's `min_submit_seconds`.
 */

let stack: WidgetStack;
beforeAll(async () => {
  stack = await startWidgetStack({ minSubmitSeconds: 1 });
});
afterAll(async () => {
  await stack?.stop();
});

const poll = <T>(read: () => T | Promise<T>) => expect.poll(read, { timeout: 10_000 });
const REFUSED = 'Your comment could not be posted. Please try again.';

const setMinSubmitSeconds = (seconds: number) =>
  stack.api.context.sites.setSetting(stack.api.site.id, 'min_submit_seconds', String(seconds));

/** An article with its comment form shown, and the bodies of the comments it sends. */
async function openForm(key: string): Promise<{ page: Page; sent: Record<string, unknown>[] }> {
  const page = await stack.open(key);
  const sent: Record<string, unknown>[] = [];
  page.on('request', (request: Request) => {
    if (request.method() === 'POST' && new URL(request.url()).pathname === '/v1/comments')
      sent.push(request.postDataJSON() as Record<string, unknown>);
  });
  await poll(() => page.locator('#threadkit textarea').count()).toBe(1);
  return { page, sent };
}

/** Types a comment as a guest; returns when the typing was over, on the page's clock. */
async function type(page: Page, text: string): Promise<number> {
  await page.locator('#threadkit textarea').fill(text);
  await page.locator('#threadkit input[aria-label="Your name"]').fill('Ada');
  return page.evaluate(() => performance.now());
}

/** Waits, as a person reading over their comment would, until `ms` have passed since `since` on the page's clock. */
async function linger(page: Page, since: number, ms: number): Promise<void> {
  await poll(() => page.evaluate(() => performance.now())).toBeGreaterThanOrEqual(since + ms);
}

const send = (page: Page) => page.locator('#threadkit button[type="submit"]').click();
const alertOf = (page: Page) => page.locator('#threadkit .tk-form [role="alert"]');

/** The article's comments as anyone reads them from the API. */
async function published(key: string): Promise<string[]> {
  const response = await stack.api.call({ method: 'GET', url: `/v1/comments?page_key=${key}` });
  expect(response.statusCode, response.body).toBe(200);
  return (response.json().tree.comments as { t: string }[]).map((comment) => comment.t);
}

it('posts a guest who typed and took their time, and sends the empty honeypot and the time taken', async () => {
  const { page, sent } = await openForm('person');
  const typed = await type(page, 'Took my time over this one');
  await linger(page, typed, 1000);
  await send(page);
  await poll(() => page.locator('#threadkit .tk-body').first().textContent()).toBe(
    'Took my time over this one',
  );
  expect(await published('person')).toEqual(['Took my time over this one']);
  expect(sent).toHaveLength(1);
  expect(sent[0]!.website).toBe('');
  expect(sent[0]!.elapsed_ms).toBeGreaterThanOrEqual(1000);
  await page.context().close();
});

it('refuses a comment sent right after the form was opened, and takes it when sent again later', async () => {
  // However slow this machine, typing and sending take less than a minute.
  await setMinSubmitSeconds(60);
  try {
    const { page, sent } = await openForm('hasty');
    const typed = await type(page, 'Instant spam');
    await send(page);
    await poll(() => alertOf(page).textContent()).toBe(REFUSED);
    expect(sent[0]!.elapsed_ms).toBeLessThan(60_000);
    expect(await published('hasty')).toEqual([]);
    // The text is kept, and a person who was merely quick sends it again.
    expect(await page.locator('#threadkit textarea').inputValue()).toBe('Instant spam');
    await setMinSubmitSeconds(1);
    await linger(page, typed, 1000);
    await send(page);
    await poll(() => page.locator('#threadkit .tk-body').first().textContent()).toBe('Instant spam');
    expect(await alertOf(page).count()).toBe(0);
    await page.context().close();
  } finally {
    await setMinSubmitSeconds(1);
  }
});

it('refuses a comment whose hidden honeypot field was filled, with the same message', async () => {
  const { page, sent } = await openForm('honeypot');
  const honeypot = page.locator('#threadkit input[name="website"]');
  // Out of people's way: not in the tab order, hidden from screen readers, invisible, never autofilled.
  expect(await honeypot.getAttribute('tabindex')).toBe('-1');
  expect(await honeypot.getAttribute('aria-hidden')).toBe('true');
  expect(await honeypot.getAttribute('autocomplete')).toBe('off');
  expect(await honeypot.evaluate((input) => getComputedStyle(input).opacity)).toBe('0');

  const typed = await type(page, 'Buy now');
  // What a bot that fills in every field does.
  await honeypot.evaluate((input: HTMLInputElement) => {
    input.value = 'https://spam.example.com';
  });
  await linger(page, typed, 1000);
  await send(page);
  await poll(() => alertOf(page).textContent()).toBe(REFUSED);
  expect(sent[0]!.website).toBe('https://spam.example.com');
  expect(await published('honeypot')).toEqual([]);
  await page.context().close();
});
