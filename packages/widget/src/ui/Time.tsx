import type { Strings } from '../i18n/index.js';

/**
 * When something happened (Unix seconds): "3 minutes ago", as of this render
 * (the comment list draws again every half minute); the exact time on hover
 * and for screen readers.
 */
export function Time({ t, at }: { t: Strings; at: number }) {
  const exact = t.time(at);
  return (
    <time class="tk-muted" dateTime={new Date(at * 1000).toISOString()} title={exact}>
      <span aria-hidden="true">{t.ago(at)}</span>
      <span class="tk-sr">{exact}</span>
    </time>
  );
}
