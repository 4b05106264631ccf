import type { Strings } from '../i18n/index.js';
import type { ThreadState } from '../thread.js';
import { SORTS, type Sort } from '../types.js';

interface Props {
  t: Strings;
  thread: ThreadState;
  onSort(sort: Sort): void;
}

/** Above the thread: how many comments, how many readers are here, and the order. */
export function Toolbar({ t, thread, onSort }: Props) {
  return (
    <div class="tk-bar">
      <h2 class="tk-count">{t.comments(thread.total)}</h2>
      <span class="tk-muted">{thread.presence.count > 0 ? t.here(thread.presence.count) : ''}</span>
      <label class="tk-muted">
        {t.sortBy}{' '}
        <select
          value={thread.sort}
          onChange={(event) => onSort((event.target as HTMLSelectElement).value as Sort)}
        >
          {SORTS.map((sort) => (
            <option key={sort} value={sort}>
              {t.sort[sort]}
            </option>
          ))}
        </select>
      </label>
    </div>
  );
}
