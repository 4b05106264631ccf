import { useEffect, useRef, useState } from 'preact/hooks';
import type { Strings } from '../i18n/index.js';
import type { ThreadState } from '../thread.js';
import { REPORT_REASONS, type ReportReason, type Viewer } from '../types.js';
import { Composer } from './Composer.js';

export interface CommentActions {
  vote(id: string, direction: 'up' | 'down'): void;
  reply(parentId: string, text: string): Promise<void>;
  edit(id: string, text: string): Promise<void>;
  remove(id: string): Promise<void>;
  report(id: string, reason: ReportReason): Promise<void>;
  guest(name: string): Promise<void>;
  typing(replyTo: string | null): void;
}

interface Props {
  t: Strings;
  id: string;
  thread: ThreadState;
  viewer: Viewer | null;
  actions: CommentActions;
  fresh: boolean;
}

/** One comment and its replies. `h` is HTML the server rendered and sanitised; nothing else is inserted as HTML. */
export function CommentItem({ t, id, thread, viewer, actions, fresh }: Props) {
  const comment = thread.byId[id];
  const [replying, setReplying] = useState(false);
  const [editing, setEditing] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const confirmButton = useRef<HTMLButtonElement>(null);
  const [collapsed, setCollapsed] = useState(false);
  const [reporting, setReporting] = useState<'closed' | 'open' | 'sent'>('closed');
  const [reason, setReason] = useState<ReportReason>('spam');
  // The question replaces the Delete button: focus moves to its answer, so keyboard users stay in place.
  useEffect(() => {
    if (confirming) confirmButton.current?.focus();
  }, [confirming]);
  if (!comment) return null;
  const deleted = comment.s === 'deleted';
  const children = thread.replies[id] ?? [];
  const score = comment.u - comment.d;
  const own = viewer !== null && viewer.id === comment.a;
  return (
    <li class={`tk-comment${fresh ? ' tk-new' : ''}`} id={`comment-${id}`}>
      <article aria-label={`${t.commentLabel}: ${deleted ? t.deleted : comment.n}`}>
        <div class="tk-head">
          <span class="tk-author">{deleted ? t.deleted : comment.n}</span>
          {comment.ro && <span class="tk-badge">{comment.ro}</span>}
          {thread.pinned.includes(id) && <span class="tk-badge">{t.pinned}</span>}
          <time class="tk-muted" dateTime={new Date(comment.c * 1000).toISOString()}>
            {t.time(comment.c)}
          </time>
          {comment.e ? <span class="tk-muted">({t.edited})</span> : null}
          {comment.s === 'pending' && <span class="tk-badge">{t.awaitingApproval}</span>}
        </div>
        {/* The server rendered and sanitised this HTML with an allow-list; nothing else is inserted as HTML. */}
        {!deleted && !editing && <div class="tk-body" dangerouslySetInnerHTML={{ __html: comment.h }} />}
        {editing && (
          <Composer
            t={t}
            viewer={viewer}
            initial={comment.t}
            onGuest={actions.guest}
            onTyping={() => {}}
            onCancel={() => setEditing(false)}
            onSubmit={async (text) => {
              await actions.edit(id, text);
              setEditing(false);
            }}
          />
        )}
        {!deleted && !editing && (
          <div class="tk-actions">
            <button
              type="button"
              class="tk-link tk-vote"
              aria-label={t.upvote}
              aria-pressed={comment.v === 'up'}
              disabled={!viewer || viewer.id === comment.a}
              onClick={() => actions.vote(id, 'up')}
            >
              ▲
            </button>
            <span class="tk-muted">
              <span aria-hidden="true">{score}</span>
              <span class="tk-sr">{t.score(score)}</span>
            </span>
            <button
              type="button"
              class="tk-link tk-vote"
              aria-label={t.downvote}
              aria-pressed={comment.v === 'down'}
              disabled={!viewer || viewer.id === comment.a}
              onClick={() => actions.vote(id, 'down')}
            >
              ▼
            </button>
            {!thread.locked && (
              <button
                type="button"
                class="tk-link"
                aria-expanded={replying}
                onClick={() => setReplying(!replying)}
              >
                {t.reply}
              </button>
            )}
            {own && !confirming && (
              <>
                <button type="button" class="tk-link" onClick={() => setEditing(true)}>
                  {t.edit}
                </button>
                <button type="button" class="tk-link" onClick={() => setConfirming(true)}>
                  {t.delete}
                </button>
              </>
            )}
            {viewer && !own && reporting === 'closed' && (
              <button type="button" class="tk-link" onClick={() => setReporting('open')}>
                {t.report}
              </button>
            )}
            {reporting === 'sent' && (
              <span class="tk-muted" role="status">
                {t.reported}
              </span>
            )}
            {own && confirming && (
              <span>
                <span class="tk-muted">{t.confirmDelete} </span>
                <button
                  type="button"
                  class="tk-link"
                  ref={confirmButton}
                  onClick={() => void actions.remove(id)}
                >
                  {t.delete}
                </button>
                <button type="button" class="tk-link" onClick={() => setConfirming(false)}>
                  {t.cancel}
                </button>
              </span>
            )}
          </div>
        )}
        {reporting === 'open' && (
          <form
            class="tk-row"
            onSubmit={(event) => {
              event.preventDefault();
              void actions.report(id, reason).then(() => setReporting('sent'));
            }}
          >
            <label>
              {t.reportReason}{' '}
              <select
                value={reason}
                onChange={(event) => setReason((event.target as HTMLSelectElement).value as ReportReason)}
              >
                {REPORT_REASONS.map((value) => (
                  <option key={value} value={value}>
                    {t.reasons[value]}
                  </option>
                ))}
              </select>
            </label>
            <button type="submit">{t.sendReport}</button>
            <button type="button" onClick={() => setReporting('closed')}>
              {t.cancel}
            </button>
          </form>
        )}
      </article>
      {replying && (
        <Composer
          t={t}
          viewer={viewer}
          reply
          onGuest={actions.guest}
          onTyping={() => actions.typing(id)}
          onCancel={() => setReplying(false)}
          onSubmit={async (text) => {
            await actions.reply(id, text);
            setReplying(false);
          }}
        />
      )}
      {children.length > 0 && (
        <button
          type="button"
          class="tk-link"
          aria-expanded={!collapsed}
          onClick={() => setCollapsed(!collapsed)}
        >
          {collapsed ? t.showReplies(children.length) : t.hideReplies}
        </button>
      )}
      {children.length > 0 && !collapsed && (
        <ul class="tk-replies">
          {children.map((child) => (
            <CommentItem
              key={child}
              t={t}
              id={child}
              thread={thread}
              viewer={viewer}
              actions={actions}
              fresh={false}
            />
          ))}
        </ul>
      )}
    </li>
  );
}
