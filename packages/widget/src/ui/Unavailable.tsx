import type { Strings } from '../i18n/index.js';

/** In place of the thread when it cannot be read: says so plainly, with a retry. */
export function Unavailable({ t, onRetry }: { t: Strings; onRetry(): void }) {
  return (
    <div class="tk tk-status" role="alert">
      <p>{t.unavailable}</p>
      <button type="button" onClick={onRetry}>
        {t.retry}
      </button>
    </div>
  );
}
