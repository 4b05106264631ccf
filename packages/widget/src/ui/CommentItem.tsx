import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import type { FormSignals } from '../api.js';
import type { FeatureContext } from '../features/context.js';
import type { Strings } from '../i18n/index.js';
import type { ThreadState } from '../thread.js';
import type { Comment, Viewer } from '../types.js';
import { Avatar } from './Avatar.js';
import { type Commenting, Composer } from './Composer.js';
import { Lazy } from './lazy.js';
import { Time } from './Time.js';

// Parts a comment shows only when asked: each its own chunk.
const loadAsk = () => import('../features/ask/Ask.js');
const loadReport = () => import('../features/report/index.js');

export interface CommentActions extends Commenting {
  vote(id: string, direction: 'up' | 'down'): void;
  reply(parentId: string, text: string, form: FormSignals): Promise<void>;
  edit(id: string, text: string): Promise<void>;
  remove(id: string): Promise<void>;
  typing(replyTo: string | null): void;
  /** Loads the next replies of a comment. */
  moreReplies(id: string): Promise<void>;
}

interface Props {
  t: Strings;
  ctx: FeatureContext;
  id: string;
  thread: ThreadState;
  viewer: Viewer | null;
  actions: CommentActions;
  fresh: boolean;
  /** Moderators' inline tools (a lazy chunk), when the viewer moderates. */
  tools?: ((comment: Comment) => ComponentChildren) | null;
}

/** One comment and its replies. `h` is HTML the server rendered and sanitised; nothing else is inserted as HTML. */
export function CommentItem({ t, ctx, id, thread, viewer, actions, fresh, tools }: Props) {
  const comment = thread.byId[id];
  const [replying, setReplying] = useState(false);
  const [editing, setEditing] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const [collapsed, setCollapsed] = useState(false);
  const [reporting, setReporting] = useState(false);
  const [expanded, setExpanded] = useState(false);
  if (!comment) return null;
  const deleted = comment.s === 'deleted';
  const children = thread.replies[id] ?? [];
  // Replies not loaded yet: `rx` says where they start.
  const left = comment.rx === undefined ? 0 : (comment.rc as number) - children.length;
  const score = comment.u - comment.d;
  const own = viewer !== null && viewer.id === comment.a;
  const long = !deleted && isLong(comment.t);
  return (
    <li class={`tk-comment${fresh ? ' tk-new' : ''}`} id={`comment-${id}`}>
      <article aria-label={`${t.commentLabel}: ${deleted ? t.deleted : comment.n}`}>
        <Avatar name={deleted ? '' : comment.n} url={deleted ? null : comment.p} />
        <div class="tk-head">
          <span class={`tk-author${comment.g ? ' tk-guest' : ''}`}>{deleted ? t.deleted : comment.n}</span>
          {comment.ro && <span class="tk-badge tk-role">{t.roles[comment.ro]}</span>}
          {comment.a && ctx.pageAuthors.includes(comment.a) && (
            <span class="tk-badge tk-role">{t.pageAuthor}</span>
          )}
          {own && <span class="tk-badge tk-you">{t.you}</span>}
          {comment.g && !deleted && <span class="tk-badge">{t.guest}</span>}
          {thread.pinned.includes(id) && <span class="tk-badge">{t.pinned}</span>}
          <Time t={t} at={comment.c} />
          {comment.e ? <span class="tk-muted">({t.edited})</span> : null}
          {comment.s === 'pending' && <span class="tk-badge">{t.awaitingApproval}</span>}
        </div>
        {/* The server rendered and sanitised this HTML with an allow-list; nothing else is inserted as HTML. */}
        {!deleted && !editing && (
          <div
            class={`tk-body${long && !expanded ? ' tk-clamp' : ''}`}
            dangerouslySetInnerHTML={{ __html: comment.h }}
          />
        )}
        {long && !editing && (
          <button
            type="button"
            class="tk-link tk-fold"
            aria-expanded={expanded}
            onClick={() => setExpanded(!expanded)}
          >
            {expanded ? t.showLess : t.showMore}
          </button>
        )}
        {editing && (
          <Composer
            t={t}
            viewer={viewer}
            initial={comment.t}
            ctx={ctx}
            commenting={actions}
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
              disabled={!viewer || own}
              onClick={() => actions.vote(id, 'up')}
            >
              ▲
            </button>
            <span class="tk-score">
              <span aria-hidden="true">{score}</span>
              <span class="tk-sr">{t.score(score)}</span>
            </span>
            <button
              type="button"
              class="tk-link tk-vote"
              aria-label={t.downvote}
              aria-pressed={comment.v === 'down'}
              disabled={!viewer || own}
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
            {own && (
              <>
                <button type="button" class="tk-link" onClick={() => setEditing(true)}>
                  {t.edit}
                </button>
                <button type="button" class="tk-link" onClick={() => setConfirming(true)}>
                  {t.delete}
                </button>
              </>
            )}
            {viewer && !own && !reporting && (
              <button type="button" class="tk-link" onClick={() => setReporting(true)}>
                {t.report}
              </button>
            )}
          </div>
        )}
        {confirming && (
          <Lazy
            load={loadAsk}
            render={(ask) => (
              <ask.Ask
                question={t.confirmDelete}
                confirmLabel={t.delete}
                cancelLabel={t.cancel}
                onConfirm={() => void actions.remove(id)}
                onCancel={() => setConfirming(false)}
              />
            )}
          />
        )}
        {reporting && (
          <Lazy
            load={loadReport}
            render={(report) => (
              <report.ReportForm ctx={ctx} commentId={id} onClose={() => setReporting(false)} />
            )}
          />
        )}
        {tools?.(comment)}
      </article>
      {replying && (
        <Composer
          t={t}
          viewer={viewer}
          reply
          ctx={ctx}
          commenting={actions}
          onTyping={() => actions.typing(id)}
          onCancel={() => setReplying(false)}
          onSubmit={async (text, form) => {
            await actions.reply(id, text, form);
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
      {(children.length > 0 || left > 0) && !collapsed && (
        <ul class="tk-replies">
          {children.map((child) => (
            <CommentItem
              key={child}
              t={t}
              ctx={ctx}
              id={child}
              thread={thread}
              viewer={viewer}
              actions={actions}
              fresh={false}
              tools={tools}
            />
          ))}
          {/* The rest of the replies load under the ones shown, in their place. */}
          {left > 0 && (
            <li>
              <button type="button" class="tk-link" onClick={() => void actions.moreReplies(id)}>
                {t.showReplies(left)}
              </button>
            </li>
          )}
        </ul>
      )}
    </li>
  );
}

/** A comment long enough to show folded, with "Show more": by its length or its lines. */
export function isLong(markdown: string): boolean {
  return markdown.length > 700 || markdown.split('\n').length > 12;
}
