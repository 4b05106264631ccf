import { generateApiKey } from '@threadkit/core';
import { startWidgetStack, type WidgetStack } from '@threadkit/testing';
import type { ConsoleMessage, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';

/**
 * A site owner's first embed gone wrong: the page's origin is not one the
 * site allows, or the key is mistyped. Readers see that comments are
 * unavailable; the owner finds exactly why, and the fix, in the console.
 */

let stack: WidgetStack;
beforeAll(async () => {
  stack = await startWidgetStack();
  // The customer's site is on 127.0.0.1, allowed only while localhost is.
  await stack.api.context.sites.setSetting(stack.api.site.id, 'allow_localhost', 'false');
});
afterAll(async () => {
  await stack?.stop();
});

const poll = <T>(read: () => T | Promise<T>) => expect.poll(read, { timeout: 10_000 });

/** An article with these script-tag attributes, and what its page writes in the console from its first load. */
async function openWatched(
  key: string,
  attributes?: Record<string, string>,
): Promise<{ page: Page; consoleErrors: () => string[] }> {
  const page = await stack.open(key, attributes);
  const messages: ConsoleMessage[] = [];
  page.on('console', (message) => messages.push(message));
  // Again with the console watched from the start.
  await page.reload();
  return {
    page,
    consoleErrors: () =>
      messages
        .filter((message) => message.type() === 'error' && message.text().startsWith('ThreadKit:'))
        .map((message) => message.text()),
  };
}

async function expectUnavailable(page: Page): Promise<void> {
  await poll(() => page.locator('#threadkit [role="alert"] p').textContent()).toBe(
    'Comments are unavailable right now.',
  );
  expect(await page.locator('#threadkit [role="alert"] button').textContent()).toBe('Try again');
}

it('on a page whose origin the site does not allow, says which origin, which key and how to allow it', async () => {
  const { page, consoleErrors } = await openWatched('wrong-origin');
  const origin = new URL(stack.siteUrl).origin;
  await poll(consoleErrors).toEqual([
    `ThreadKit: This page's origin ${origin} is not allowed for the key ${stack.api.site.publicKey}: add it to THREADKIT_ALLOWED_ORIGINS (comma-separated) and restart the server.`,
  ]);
  await expectUnavailable(page);
  await page.context().close();
});

it('with a mistyped key, says the key is unknown and where the right one is', async () => {
  const mistyped = generateApiKey('public');
  const { page, consoleErrors } = await openWatched('wrong-key', { 'data-project-id': mistyped });
  await poll(consoleErrors).toEqual([
    `ThreadKit: Unknown key ${mistyped}: no site has it; \`threadkit site show\` prints the public key.`,
  ]);
  await expectUnavailable(page);
  await page.context().close();
});

it('once the origin is allowed, loads the thread and says nothing more', async () => {
  await stack.api.context.sites.setSetting(stack.api.site.id, 'allow_localhost', 'true');
  const { page, consoleErrors } = await openWatched('fixed');
  await poll(() => page.locator('#threadkit .tk-count').textContent()).toBe('0 comments');
  expect(consoleErrors()).toEqual([]);
  await page.context().close();
});
