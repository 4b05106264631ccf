import type { ApiClient } from '../api.js';
import { flatten, type ThreadState } from '../thread.js';
import type { RepliesPage } from '../types.js';

/** Loads the next replies of a comment, from its `rx` (a chunk of its own: most readers never ask). */
export async function showMore(
  api: ApiClient,
  id: string,
  thread: { current: ThreadState },
  update: (change: (state: ThreadState) => ThreadState) => void,
): Promise<void> {
  const cursor = thread.current.byId[id]?.rx;
  const query = new URLSearchParams(cursor ? { cursor } : {});
  const page = await api.call<RepliesPage>('GET', `/v1/comments/${encodeURIComponent(id)}/replies?${query}`);
  update((state) => loadReplies(state, page));
}

/** Adds the next replies of a comment ("show more replies"); the comment's `rx` moves past them. */
export function loadReplies(state: ThreadState, page: RepliesPage): ThreadState {
  const parent = state.byId[page.comment_id];
  if (!parent) return state;
  const byId = { ...state.byId };
  const replies = { ...state.replies };
  const visit = flatten(byId, replies, page.votes);
  const shown = new Set(replies[page.comment_id] ?? []);
  const added = page.comments.filter((c) => !shown.has(c.i));
  for (const reply of added) visit(reply);
  const { rx: _done, ...rest } = parent;
  byId[page.comment_id] = page.next_cursor ? { ...rest, rx: page.next_cursor } : rest;
  // Replies that arrived live while older ones were not loaded yet sit after them: oldest first, by time then id.
  const order = (id: string) => [byId[id]!.c, id] as const;
  replies[page.comment_id] = [...(replies[page.comment_id] ?? []), ...added.map((c) => c.i)].sort((x, y) => {
    const [a, b] = [order(x), order(y)];
    return a[0] - b[0] || (a[1] < b[1] ? -1 : 1);
  });
  return { ...state, byId, replies };
}
