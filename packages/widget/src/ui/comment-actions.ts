import { useRef, useState } from 'preact/hooks';
import type { ApiClient, FormSignals } from '../api.js';
import type { Commanded } from '../features/commands.js';
import type { CommentActions } from './CommentItem.js';
import type { ThreadView } from './thread-view.js';

export interface Commands extends CommentActions {
  /** Posts a comment at the top of the thread. */
  post(text: string, form: FormSignals): Promise<void>;
}

/**
 * What readers do to the thread: post, reply, edit, delete, vote, load more
 * replies, say they are typing, and comment as a guest or sign in. The code
 * that does it is a chunk fetched at once, beside the thread's first read;
 * an action taken before it is there waits for it.
 */
export function useCommentActions(
  api: ApiClient,
  page: { url?: string; key?: string },
  view: ThreadView,
  signIn: () => void,
): Commands {
  const [guests, setGuests] = useState(true);
  const latest = useRef(view);
  latest.current = view;
  const loaded = useRef<Promise<Commanded>>();
  loaded.current ??= import('../features/commands.js').then((chunk) =>
    chunk.commands({ api, page, view: () => latest.current, setGuests }),
  );
  const later = (run: (commands: Commanded) => Promise<void> | void): Promise<void> =>
    loaded.current!.then(run);
  return {
    post: (text, form) => later((c) => c.post(text, form)),
    reply: (parentId, text, form) => later((c) => c.reply(parentId, text, form)),
    vote: (id, direction) => void later((c) => c.vote(id, direction)),
    edit: (id, text) => later((c) => c.edit(id, text)),
    remove: (id) => later((c) => c.remove(id)),
    guest: (name) => later((c) => c.guest(name)),
    checkGuests: () => void later((c) => c.checkGuests()),
    typing: (replyTo) => void later((c) => c.typing(replyTo)),
    moreReplies: (id) =>
      import('../features/replies.js').then((m) => m.showMore(api, id, view.latest, view.update)),
    signIn,
    guests,
  };
}
