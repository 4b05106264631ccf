import { useEffect, useState } from 'preact/hooks';
import type { Strings } from '../i18n/index.js';

/** Every relative time shown re-renders on one timer, while any is shown. */
const shown = new Set<() => void>();
let timer: ReturnType<typeof setInterval> | undefined;

function useEveryHalfMinute(): void {
  const [, tick] = useState(0);
  useEffect(() => {
    const update = () => tick((n) => n + 1);
    shown.add(update);
    timer ??= setInterval(() => {
      for (const each of shown) each();
    }, 30_000);
    return () => {
      shown.delete(update);
      if (shown.size === 0) {
        clearInterval(timer);
        timer = undefined;
      }
    };
  }, []);
}

/** When something happened (Unix seconds): "3 minutes ago", kept current; the exact time on hover and for screen readers. */
export function Time({ t, at }: { t: Strings; at: number }) {
  useEveryHalfMinute();
  const exact = t.time(at);
  return (
    <time class="tk-muted" dateTime={new Date(at * 1000).toISOString()} title={exact}>
      <span aria-hidden="true">{t.ago(at)}</span>
      <span class="tk-sr">{exact}</span>
    </time>
  );
}
