import { startWidgetStack, type WidgetStack } from '@threadkit/testing';
import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';

/**
 * Live behaviour in two browsers at once against the real API, gateway and
 * Redis: votes, typing and presence; catching up after the gateway restarts;
 * optimistic votes settling on the server's answer.
 */

let stack: WidgetStack;
beforeAll(async () => {
  stack = await startWidgetStack();
});
afterAll(async () => {
  await stack?.stop();
});

/** Posts a root comment on an article through the API, as a new guest; returns its id. */
async function postAsGuest(key: string, name: string, content: string): Promise<string> {
  const author = await stack.api.guest(name);
  return stack.post(key, author.token, content);
}

/** What the matching elements say now ('' when there are none): polls never wait on a missing element. */
const text = (locator: Locator) => locator.allTextContents().then((parts) => parts.join(''));

/** A comment's own controls and score (not its replies'). */
function commentOn(page: Page, id: string) {
  const article = page.locator(`#threadkit #comment-${id} > article`);
  const upvote = article.locator('button[aria-label="Upvote"]');
  return {
    score: () => text(article.locator('.tk-actions span[aria-hidden="true"]')),
    upvoted: () =>
      upvote.evaluateAll((buttons) => buttons.map((b) => b.getAttribute('aria-pressed')).join('')),
    upvote,
    downvote: article.locator('button[aria-label="Downvote"]'),
    reply: article.locator('.tk-actions button', { hasText: 'Reply' }),
  };
}

const count = (page: Page) => text(page.locator('#threadkit .tk-count'));
const presence = (page: Page) => text(page.locator('#threadkit .tk-bar > .tk-muted').first());
/** The polite live region: who is typing, and whether live updates are paused. */
const liveRegion = (page: Page) => text(page.locator('#threadkit p[aria-live="polite"]'));

it('shows two readers each other’s votes, typing and presence as they happen', async () => {
  const id = await postAsGuest('together', 'Ada', 'Worth discussing');
  const { page: alice } = await stack.openSignedIn('together', 'Alice');
  const { page: bob } = await stack.openSignedIn('together', 'Bob');
  for (const page of [alice, bob]) {
    await expect.poll(() => count(page)).toBe('1 comment');
    await expect.poll(() => presence(page)).toBe('2 people here');
  }

  // A vote changes the score in place on the other screen, without a reload or banner.
  await commentOn(alice, id).upvote.click();
  await expect.poll(() => commentOn(alice, id).score()).toBe('1');
  expect(await commentOn(alice, id).upvoted()).toBe('true');
  await expect.poll(() => commentOn(bob, id).score()).toBe('1');
  expect(await commentOn(bob, id).upvoted()).toBe('false');
  await commentOn(bob, id).downvote.click();
  await expect.poll(() => commentOn(alice, id).score()).toBe('0');
  expect(await commentOn(bob, id).score()).toBe('0');
  expect(await bob.locator('#threadkit .tk-banner').count()).toBe(0);

  // Typing a reply shows on the other screen (not one's own), then fades without a refresh.
  await commentOn(bob, id).reply.click();
  await bob.locator(`#threadkit #comment-${id} > form textarea`).pressSequentially('I think', { delay: 50 });
  await expect.poll(() => liveRegion(alice)).toBe('Bob is typing…');
  expect(await liveRegion(bob)).toBe('');
  await expect.poll(() => liveRegion(alice), { timeout: 10_000 }).toBe('');

  // Leaving is counted too.
  await bob.context().close();
  await expect.poll(() => presence(alice), { timeout: 10_000 }).toBe('1 person here');
  await alice.context().close();
});

it('catches up on what it missed while the gateway restarted, without a reload, and stays live', async () => {
  const page = await stack.open('restart');
  await expect.poll(() => count(page)).toBe('0 comments');
  await expect.poll(() => presence(page)).toBe('1 person here');
  // Survives only if the page is never reloaded.
  await page.evaluate(() => Object.assign(window, { sameDocument: true }));

  let missed = '';
  await stack.restartGateway(async () => {
    await expect.poll(() => liveRegion(page)).toBe('Live updates paused; reconnecting…');
    missed = await postAsGuest('restart', 'Night Owl', 'Posted while the gateway was away');
  });

  // The reconnect backs off (up to a few seconds here); the missed comment waits behind the banner.
  const banner = page.locator('#threadkit .tk-banner');
  await expect.poll(() => text(banner), { timeout: 30_000 }).toBe('Show 1 new comment');
  expect(await page.locator('#threadkit .tk-comment').count()).toBe(0);
  await banner.click();
  await expect
    .poll(() => text(page.locator(`#threadkit #comment-${missed} .tk-body`)))
    .toBe('Posted while the gateway was away');
  expect(await page.evaluate(() => 'sameDocument' in window)).toBe(true);
  await expect.poll(() => liveRegion(page)).toBe('');
  await expect.poll(() => presence(page)).toBe('1 person here');

  // Live again: a vote and a new comment from elsewhere arrive through the new gateway.
  const voter = await stack.api.guest('Voter');
  const vote = await stack.api.call({
    method: 'POST',
    url: `/v1/comments/${missed}/vote`,
    token: voter.token,
    payload: { direction: 'up' },
  });
  expect(vote.statusCode, vote.body).toBe(200);
  await expect.poll(() => commentOn(page, missed).score()).toBe('1');
  await postAsGuest('restart', 'Early Bird', 'Posted after the restart');
  await expect.poll(() => text(banner)).toBe('Show 1 new comment');
  expect(await page.evaluate(() => 'sameDocument' in window)).toBe(true);
  await page.context().close();
}, 60_000);

