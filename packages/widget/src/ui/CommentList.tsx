import { useEffect, useRef, useState } from 'preact/hooks';
import type { FeatureContext } from '../features/context.js';
import type { Strings } from '../i18n/index.js';
import { revealUnseen } from '../thread.js';
import type { Viewer } from '../types.js';
import { type CommentActions, CommentItem } from './CommentItem.js';
import { useLinkedComment } from './linked-comment.js';
import { shownRoots } from './roots.js';
import type { ThreadView } from './thread-view.js';

interface Props {
  t: Strings;
  ctx: FeatureContext;
  view: ThreadView;
  viewer: Viewer | null;
  actions: CommentActions;
  /** The moderation chunk, when the viewer moderates and it has arrived. */
  moderation: typeof import('../features/moderation/index.js') | null;
}

/** The comments: new ones behind a banner, pinned ones first, and further pages on demand. */
export function CommentList({ t, ctx, view, viewer, actions, moderation }: Props) {
  const { thread, update, loadMore } = view;
  // The comments the reader just revealed from the banner, marked as new.
  const [fresh, setFresh] = useState<string[]>([]);
  const list = useRef<HTMLUListElement>(null);
  useLinkedComment(list, loadMore);
  // "3 minutes ago" stays true: the comments are drawn again every half minute.
  const [, tick] = useState(0);
  useEffect(() => {
    const timer = setInterval(() => tick((n) => n + 1), 30_000);
    return () => clearInterval(timer);
  }, []);
  const roots = shownRoots(thread);
  return (
    <>
      {thread.unseen.length > 0 && (
        <button
          type="button"
          class="tk-banner"
          aria-live="polite"
          onClick={() => {
            setFresh(thread.unseen);
            update(revealUnseen);
          }}
        >
          {t.newComments(thread.unseen.length)}
        </button>
      )}
      {roots.length === 0 ? (
        <p class="tk-muted">{t.empty}</p>
      ) : (
        <ul class="tk-list" ref={list}>
          {roots.map((id) => (
            <CommentItem
              key={id}
              t={t}
              ctx={ctx}
              id={id}
              thread={thread}
              viewer={viewer}
              actions={actions}
              fresh={fresh.includes(id)}
              tools={
                moderation &&
                ((comment) => (
                  <moderation.ModTools ctx={ctx} comment={comment} thread={thread} update={update} />
                ))
              }
            />
          ))}
        </ul>
      )}
      {thread.nextCursor && (
        <button type="button" onClick={() => void loadMore()}>
          {t.loadMore}
        </button>
      )}
    </>
  );
}
