import { useEffect, useState } from 'preact/hooks';
import type { Strings } from '../i18n/index.js';
import type { LiveStatus } from '../live.js';
import { type ThreadState, typists } from '../thread.js';

/** Who is typing, and whether live updates are paused, said to screen readers as it changes. */
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
