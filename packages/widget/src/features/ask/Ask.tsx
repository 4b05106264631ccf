import type { ComponentChildren } from 'preact';
import { useEffect, useRef } from 'preact/hooks';
import { useElementId } from '../ids.js';
import styles from './ask.css?inline';

interface AskProps {
  question: string;
  confirmLabel: string;
  cancelLabel: string;
  /** The answer is on its way: the confirm button waits. */
  busy?: boolean;
  onConfirm(): void;
  onCancel(): void;
  /** Options of the answer (the ban's). */
  children?: ComponentChildren;
}

/** A question before a destructive action, in place of the buttons; Escape cancels. */
export function Ask({ question, confirmLabel, cancelLabel, busy, onConfirm, onCancel, children }: AskProps) {
  const form = useRef<HTMLFormElement>(null);
  const questionId = useElementId();
  useEffect(() => {
    const here = form.current!;
    const root = here.getRootNode() as Document | ShadowRoot;
    const asker = root.activeElement as HTMLElement | null;
    // Focus moves to the question's first control, and back to what asked it when the
    // question goes away while holding focus (answered or cancelled).
    here.querySelector<HTMLElement>('input, button')?.focus();
    return () => {
      if (here.contains(root.activeElement) && asker?.isConnected) asker.focus();
    };
  }, []);
  return (
    <form
      ref={form}
      class="tk-ask"
      aria-labelledby={questionId}
      onSubmit={(event) => {
        event.preventDefault();
        onConfirm();
      }}
      onKeyDown={(event) => {
        if (event.key !== 'Escape') return;
        event.preventDefault();
        onCancel();
      }}
    >
      <style>{styles}</style>
      <p id={questionId}>{question}</p>
      {children}
      <div class="tk-row">
        <button type="submit" class="tk-primary" disabled={busy}>
          {confirmLabel}
        </button>
        <button type="button" onClick={onCancel}>
          {cancelLabel}
        </button>
      </div>
    </form>
  );
}
