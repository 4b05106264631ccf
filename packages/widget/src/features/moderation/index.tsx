import type { RefObject } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import type { ApiError } from '../../api.js';
import { useFeatureStrings } from '../../i18n/feature.js';
import type { ThreadState } from '../../thread.js';
import type { Comment } from '../../types.js';
import { Ask } from '../ask/Ask.js';
import type { FeatureContext } from '../context.js';
import { useElementId } from '../ids.js';
import { publish, removeComment, setLocked, setPinned, withoutAuthor } from './changes.js';
import { loaders, type ModerationStrings } from './i18n/index.js';
import styles from './moderation.css?inline';

type Update = (change: (state: ThreadState) => ThreadState) => void;

/** The server's limit on pinned comments per page (`docs/api.md`). */
const MAX_PINS = 10;

export interface ModToolsProps {
  ctx: FeatureContext;
  comment: Comment;
  thread: ThreadState;
  update: Update;
}

type Question = 'delete' | 'ban' | 'shadowBan';

/**
 * A moderator's tools under one comment: approve or reject a held comment,
 * and behind a "Moderate" disclosure (so the thread stays calm) pin, delete,
 * ban and shadow-ban, each destructive one asked first.
 */
export function ModTools({ ctx, comment, thread, update }: ModToolsProps) {
  const words = useModerationStrings(ctx);
  const [open, setOpen] = useState(false);
  const [asking, setAsking] = useState<Question | null>(null);
  const [clearComments, setClearComments] = useState(false);
  const [reason, setReason] = useState('');
  const toggle = useRef<HTMLButtonElement>(null);
  const action = useAction(words, toggle);
  const panelId = useElementId();
  if (!words || comment.s === 'deleted') return null;

  const id = comment.i;
  const author = comment.a;
  const name = comment.n;
  const own = author !== null && author === ctx.api.viewer?.id;
  const pinned = thread.pinned.includes(id);
  const canPin = !comment.pid && comment.s === 'approved';
  const canDelete = !own;
  // Staff are not banned from here (the server refuses equal or higher rank); a deleted account has no author.
  const canBan = !own && author !== null && !comment.ro;
  const held = comment.s === 'pending' || comment.s === 'rejected';
  if (!held && !canPin && !canDelete && !canBan) return null;

  const path = `/v1/comments/${encodeURIComponent(id)}`;
  const answered = (message: string, removed: boolean) => {
    setAsking(null);
    // The comment leaves the thread, and this note with it: the page tools say it instead.
    if (!removed) return message;
    announce(ctx, message);
    return '';
  };
  const judge = (decision: 'approve' | 'reject') =>
    action.run(
      () => ctx.api.call('POST', `/v1/moderation/${decision}/${encodeURIComponent(id)}`),
      () => {
        if (decision === 'approve') {
          update((state) => publish(state, id));
          return words.done.approved;
        }
        // Rejected, it leaves the live thread (moderators get its delete_comment too).
        update((state) => removeComment(state, id));
        return answered(words.done.rejected, true);
      },
    );
  const pin = () =>
    action.run(
      () => ctx.api.call('POST', `${path}/${pinned ? 'unpin' : 'pin'}`),
      () => {
        update((state) => setPinned(state, id, !pinned));
        return pinned ? words.done.unpinned : words.done.pinned;
      },
      words.errors.pinLimit(MAX_PINS),
    );
  const confirm = () => {
    if (asking === 'delete') {
      return action.run(
        () => ctx.api.call('DELETE', path),
        () => {
          update((state) => removeComment(state, id));
          return answered(words.done.deleted, true);
        },
      );
    }
    if (!author) return;
    const user = encodeURIComponent(author);
    if (asking === 'ban') {
      const body = { delete_comments: clearComments, ...(reason.trim() ? { reason: reason.trim() } : {}) };
      return action.run(
        () => ctx.api.call('POST', `/v1/moderation/ban/${user}`, body),
        () => {
          if (clearComments) update((state) => withoutAuthor(state, author));
          return answered(
            clearComments ? words.done.bannedAndCleared(name) : words.done.banned(name),
            clearComments,
          );
        },
      );
    }
    return action.run(
      () => ctx.api.call('POST', `/v1/moderation/shadowban/${user}`),
      () => answered(words.done.shadowBanned(name), false),
    );
  };
  const ask = (question: Question) => {
    action.clear();
    setAsking(question);
  };

  return (
    <div class="tk-mod">
      <div class="tk-row">
        {comment.s === 'rejected' && <span class="tk-badge">{words.rejectedBadge}</span>}
        {held && !asking && (
          <>
            <button type="button" disabled={action.busy} onClick={() => judge('approve')}>
              {words.approve}
            </button>
            {comment.s === 'pending' && (
              <button type="button" disabled={action.busy} onClick={() => judge('reject')}>
                {words.reject}
              </button>
            )}
          </>
        )}
        {(canPin || canDelete || canBan) && (
          <button
            type="button"
            class="tk-link"
            ref={toggle}
            aria-expanded={open}
            aria-controls={panelId}
            onClick={() => {
              setOpen(!open);
              setAsking(null);
            }}
          >
            {words.moderate}
          </button>
        )}
      </div>
      <fieldset id={panelId} class="tk-row tk-mod-tools" aria-label={words.tools} hidden={!open || !!asking}>
        {canPin && (
          <button type="button" disabled={action.busy} onClick={pin}>
            {pinned ? words.unpin : words.pin}
          </button>
        )}
        {canDelete && (
          <button type="button" onClick={() => ask('delete')}>
            {words.delete}
          </button>
        )}
        {canBan && (
          <>
            <button type="button" onClick={() => ask('ban')}>
              {words.ban}
            </button>
            <button type="button" onClick={() => ask('shadowBan')}>
              {words.shadowBan}
            </button>
          </>
        )}
      </fieldset>
      {asking && (
        <Ask
          question={
            asking === 'delete'
              ? words.confirmDelete
              : asking === 'ban'
                ? words.confirmBan(name)
                : words.confirmShadowBan(name)
          }
          confirmLabel={asking === 'delete' ? words.delete : asking === 'ban' ? words.ban : words.shadowBan}
          cancelLabel={ctx.t.cancel}
          busy={action.busy}
          onConfirm={() => void confirm()}
          onCancel={() => {
            setAsking(null);
            action.clear();
            toggle.current?.focus();
          }}
        >
          {asking === 'ban' && (
            <>
              <label>
                <input
                  type="checkbox"
                  checked={clearComments}
                  onChange={(event) => setClearComments((event.target as HTMLInputElement).checked)}
                />
                {words.deleteTheirComments}
              </label>
              <label>
                {words.reason}
                <input
                  value={reason}
                  maxLength={500}
                  onInput={(event) => setReason((event.target as HTMLInputElement).value)}
                />
              </label>
            </>
          )}
        </Ask>
      )}
      <Outcome action={action} />
    </div>
  );
}

export interface PageToolsProps {
  ctx: FeatureContext;
  thread: ThreadState;
  update: Update;
}

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
  useEffect(() => {
    listeners.set(ctx, (message) => {
      say(message);
      // The control that had focus went away with its comment: the message takes it, so keyboard users are not lost.
      note.current?.focus();
    });
    return () => void listeners.delete(ctx);
  }, [ctx]);

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

function useModerationStrings(ctx: FeatureContext): ModerationStrings | null {
  return useFeatureStrings('moderation', loaders, ctx.lang, ctx.overrides);
}

/** Where each widget's page tools listen, by the widget's feature context: two threads on one page stay apart. */
const listeners = new WeakMap<FeatureContext, (message: string) => void>();

/** Says `message` in the page tools' status line (for results whose comment has left the thread). */
function announce(ctx: FeatureContext, message: string): void {
  listeners.get(ctx)?.(message);
}

interface Action {
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
function useAction(words: ModerationStrings | null, home: RefObject<HTMLElement>): Action {
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
function keepFocus(home: RefObject<HTMLElement>): void {
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
function Outcome({ action, noteRef }: { action: Action; noteRef?: RefObject<HTMLParagraphElement> }) {
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
