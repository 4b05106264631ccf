import { useState } from 'preact/hooks';
import type { Strings } from '../i18n/index.js';
import type { ThreadState } from '../thread.js';
import type { Viewer } from '../types.js';
import { Composer } from './Composer.js';

export interface CommentActions {
  vote(id: string, direction: 'up' | 'down'): void;
  reply(parentId: string, text: string): Promise<void>;
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
  if (!comment) return null;
  const deleted = comment.s === 'deleted';
  const children = thread.replies[id] ?? [];
  const score = comment.u - comment.d;
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
        {!deleted && <div class="tk-body" dangerouslySetInnerHTML={{ __html: comment.h }} />}
        {!deleted && (
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
          </div>
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
