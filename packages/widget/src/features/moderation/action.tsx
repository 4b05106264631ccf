import type { RefObject } from 'preact';
import { useState } from 'preact/hooks';
import type { ApiError } from '../../api.js';
import type { ModerationStrings } from './i18n/index.js';

export interface Action {
  busy: boolean;
  /** The last result, said politely. */
  note: string;
  /** Why the last action failed, in plain words. */
  error: string;
  /**
   * Sends `request`; on success `done` changes the thread and returns the
   * result to say. `conflict` names what a 409 means for this action.
   */
  run(request: () => Promise<unknown>, done: () => string, conflict?: string): Promise<void>;
  say(message: string): void;
  clear(): void;
}

/** One action at a time, its result or error, and focus kept in the tools when the pressed button goes away. */
export function useAction(words: ModerationStrings | null, home: RefObject<HTMLElement>): Action {
  const [busy, setBusy] = useState(false);
  const [note, setNote] = useState('');
  const [error, setError] = useState('');
  const say = (message: string) => {
    setError('');
    setNote(message);
  };
  return {
    busy,
    note,
    error,
    say,
    clear: () => say(''),
    run: async (request, done, conflict) => {
      if (busy || !words) return;
      setBusy(true);
      say('');
      try {
        await request();
        setNote(done());
        keepFocus(home);
      } catch (failure) {
        setError(explain(failure, words, conflict));
      } finally {
        setBusy(false);
      }
    },
  };
}

/** After the next render: if the focused control went away with it, focus `home` instead of the page's body. */
export function keepFocus(home: RefObject<HTMLElement>): void {
  setTimeout(() => {
    const lost = !document.activeElement || document.activeElement === document.body;
    if (lost && home.current?.isConnected) home.current.focus();
  });
}

/** Plain words for an API failure. */
function explain(failure: unknown, words: ModerationStrings, conflict?: string): string {
  const { status } = (failure ?? {}) as Partial<ApiError>;
  if (status === 401 || status === 403) return words.errors.notAllowed;
  if (status === 404) return words.errors.gone;
  if (status === 409 && conflict) return conflict;
  if (status === 429) return words.errors.busy;
  if (status === 0) return words.errors.offline;
  return words.errors.failed;
}

/** The polite status line (always there, so screen readers hear it change) and any error. */
export function Outcome({ action, noteRef }: { action: Action; noteRef?: RefObject<HTMLParagraphElement> }) {
  return (
    <>
      <p class="tk-muted tk-mod-note" role="status" ref={noteRef} tabIndex={noteRef ? -1 : undefined}>
        {action.note}
      </p>
      {action.error && (
        <p class="tk-error" role="alert">
          {action.error}
        </p>
      )}
    </>
  );
}
