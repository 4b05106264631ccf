import { useRef, useState } from 'preact/hooks';
import type { ApiClient } from '../api.js';
import type { LiveClient, LiveStatus } from '../live.js';
import { emptyThread, loadPage, type ThreadState } from '../thread.js';
import type { Sort } from '../types.js';
import { useLiveUpdates } from './live-updates.js';
import { rememberSort, storedSort } from './sort.js';

export type ThreadUpdate = (change: (state: ThreadState) => ThreadState) => void;

/** The thread as the widget shows it, kept current by the API and the live connection. */
export interface ThreadView {
  thread: ThreadState;
  update: ThreadUpdate;
  /** The thread of the latest render, for callbacks made in an earlier one. */
  latest: { current: ThreadState };
  status: 'loading' | 'ready' | 'unavailable';
  live: LiveStatus;
  /** Who is typing and whether live updates are paused, from the live chunk once it is there. */
  Activity: typeof import('../live.js').Activity | null;
  /** The live connection, once it is open. */
  socket: { current: LiveClient | null };
  /** Reads the thread again, in its order. */
  reload(): void;
  /** The next page of root comments, if there is one; false when there is none. */
  loadMore(): Promise<boolean>;
  sortBy(sort: Sort): void;
  /** A new viewer sees the thread as theirs (votes, pending comments) and gets their own live channel. */
  reconnect(): void;
}

interface Where {
  page: { url?: string; key?: string };
  wsUrl: string;
  projectId: string;
}

/** Loads the page's thread, pages and reorders it, and follows it live. */
export function useThreadView(api: ApiClient, where: Where, onNotification: () => void): ThreadView {
  const [thread, update] = useState<ThreadState>(() => emptyThread(storedSort()));
  const [status, setStatus] = useState<ThreadView['status']>('loading');
  const latest = useRef(thread);
  latest.current = thread;
  const readAt = useRef(0);

  /** Reads the first page in `sort`; answers the page's id, or null when the thread is out of reach. */
  const load = async (sort: Sort) => {
    try {
      readAt.current = performance.now();
      const page = await api.thread(where.page, sort);
      update((current) => loadPage({ ...current, sort }, page, false));
      setStatus('ready');
      return page.page_id;
    } catch {
      setStatus('unavailable');
      return null;
    }
  };
  const reload = () => void load(latest.current.sort);
  // The first read leaves at the first render, not after it is painted: it is what the reader waits for.
  const firstRead = useRef<Promise<string | null>>();
  firstRead.current ??= load(thread.sort);

  const {
    status: live,
    socket,
    Activity,
  } = useLiveUpdates(() => firstRead.current!, {
    url: where.wsUrl,
    projectId: where.projectId,
    token: () => api.token,
    since: () => latest.current.lastEventId,
    readAt: () => readAt.current,
    onMessage: (message, applyLive) => {
      if (message.method === 'reset') reload();
      else if (message.method === 'notification') onNotification();
      else update((current) => applyLive(current, message, api.viewer?.id ?? null, Date.now()));
    },
  });

  return {
    thread,
    update,
    latest,
    status,
    live,
    Activity,
    socket,
    reload,
    loadMore: async () => {
      const { nextCursor, sort } = latest.current;
      if (!nextCursor) return false;
      const page = await api.thread(where.page, sort, nextCursor);
      update((current) => loadPage(current, page, true));
      return true;
    },
    sortBy: (sort) => {
      rememberSort(sort);
      update((current) => ({ ...current, sort }));
      void load(sort);
    },
    reconnect: () => {
      reload();
      socket.current?.restart();
    },
  };
}
