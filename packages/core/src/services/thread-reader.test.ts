import { perFileRedis } from '@threadkit/testing';
import { afterEach, beforeEach, expect, it, vi } from 'vitest';
import { newId } from '../ids.js';
import { resolvePage } from '../page-identity.js';
import { CommentStore } from '../store/comment-store.js';
import type { Viewer } from '../types.js';
import { PageStates } from './page-states.js';
import { type ThreadQuery, ThreadReader } from './thread-reader.js';

/**
 * The shared thread on a real Redis: after a write, the readers who arrive
 * while its new copy is being read wait for that one read, instead of each
 * reading and serialising the thread again.
 */

const SITE = newId();
const PAGE = resolvePage(SITE, { page_url: 'https://blog.example.com/busy' });
const ANONYMOUS: Viewer = { siteId: SITE, userId: null, role: 'anonymous', sessionId: null };
const QUERY: ThreadQuery = {
  page: PAGE,
  sort: 'new',
  limit: 50,
  replies: 3,
  cursor: null,
  ifNoneMatch: null,
  poweredBy: null,
};

const db = perFileRedis({ flushEach: true });
let store: CommentStore;
let pages: PageStates;
let reader: ThreadReader;
let threadReads: number;

async function post(text: string) {
  await store.create(
    SITE,
    {
      id: newId(),
      pageId: PAGE.id,
      parentId: '',
      authorId: 'author',
      markdown: text,
      html: '',
      createdMs: Date.now(),
      status: 'approved',
      holdReason: '',
    },
    {
      isModerator: false,
      pageUrl: PAGE.url,
      pageKey: PAGE.key,
      queue: false,
      maxDepth: 6,
      usage: { month: '2026-12', day: '2026-12-07', limit: 0 },
    },
  );
  // As the server does on its own writes: the next read sees the new version.
  pages.invalidate(SITE, PAGE.id);
}

const texts = async () => {
  const result = await reader.read(ANONYMOUS, QUERY, { countsView: false });
  if (result.notModified) throw new Error('not modified');
  return (
    JSON.parse(Buffer.concat(result.body).toString()) as { tree: { comments: { t: string }[] } }
  ).tree.comments.map((c) => c.t);
};

beforeEach(() => {
  store = new CommentStore(db.redis);
  const readThread = store.readThread.bind(store);
  threadReads = 0;
  store.readThread = (...args) => {
    threadReads++;
    return readThread(...args);
  };
  pages = new PageStates(store, { flushIntervalMs: 3_600_000 });
  reader = new ThreadReader(store, pages);
});
afterEach(async () => {
  await pages.close();
});

it('reads the thread once for all the readers who need its new copy at the same time', async () => {
  await post('first');
  expect(await texts()).toEqual(['first']);
  expect(threadReads).toBe(1);

  await post('second');
  const seen = await Promise.all(Array.from({ length: 20 }, texts));
  expect(seen).toEqual(Array.from({ length: 20 }, () => ['second', 'first']));
  expect(threadReads).toBe(2);
});

it('reads again when a write came in while a copy was being read', async () => {
  await post('first');
  const before = texts();
  // The copy under way was read before this write: a reader who knows of it does not take that copy.
  await post('second');
  const after = texts();
  expect(await before).toContain('first');
  expect(await after).toEqual(['second', 'first']);
});

it('reads one copy at a time while writes keep coming, each reader getting one begun after it came', async () => {
  await post('0');
  await texts();
  // Each copy is held after its read from Redis until the test lets it go, so it is still under way
  // when the next write and its readers come.
  const readThread = store.readThread;
  let release = () => {};
  const held = new Promise<void>((resolve) => {
    release = resolve;
  });
  let reading = 0;
  let most = 0;
  let read = 0;
  store.readThread = async (...args) => {
    most = Math.max(most, ++reading);
    const page = await readThread(...args);
    read++;
    await held;
    reading--;
    return page;
  };

  await post('1');
  const first = Array.from({ length: 5 }, texts);
  await vi.waitFor(() => expect(read).toBe(1));
  // The copy under way was read before this write: these readers cannot take it.
  await post('2');
  const view = pages.view.bind(pages);
  let viewed = 0;
  pages.view = async (...args) => {
    const state = await view(...args);
    viewed++;
    return state;
  };
  const second = Array.from({ length: 5 }, texts);
  // Each has its page's state, and so waits on the copy under way, before that copy is let go.
  await vi.waitFor(() => expect(viewed).toBe(5));
  release();
  for (const seen of await Promise.all(first)) expect(seen[0]).toBe('1');
  for (const seen of await Promise.all(second)) expect(seen[0]).toBe('2');
  // One copy for the first readers and one for all the second ones, never two at once.
  expect(most).toBe(1);
  expect(threadReads).toBe(3);
});
