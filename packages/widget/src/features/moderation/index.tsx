import { useRef, useState } from 'preact/hooks';
import type { ThreadState } from '../../thread.js';
import { Ask } from '../ask/Ask.js';
import type { FeatureContext } from '../context.js';
import { keepFocus, Outcome, useAction } from './action.js';
import { useAnnouncements } from './announce.js';
import { setLocked } from './changes.js';
import styles from './moderation.css?inline';
import { useModerationStrings } from './words.js';

interface PageToolsProps {
  ctx: FeatureContext;
  thread: ThreadState;
  update(change: (state: ThreadState) => ThreadState): void;
}

// The moderation chunk: the page's tools, here, and each comment's. The page tools stay in
// the chunk's entry module because it must import Ask itself: otherwise the bundler renames
// the Ask chunk's exports, and the comments' lazy import of it needs a helper that becomes a
// chunk of its own (one more request, also for the site-strings chunk that shares it).
export { ModTools } from './ModTools.js';

/**
 * Above the thread: close or reopen comments on this page (closing is asked
 * first), and the place where results about comments that left the thread
 * (deleted, their author banned) are said. It also carries the tools' styles,
 * once for the whole thread.
 */
export function PageTools({ ctx, thread, update }: PageToolsProps) {
  const words = useModerationStrings(ctx);
  const [asking, setAsking] = useState(false);
  const button = useRef<HTMLButtonElement>(null);
  const action = useAction(words, button);
  const note = useRef<HTMLParagraphElement>(null);
  const { say } = action;
  useAnnouncements(ctx, (message) => {
    say(message);
    // The control that had focus went away with its comment: the message takes it, so keyboard users are not lost.
    note.current?.focus();
  });

  if (!words) return <style>{styles}</style>;
  // Without a page the server would lock the whole site (an admin's decision, not this button's).
  const page = { page_url: ctx.page.url, page_key: ctx.page.key };
  const hasPage = !!(page.page_url || page.page_key);
  const lock = (locked: boolean) =>
    action.run(
      () => ctx.api.call('POST', `/v1/moderation/${locked ? 'lock' : 'unlock'}`, page),
      () => {
        update((state) => setLocked(state, locked));
        setAsking(false);
        return locked ? words.done.locked : words.done.unlocked;
      },
    );

  return (
    <section class="tk-mod tk-mod-page" aria-label={words.pageTools}>
      <style>{styles}</style>
      {hasPage && !asking && (
        <button
          type="button"
          ref={button}
          disabled={action.busy}
          onClick={() => (thread.locked ? void lock(false) : setAsking(true))}
        >
          {thread.locked ? words.unlock : words.lock}
        </button>
      )}
      {asking && (
        <Ask
          question={words.confirmLock}
          confirmLabel={words.lock}
          cancelLabel={ctx.t.cancel}
          busy={action.busy}
          onConfirm={() => void lock(true)}
          onCancel={() => {
            setAsking(false);
            action.clear();
            keepFocus(button);
          }}
        />
      )}
      <Outcome action={action} noteRef={note} />
    </section>
  );
}
