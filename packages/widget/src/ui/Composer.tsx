import { useId, useState } from 'preact/hooks';
import type { Strings } from '../i18n/index.js';
import type { Viewer } from '../types.js';

interface Props {
  t: Strings;
  viewer: Viewer | null;
  reply?: boolean;
  /** Editing: the text to start from, and the submit button says "Save". */
  initial?: string;
  onSubmit(text: string): Promise<void>;
  onGuest(name: string): Promise<void>;
  onTyping(): void;
  onCancel?: () => void;
}

/** The comment box; a reader who is not signed in gives a name and comments as a guest. */
export function Composer({ t, viewer, reply, initial, onSubmit, onGuest, onTyping, onCancel }: Props) {
  const [text, setText] = useState(initial ?? '');
  const fieldId = useId();
  const [name, setName] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const submit = async (event: Event) => {
    event.preventDefault();
    if (!text.trim() || busy) return;
    setBusy(true);
    setError(null);
    try {
      if (!viewer) await onGuest(name.trim());
      await onSubmit(text);
      setText('');
    } catch (failure) {
      setError(failure instanceof Error && failure.message ? failure.message : t.error);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form class="tk-form" onSubmit={submit}>
      <label class="tk-sr" for={fieldId}>
        {t.placeholder}
      </label>
      <textarea
        id={fieldId}
        placeholder={t.placeholder}
        value={text}
        maxLength={10_000}
        onInput={(event) => {
          setText((event.target as HTMLTextAreaElement).value);
          onTyping();
        }}
      />
      <div class="tk-row">
        {!viewer && (
          <input
            aria-label={t.yourName}
            placeholder={t.yourName}
            value={name}
            required
            maxLength={50}
            onInput={(event) => setName((event.target as HTMLInputElement).value)}
          />
        )}
        <button class="tk-primary" type="submit" disabled={busy || !text.trim() || (!viewer && !name.trim())}>
          {initial !== undefined ? t.save : viewer ? (reply ? t.postReply : t.post) : t.continueAsGuest}
        </button>
        {onCancel && (
          <button type="button" onClick={onCancel}>
            {t.cancel}
          </button>
        )}
      </div>
      {error && (
        <p role="alert" class="tk-muted">
          {error}
        </p>
      )}
    </form>
  );
}
