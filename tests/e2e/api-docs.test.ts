import { launchChromium, startTestApi, type TestApi } from '@threadkit/testing';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';

/**
 * The interactive reference at /docs in headless Chromium: authorized with the
 * public key, its "Try it out" requests work although the page's origin is on
 * no list of the site's (localhost is turned off too).
 */

let api: TestApi;
let apiUrl: string;
let browser: Browser;

beforeAll(async () => {
  api = await startTestApi();
  await api.context.sites.setSetting(api.site.id, 'allow_localhost', 'false');
  apiUrl = await api.app.listen({ host: '127.0.0.1', port: 0 });
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await api?.app.close();
  await api?.stop();
});

/** Opens an operation, fills its parameters or body, runs it and returns the answer's status. */
async function tryOut(
  page: Page,
  method: string,
  path: string,
  input: { params?: Record<string, string>; body?: string },
): Promise<number> {
  const operation = page.locator(`.opblock-${method}`).filter({
    has: page.locator(`.opblock-summary-path[data-path="${path}"]`),
  });
  await operation.locator('.opblock-summary').first().click();
  for (const [name, value] of Object.entries(input.params ?? {})) {
    await operation.locator(`tr[data-param-name="${name}"] input`).fill(value);
  }
  if (input.body !== undefined) await operation.locator('textarea.body-param__text').fill(input.body);
  const answered = page.waitForResponse(
    (response) =>
      new URL(response.url()).pathname === path && response.request().method() === method.toUpperCase(),
  );
  await operation.locator('button.execute').click();
  return (await answered).status();
}

it('authorizes with the public key and runs GET and POST requests from the page', async () => {
  const page = await browser.newPage();
  try {
    await page.goto(`${apiUrl}/docs/`);
    await expect.poll(() => page.title()).toBe('ThreadKit API reference');
    await page.locator('.info .title').getByText('ThreadKit API').waitFor();

    await page.locator('button.authorize').first().click();
    await page.locator('.auth-container input[type="text"]').first().fill(api.site.publicKey);
    await page.locator('.auth-container button.authorize').first().click();
    await page.locator('button.btn-done').first().click();

    expect(
      await tryOut(page, 'get', '/v1/comments', { params: { page_url: 'https://blog.example.com/docs' } }),
    ).toBe(200);
    expect(await tryOut(page, 'post', '/v1/auth/guest', { body: '{"name":"Ada"}' })).toBe(201);
  } finally {
    await page.close();
  }
});
