import { useEffect, useRef, useState } from 'preact/hooks';
import type { LiveClient, LiveStatus } from '../live.js';
import type { applyLive } from '../live-thread.js';
import type { LiveMessage } from '../types.js';

/**
 * What the live connection is told; the page comes from the thread's first read.
 * Each message comes with `apply`, the thread's rules for it, from the same chunk.
 */
type LiveOptions = Omit<ConstructorParameters<typeof LiveClient>[0], 'pageId' | 'onStatus' | 'onMessage'> & {
  onMessage(message: LiveMessage, apply: typeof applyLive): void;
};

/**
 * The page's live connection, opened once the thread's first read (`firstRead`,
 * answering the page id, or null when it failed) is there. Its code is fetched
 * alongside that read, outside the first load. Only the first render's options
 * are used: they should read what changes through refs.
 */
export function useLiveUpdates(firstRead: () => Promise<string | null>, options: LiveOptions) {
  const [status, setStatus] = useState<LiveStatus>('connecting');
  const [chunk, setChunk] = useState<typeof import('../live.js') | null>(null);
  const socket = useRef<LiveClient | null>(null);
  useEffect(() => {
    let client: LiveClient | null = null;
    let cancelled = false;
    void Promise.all([firstRead(), import('../live.js')]).then(([pageId, live]) => {
      if (!pageId || cancelled) return;
      const { LiveClient, applyLive } = live;
      setChunk(live);
      client = new LiveClient({
        ...options,
        pageId,
        onStatus: setStatus,
        onMessage: (message) => options.onMessage(message, applyLive),
      });
      socket.current = client;
    }, console.warn);
    return () => {
      cancelled = true;
      client?.destroy();
    };
  }, []);
  return { status, socket, Activity: chunk?.Activity ?? null };
}
