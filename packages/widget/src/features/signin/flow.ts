import { useRef, useState } from 'preact/hooks';
import type { Tokens } from '../../api.js';
import { isolate } from '../../i18n/bidi.js';
import type { PanelProps } from '../context.js';
import type { SignInStrings } from './i18n/en.js';
import { type Action, Fields, problemOf, START, type Step } from './logic.js';

/** How long a code works (`api.md`, Auth). */
const CODE_MINUTES = 10;

/** The dialog's state and what its forms do with it, once its words are there. */
export interface Flow {
  w: SignInStrings;
  step: Step;
  busy: boolean;
  error: string | null;
  notice: string | null;
  setError(error: string | null): void;
  setNotice(notice: string | null): void;
  /** To another step, with a fresh status line. */
  go(next: Step, notice?: string | null): void;
  /** One request at a time; a failure is said in plain words. */
  run(action: Action, work: () => Promise<void>): Promise<void>;
  /** A form's submit: its fields are read when it is sent (no state per field). */
  submit(action: Action, work: (fields: Fields) => Promise<void>): (event: Event) => void;
  call<T>(method: string, path: string, payload?: unknown): Promise<T>;
  /**
   * Signed in with `tokens` while the dialog stays open for a code: the reader
   * is signed in however it closes.
   */
  adopt(tokens: Tokens): void;
  /** Signed in with `tokens`: the dialog is done. */
  finish(tokens: Tokens): void;
  /** The reader is signed in: the dialog is done. */
  done(): void;
  /** Closed by the reader. */
  close(): void;
  /** "We sent a code to …", and how long it works. */
  sentTo(to: string, sent?: (to: string) => string): string;
}

/** The sign-in's steps and requests; null while its words load. */
export function useSignIn(
  { ctx, setMe, onClose, onSession: onSignedIn }: PanelProps,
  w: SignInStrings | null,
): Flow | null {
  const [step, setStep] = useState<Step>(START);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const adopted = useRef(false);
  if (!w) return null;

  const signIn = (tokens: Tokens) => {
    ctx.api.adopt(tokens);
    // A guest who became the account keeps their id, so the app would keep showing the guest's name.
    const { id, name } = tokens.user;
    setMe((current) => (current?.id === id ? { ...current, name, guest: false } : current));
  };
  const run = async (action: Action, work: () => Promise<void>) => {
    if (busy) return;
    setBusy(true);
    setError(null);
    try {
      await work();
    } catch (failure) {
      setNotice(null);
      setError(w.errors[problemOf(failure, action)]);
    } finally {
      setBusy(false);
    }
  };
  return {
    w,
    step,
    busy,
    error,
    notice,
    setError,
    setNotice,
    go: (next, message = null) => {
      setStep(next);
      setError(null);
      setNotice(message);
    },
    run,
    submit: (action, work) => (event) => {
      event.preventDefault();
      const fields = new Fields(new FormData(event.currentTarget as HTMLFormElement));
      void run(action, () => work(fields));
    },
    call: (method, path, payload) => ctx.api.call(method, path, payload),
    adopt: (tokens) => {
      signIn(tokens);
      adopted.current = true;
    },
    finish: (tokens) => {
      signIn(tokens);
      onSignedIn();
    },
    done: onSignedIn,
    close: () => (adopted.current ? onSignedIn() : onClose()),
    sentTo: (to, sent = w.codeSent) => `${sent(isolate(to))} ${w.validFor(CODE_MINUTES)}`,
  };
}
