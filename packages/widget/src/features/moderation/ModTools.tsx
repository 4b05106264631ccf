import { useRef, useState } from 'preact/hooks';
import type { ThreadState } from '../../thread.js';
import type { Comment } from '../../types.js';
import { Ask } from '../ask/Ask.js';
import type { FeatureContext } from '../context.js';
import { useElementId } from '../ids.js';
import { Outcome, useAction } from './action.js';
import { commentActions, type Question } from './comment-actions.js';
import type { ModerationStrings } from './i18n/index.js';
import { allowedOn } from './rules.js';
import { useModerationStrings } from './words.js';

interface ModToolsProps {
  ctx: FeatureContext;
  comment: Comment;
  thread: ThreadState;
  update(change: (state: ThreadState) => ThreadState): void;
}

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

  const { held, pinned, canPin, canDelete, canBan } = allowedOn(comment, ctx.api.viewer?.id, thread.pinned);
  if (!held && !canPin && !canDelete && !canBan) return null;
  const act = commentActions({
    ctx,
    comment,
    pinned,
    update,
    words,
    action,
    answered: () => setAsking(null),
  });
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
            <button type="button" disabled={action.busy} onClick={() => act.judge('approve')}>
              {words.approve}
            </button>
            {comment.s === 'pending' && (
              <button type="button" disabled={action.busy} onClick={() => act.judge('reject')}>
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
          <button type="button" disabled={action.busy} onClick={act.pin}>
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
          {...questionText(words, asking, comment.n)}
          cancelLabel={ctx.t.cancel}
          busy={action.busy}
          onConfirm={() => void act.confirm(asking, { clearComments, reason })}
          onCancel={() => {
            setAsking(null);
            action.clear();
            toggle.current?.focus();
          }}
        >
          {asking === 'ban' && (
            <BanOptions
              words={words}
              clearComments={clearComments}
              setClearComments={setClearComments}
              reason={reason}
              setReason={setReason}
            />
          )}
        </Ask>
      )}
      <Outcome action={action} />
    </div>
  );
}

/** The question asked before `question`'s action, and its confirm button's label. */
function questionText(words: ModerationStrings, question: Question, name: string) {
  if (question === 'delete') return { question: words.confirmDelete, confirmLabel: words.delete };
  if (question === 'ban') return { question: words.confirmBan(name), confirmLabel: words.ban };
  return { question: words.confirmShadowBan(name), confirmLabel: words.shadowBan };
}

/** A ban's options: the author's comments taken down with it, and a reason. */
function BanOptions(props: {
  words: ModerationStrings;
  clearComments: boolean;
  setClearComments(clear: boolean): void;
  reason: string;
  setReason(reason: string): void;
}) {
  return (
    <>
      <label>
        <input
          type="checkbox"
          checked={props.clearComments}
          onChange={(event) => props.setClearComments((event.target as HTMLInputElement).checked)}
        />
        {props.words.deleteTheirComments}
      </label>
      <label>
        {props.words.reason}
        <input
          value={props.reason}
          maxLength={500}
          onInput={(event) => props.setReason((event.target as HTMLInputElement).value)}
        />
      </label>
    </>
  );
}
