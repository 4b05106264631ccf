import type { ThreadState } from '../thread.js';

/** The root comments in the order they are shown: the pinned ones still in the thread first, then the rest. */
export function shownRoots(thread: ThreadState): string[] {
  const pinned = thread.pinned.filter((id) => thread.byId[id]);
  return [...pinned, ...thread.roots.filter((id) => !pinned.includes(id))];
}