it('catches up on what was posted between reading the thread and first connecting', async () => {
  // The gateway is away while the page loads: the thread is read, the socket cannot connect yet.
  let page: Awaited<ReturnType<typeof stack.open>> | undefined;
  let early = '';
  await stack.restartGateway(async () => {
    page = await stack.open('first-connect');
    await expect.poll(() => count(page!)).toBe('0 comments');
    early = await postAsGuest('first-connect', 'Early Bird', 'Posted before the first connection');
  });
  const banner = page!.locator('#threadkit .tk-banner');
  await expect.poll(() => text(banner), { timeout: 30_000 }).toBe('Show 1 new comment');
  await banner.click();
  await expect
    .poll(() => text(page!.locator(`#threadkit #comment-${early} .tk-body`)))
    .toBe('Posted before the first connection');
  await page!.context().close();
}, 60_000);

it('asks again, with back-off, when the server cannot take its subscription yet, then goes live', async () => {
  // The gateway answers the first two subscribes as it does while its Redis is away.
  const context = await stack.browser.newContext();
  let refused = 0;
  await context.routeWebSocket(/\/ws\?/, (socket) => {
    const server = socket.connectToServer();
    socket.onMessage((message) => {
      if (String(message).includes('"subscribe"') && refused < 2) {
        refused++;
        const params = {
          code: 'unavailable',
          message: 'Live updates are unavailable right now; try again shortly.',
        };
        socket.send(JSON.stringify({ jsonrpc: '2.0', method: 'error', params }));
        return;
      }
      server.send(message);
    });
  });
  const page = await context.newPage();
  await page.goto(`${stack.siteUrl}/retry-subscribe`);
  await expect.poll(() => presence(page), { timeout: 20_000 }).toBe('1 person here');
  expect(refused).toBe(2);
  await expect.poll(() => liveRegion(page)).toBe('');
  await postAsGuest('retry-subscribe', 'Someone', 'Live at last');
  await expect.poll(() => text(page.locator('#threadkit .tk-banner'))).toBe('Show 1 new comment');
  await context.close();
}, 60_000);

it('settles an optimistic vote on the server’s count when the server disagrees or refuses', async () => {
  const first = await postAsGuest('settle', 'Ada', 'First');
  const second = await postAsGuest('settle', 'Ada', 'Second');
  const { page, user } = await stack.openSignedIn('settle', 'Reader');
  await expect.poll(() => count(page)).toBe('2 comments');
  await expect.poll(() => presence(page)).toBe('1 person here');

  /** What the server holds for the reader: score and own vote per comment. */
  const serverView = async (id: string) => {
    const response = await stack.api.call({
      method: 'GET',
      url: '/v1/comments?page_key=settle',
      token: user.token,
    });
    expect(response.statusCode, response.body).toBe(200);
    const comment = response.json().tree.comments.find((c: { i: string }) => c.i === id);
    return { score: String(comment.u - comment.d), pressed: String(comment.v === 'up') };
  };
  const shown = async (id: string) => ({
    score: await commentOn(page, id).score(),
    pressed: await commentOn(page, id).upvoted(),
  });

  // The same reader upvoted from another device: this page sees the count, not that the vote is theirs.
  const elsewhere = await stack.api.call({
    method: 'POST',
    url: `/v1/comments/${first}/vote`,
    token: user.token,
    payload: { direction: 'up' },
  });
  expect(elsewhere.statusCode, elsewhere.body).toBe(200);
  await expect.poll(() => commentOn(page, first).score()).toBe('1');
  // Clicking guesses "one more"; the server takes the vote back, and the page shows what it says.
  await commentOn(page, first).upvote.click();
  await expect.poll(() => shown(first)).toEqual({ score: '0', pressed: 'false' });
  expect(await serverView(first)).toEqual({ score: '0', pressed: 'false' });

  // A moderator closes the page meanwhile: the refused vote is undone and the page shows it is closed.
  const lock = await stack.api.owner({
    method: 'POST',
    url: '/v1/moderation/lock',
    payload: { page_key: 'settle' },
  });
  expect(lock.statusCode, lock.body).toBe(204);
  await commentOn(page, second).upvote.click();
  await expect.poll(() => text(page.locator('#threadkit .tk-status'))).toBe('Comments are closed.');
  await expect.poll(() => shown(second)).toEqual({ score: '0', pressed: 'false' });
  expect(await serverView(second)).toEqual({ score: '0', pressed: 'false' });
  await page.context().close();
});
