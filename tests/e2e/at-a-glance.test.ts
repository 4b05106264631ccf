import {
  type StoredSession,
  scanAccessibility as scan,
  startWidgetStack,
  type WidgetStack,
} from '@threadkit/testing';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * What a thread tells at a glance: who is talking (pictures, initials, badges,
 * guests apart from accounts), what the reader did (their vote pressed, their
 * comments marked), when (relative times, exact on hover), long comments
 * folded, and the page's own font and colours by default.
 */

const KEY = 'glance';
const PICTURE = 'https://avatars.example.net/ada.png';
// A 1×1 PNG, served for the picture's address: nothing leaves the machine.
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
  'base64',
);

let stack: WidgetStack;
let ada: StoredSession & { token: string };
let sam: StoredSession & { token: string };
const ids: Record<string, string> = {};

async function account(name: string, email: string): Promise<StoredSession & { token: string }> {
  const response = await stack.api.call({
    method: 'POST',
    url: '/v1/auth/register',
    payload: { name, email, password: 'correct horse battery staple' },
  });
  expect(response.statusCode, response.body).toBe(201);
  const { token, refresh_token, user } = response.json();
  return { token, refresh_token, user: { id: user.id, name: user.name, guest: false } };
}

beforeAll(async () => {
  stack = await startWidgetStack();
  ada = await account('Ada Lovelace', 'ada@example.com');
  sam = await account('Sam', 'sam@example.com');
  await stack.api.promote(ada.user.id, 'moderator');
  const profile = await stack.api.call({
    method: 'PUT',
    url: '/v1/users/me',
    token: ada.token,
    payload: { avatar_url: PICTURE },
  });
  expect(profile.statusCode, profile.body).toBe(200);
  const linus = await stack.api.guest('Linus Guest');
  ids.ada = await stack.post(KEY, ada.token, 'A root by the page’s author.');
  ids.linus = await stack.post(KEY, linus.token, 'A guest’s reply.', ids.ada);
  ids.sam = await stack.post(KEY, sam.token, `Sam’s long one. ${'Every pot noted down. '.repeat(150)}`);
  const vote = await stack.api.call({
    method: 'POST',
    url: `/v1/comments/${ids.ada}/vote`,
    token: sam.token,
    payload: { direction: 'up' },
  });
  expect(vote.statusCode, vote.body).toBe(200);
});
afterAll(async () => {
  await stack?.stop();
});

const comment = (page: Page, id: string) => page.locator(`#threadkit #comment-${id} > article`);
const badges = (page: Page, id: string) => comment(page, id).locator('.tk-head .tk-badge').allTextContents();

/** Opens the thread as Sam, on a page whose author is Ada; the picture's address answers with a PNG. */
async function openAsSam(attributes: Record<string, string> = {}): Promise<Page> {
  const page = await stack.openWithSession(KEY, sam, { 'data-page-author': ada.user.id, ...attributes });
  await page.context().route(PICTURE, (route) => route.fulfill({ contentType: 'image/png', body: PNG }));
  await expect.poll(() => page.locator('#threadkit .tk-comment').count()).toBe(3);
  return page;
}

describe('who is talking', () => {
  it('shows pictures, initials and badges; guests apart from accounts', async () => {
    const page = await openAsSam({ 'data-theme': 'light' });
    // Ada's own picture, loaded; the others' initials on a colour.
    const picture = comment(page, ids.ada!).locator('img.tk-face');
    await expect
      .poll(() => picture.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth))
      .toBe(1);
    expect(await picture.getAttribute('src')).toBe(PICTURE);
    expect(await comment(page, ids.linus!).locator('.tk-face').textContent()).toBe('LG');
    expect(await comment(page, ids.sam!).locator('.tk-face').textContent()).toBe('S');

    expect(await badges(page, ids.ada!)).toEqual(['Moderator', 'Author']);
    expect(await badges(page, ids.linus!)).toEqual(['Guest']);
    expect(await badges(page, ids.sam!)).toEqual(['You']);
    const weight = (id: string) =>
      comment(page, id)
        .locator('.tk-author')
        .evaluate((el) => Number(getComputedStyle(el).fontWeight));
    expect(await weight(ids.linus!)).toBeLessThan(await weight(ids.ada!));
    await page.context().close();
  });

  it('falls back to the initials when a picture does not load', async () => {
    const page = await stack.openWithSession(KEY, sam);
    await page.context().route(PICTURE, (route) => route.abort());
    await expect.poll(() => comment(page, ids.ada!).locator('.tk-face').textContent()).toBe('AL');
    await page.context().close();
  });
});

