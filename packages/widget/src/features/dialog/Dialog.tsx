import type { ComponentChildren } from 'preact';
import { useLayoutEffect, useRef } from 'preact/hooks';
import styles from './dialog.css?inline';

interface Props {
  title: string;
  /** The label of the close button (in the widget's language). */
  closeLabel: string;
  onClose(): void;
  children: ComponentChildren;
}

/**
 * A modal dialog for the lazy features (sign-in, profile, notifications): the
 * browser's own `<dialog>` keeps focus inside it and closes on Escape; focus
 * goes back to what had it before (the button that opened it).
 */
export function Dialog({ title, closeLabel, onClose, children }: Props) {
  const ref = useRef<HTMLDialogElement>(null);
  const close = useRef(onClose);
  close.current = onClose;
  // Opened as soon as it is in the page, before the content's own effects run: the browser
  // focuses the first control (the close button), and the content may then move focus to its own.
  useLayoutEffect(() => {
    const dialog = ref.current!;
    const root = dialog.getRootNode() as Document | ShadowRoot;
    const opener = root.activeElement as HTMLElement | null;
    dialog.showModal();
    const onCancel = (event: Event) => {
      event.preventDefault();
      close.current();
    };
    dialog.addEventListener('cancel', onCancel);
    return () => {
      dialog.removeEventListener('cancel', onCancel);
      dialog.close();
      // The opener may have been re-rendered away (signed in): then the widget keeps focus.
      if (opener?.isConnected) opener.focus();
    };
  }, []);
  return (
    <dialog ref={ref} class="tk-dialog" aria-label={title}>
      <style>{styles}</style>
      <div class="tk-dialog-head">
        <h2>{title}</h2>
        <button type="button" class="tk-link" aria-label={closeLabel} onClick={onClose}>
          ×
        </button>
      </div>
      {children}
    </dialog>
  );
}
