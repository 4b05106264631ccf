import { useState } from 'preact/hooks';
import type { ApiError } from '../api.js';
import type { FeatureContext } from '../features/context.js';
import type { Strings } from '../i18n/index.js';
import type { Viewer } from '../types.js';
import { useLazy } from './lazy.js';

/** How a reader who is not signed in gets to comment: as a guest where the site allows it, or by signing in. */
export interface Commenting {
  guest(name: string): Promise<void>;
  signIn(): void;
  /** False once the site is known not to take guests (until then, assumed so). */
  guests: boolean;
  /** Finds out (once) whether the site takes guests: called when a reader who is not signed in starts writing. */
  checkGuests(): void;
}

interface Props {
  t: Strings;
  ctx: FeatureContext;
  viewer: Viewer | null;
  reply?: boolean;
  /** Editing: the text to start from, and the submit button says "Save". */
  initial?: string;
  onSubmit(text: string): Promise<void>;
  commenting: Commenting;
  onTyping(): void;
  onCancel?: () => void;
}

/**
 * The comment box, with a Markdown preview (a lazy chunk); a reader who is not
 * signed in gives a name and comments as a guest, or signs in.
 */
export function Composer({
  t,
  ctx,
  viewer,
  reply,
  initial,
  onSubmit,
  commenting,
  onTyping,
  onCancel,
}: Props) {
  const { guests } = commenting;
  const [text, setText] = useState(initial ?? '');
  const [previewing, setPreviewing] = useState(false);
  const preview = useLazy(() => import('../features/preview/index.js'), previewing);
  const [name, setName] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const submit = async (event: Event) => {
    event.preventDefault();
    if (!text.trim() || busy) return;
    setBusy(true);
    setError(null);
    try {
      if (!viewer) await commenting.guest(name.trim());
      await onSubmit(text);
      setText('');
    } catch (failure) {
      // An ApiError, or anything thrown; a full plan is said in the reader's language (the server says it in English).
      const problem = failure as Partial<ApiError> | undefined;
      setError((problem?.code === 'plan_limit' && t.planLimit) || problem?.message || t.error);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form class="tk-form" onSubmit={submit} onFocusIn={viewer ? undefined : commenting.checkGuests}>
      {previewing && preview && <preview.Preview ctx={ctx} text={text} />}
      <textarea
        aria-label={t.placeholder}
        // Shown until the preview is there, so the form keeps its height.
        hidden={previewing && !!preview}
        placeholder={t.placeholder}
        value={text}
        maxLength={10_000}
        onInput={(event) => {
          setText((event.target as HTMLTextAreaElement).value);
          onTyping();
        }}
      />
      <div class="tk-row">
        {!viewer && guests && (
          <input
            aria-label={t.yourName}
            placeholder={t.yourName}
            value={name}
            required
            maxLength={50}
            onInput={(event) => setName((event.target as HTMLInputElement).value)}
          />
        )}
        <button type="button" aria-pressed={previewing} onClick={() => setPreviewing(!previewing)}>
          {t.preview}
        </button>
        {(viewer || guests) && (
          <button
            class="tk-primary"
            type="submit"
            disabled={busy || !text.trim() || (!viewer && !name.trim())}
          >
            {initial !== undefined ? t.save : viewer ? (reply ? t.postReply : t.post) : t.continueAsGuest}
          </button>
        )}
        {/* Where guests may not comment, signing in takes the submit button's place. */}
        {!viewer && !guests && (
          <button type="button" class="tk-primary" aria-haspopup="dialog" onClick={commenting.signIn}>
            {t.signIn}
          </button>
        )}
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