describe('what the reader did, and when', () => {
  it('presses the reader’s vote in the accent colour, and says when with the exact time on hover', async () => {
    const page = await openAsSam({ 'data-theme': 'light' });
    const up = comment(page, ids.ada!).locator('button[aria-label="Upvote"]');
    const down = comment(page, ids.ada!).locator('button[aria-label="Downvote"]');
    expect(await up.getAttribute('aria-pressed')).toBe('true');
    const color = (button: typeof up) => button.evaluate((el) => getComputedStyle(el).color);
    expect(await color(up)).toBe('rgb(10, 88, 202)');
    expect(await color(down)).not.toBe(await color(up));
    expect(await comment(page, ids.ada!).locator('.tk-score').textContent()).toContain('1');

    const time = comment(page, ids.ada!).locator('time');
    expect(await time.locator('[aria-hidden="true"]').textContent()).toMatch(
      /^(now|\d+ seconds? ago|1 minute ago)$/,
    );
    const exact = await page.evaluate(
      (at) => new Intl.DateTimeFormat('en', { dateStyle: 'medium', timeStyle: 'short' }).format(at),
      Date.parse((await time.getAttribute('datetime'))!),
    );
    expect(await time.getAttribute('title')).toBe(exact);
    expect(await time.locator('.tk-sr').textContent()).toBe(exact);
    await page.context().close();
  });

  it('folds a long comment behind "Show more"', async () => {
    const page = await openAsSam();
    const body = comment(page, ids.sam!).locator('.tk-body');
    const more = comment(page, ids.sam!).locator('button.tk-fold');
    const height = () => body.evaluate((el) => el.getBoundingClientRect().height);
    expect(await body.getAttribute('class')).toContain('tk-clamp');
    expect(await more.textContent()).toBe('Show more');
    expect(await more.getAttribute('aria-expanded')).toBe('false');
    const folded = await height();
    await more.click();
    await expect.poll(() => more.textContent()).toBe('Show less');
    expect(await more.getAttribute('aria-expanded')).toBe('true');
    expect(await height()).toBeGreaterThan(folded * 1.5);
    // Short comments have no such button.
    expect(await comment(page, ids.ada!).locator('button.tk-fold').count()).toBe(0);
    await page.context().close();
  });

  it('offers a guest "Create account" beside "Sign out", never "Sign in" with it', async () => {
    const { page } = await stack.openSignedIn(KEY, 'Passer-by');
    const bar = page.locator('#threadkit p.tk-row').first();
    await expect.poll(() => bar.locator('button', { hasText: 'Sign out' }).count()).toBe(1);
    expect(await bar.locator('button', { hasText: 'Create account' }).count()).toBe(1);
    expect(await bar.getByRole('button', { name: 'Sign in', exact: true }).count()).toBe(0);
    await page.context().close();
  });
});

describe('the page’s own look', () => {
  for (const [scheme, style, textColor] of [
    [
      'light',
      'body { font: 18px/1.7 Georgia, serif; color: rgb(43, 33, 24); background: rgb(251, 248, 241); }',
      'rgb(43, 33, 24)',
    ],
    [
      'dark',
      'body { font: 16px/1.6 Georgia, serif; color: rgb(216, 222, 233); background: rgb(27, 31, 39); }',
      'rgb(216, 222, 233)',
    ],
  ] as const) {
    it(`takes a ${scheme} page’s font and colours by default, with no serious accessibility violation`, async () => {
      const page = await stack.openWithSession(KEY, sam);
      await page.addStyleTag({ content: style });
      await page.context().route(PICTURE, (route) => route.fulfill({ contentType: 'image/png', body: PNG }));
      await expect.poll(() => page.locator('#threadkit .tk-comment').count()).toBe(3);
      const host = page.locator('#threadkit');
      // The style came after the first render: the theme is read again when the system's scheme changes.
      await page.emulateMedia({ colorScheme: scheme === 'dark' ? 'light' : 'dark' });
      await page.emulateMedia({ colorScheme: scheme });
      await expect.poll(() => host.getAttribute('data-theme')).toBe(scheme);
      expect(await host.getAttribute('data-palette')).toBeNull();
      const looks = await comment(page, ids.ada!)
        .locator('.tk-body')
        .evaluate((el) => {
          const css = getComputedStyle(el);
          return { font: css.fontFamily, size: css.fontSize, color: css.color };
        });
      expect(looks).toEqual({
        font: 'Georgia, serif',
        size: scheme === 'light' ? '18px' : '16px',
        color: textColor,
      });
      const { violations } = await scan(page);
      expect(violations).toEqual([]);
      await page.context().close();
    });
  }
});
