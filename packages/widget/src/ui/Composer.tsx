import { useRef, useState } from 'preact/hooks';
import type { ApiError, FormSignals } from '../api.js';
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
  /** `form`: the guest bot traps' signals (an edit sends none). */
  onSubmit(text: string, form: FormSignals): Promise<void>;
  commenting: Commenting;
  onTyping(): void;
  onCancel?: () => void;
}

/**
 * The comment box, with a Markdown preview (a lazy chunk); a reader who is not
 * signed in gives a name and comments as a guest, or signs in. It sends the
 * server's guest bot traps a hidden honeypot field and how long the comment
 * took: from the first focus in the form (its showing, if nothing focused it).
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
  const shownAt = useRef(performance.now());
  const startedAt = useRef(0);
  const honeypot = useRef<HTMLInputElement>(null);

  const submit = async (event: Event) => {
    event.preventDefault();
    if (!text.trim() || busy) return;
    setBusy(true);
    setError(null);
    try {
      if (!viewer) await commenting.guest(name.trim());
      await onSubmit(text, {
        website: honeypot.current!.value,
        // Kept under the field's maximum (a form left open for weeks).
        elapsed_ms: Math.min(2e9, Math.round(performance.now() - (startedAt.current || shownAt.current))),
      });
      setText('');
      // The next comment is timed on its own.
      startedAt.current = 0;
      shownAt.current = performance.now();
    } catch (failure) {
      // An ApiError, or anything thrown; a full plan is said in the reader's language (the server says it in English).
      const problem = failure as Partial<ApiError> | undefined;
      setError((problem?.code === 'plan_limit' && t.planLimit) || problem?.message || t.error);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form
      class="tk-form"
      onSubmit={submit}
      onFocusIn={() => {
        startedAt.current ||= performance.now();
        if (!viewer) commenting.checkGuests();
      }}
    >
      {/* For bots that fill in every field: out of sight, of the keyboard's reach and of screen readers. */}
      <input
        ref={honeypot}
        name="website"
        class="tk-hp"
        tabIndex={-1}
        autocomplete="off"
        aria-hidden="true"
      />
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
