import { perFileRedis } from '@threadkit/testing';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { newId } from '../ids.js';
import { resolvePage } from '../page-identity.js';
import { CommentStore, type PageState } from '../store/comment-store.js';
import { PageStates } from './page-states.js';

/**
 * Page states on a real Redis. Only `Date` is faked, so the test moves time
 * while Redis and promises run for real; a gate holds a revalidation's answer
 * back to look at what readers see while it is out.
 */

const SITE = newId();
const PAGE = resolvePage(SITE, { page_url: 'https://blog.example.com/states' });
const T0 = Date.UTC(2025, 0, 15, 12, 0, 0);

const db = perFileRedis({ flushEach: true });
let states: PageStates;
let calls: number;
let answered: number;
let gate: Promise<void> | null;

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(T0);
  calls = 0;
  answered = 0;
  gate = null;
  const store = new CommentStore(db.redis);
  const viewPage = store.viewPage.bind(store);
  store.viewPage = async (...args) => {
    calls++;
    const answer = await viewPage(...args);
    await gate;
    answered++;
    return answer;
  };
  states = new PageStates(store, { maxAgeMs: 1000, flushIntervalMs: 3_600_000 });
});
afterEach(async () => {
  await states.close();
  vi.useRealTimers();
});

const anyState = () => true;
const settled = () => new Promise((resolve) => setImmediate(resolve));

describe('PageStates', () => {
  it('revalidates a page read all the time ahead of its age: readers neither wait nor see its views dip', async () => {
    expect((await states.view(SITE, PAGE)).views).toBe(1);
    expect(calls).toBe(1);
    let release!: () => void;
    gate = new Promise((resolve) => {
      release = resolve;
    });

    // Three quarters of the way: answered from memory, and a revalidation starts behind it.
    vi.setSystemTime(T0 + 800);
    const shown: number[] = [];
    for (let i = 0; i < 3; i++) shown.push(states.cachedView(SITE, PAGE.id, anyState)!.views);
    await settled();
    expect(calls).toBe(2);
    // While the views are on their way to Redis, they still count.
    for (let i = 0; i < 3; i++) shown.push((await states.view(SITE, PAGE)).views);
    release();
    await vi.waitFor(() => expect(answered).toBe(2));
    // Fresh again from the revalidation: a second later the page is still not stale.
    vi.setSystemTime(T0 + 1500);
    shown.push(states.cachedView(SITE, PAGE.id, anyState)!.views);
    expect(shown).toEqual([2, 3, 4, 5, 6, 7, 8]);
    expect(calls).toBe(2);
  });

  it('counts a view in cachedView only when it answers', async () => {
    await states.view(SITE, PAGE);
    expect(states.cachedView(SITE, PAGE.id, () => false)).toBeUndefined();
    vi.setSystemTime(T0 + 1000);
    // Stale: the caller must ask through `view`, which counts it.
    expect(states.cachedView(SITE, PAGE.id, anyState)).toBeUndefined();
    const state: PageState = await states.view(SITE, PAGE);
    expect(state.views).toBe(2);
    expect(states.cachedView(SITE, PAGE.id, anyState)!.views).toBe(3);
    await states.flush();
    expect((await new CommentStore(db.redis).viewPage(SITE, PAGE, 0)).views).toBe(3);
  });
});
