import { useEffect, useState } from 'preact/hooks';
import type { Strings } from '../i18n/index.js';
import type { LiveStatus } from '../live.js';
import type { ThreadState } from '../thread.js';

/**
 * Who is typing, and whether live updates are paused, said to screen readers as
 * it changes: part of the live chunk (until it is there, the app shows the same
 * empty line).
 */
export function Activity({ t, thread, live }: { t: Strings; thread: ThreadState; live: LiveStatus }) {
  const [now, setNow] = useState(Date.now());
  // Typing indicators fade by themselves.
  useEffect(() => {
    if (Object.keys(thread.typing).length === 0) return;
    const timer = setInterval(() => setNow(Date.now()), 500);
    return () => clearInterval(timer);
  }, [thread.typing]);
  const typing = typists(thread, now);
  return (
    <p class="tk-muted" aria-live="polite">
      {typing.length > 0 ? t.typing(typing) : ''}
      {live === 'paused' ? t.livePaused : ''}
    </p>
  );
}

/** Who is typing now (expired indicators dropped). */
export function typists(state: ThreadState, now: number): string[] {
  return Object.values(state.typing)
    .filter((entry) => entry.until > now)
    .map((entry) => entry.name);
}
