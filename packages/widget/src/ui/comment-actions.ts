import { useRef, useState } from 'preact/hooks';
import type { ApiClient } from '../api.js';
import { addComment, castVote, removeComment, replaceOwn, settleVote } from '../thread.js';
import type { CommentActions } from './CommentItem.js';
import type { ThreadView } from './thread-view.js';

/** Typing is sent about once a second while the user types (`api.md`). */
const TYPING_EVERY_MS = 1000;

export interface Commands extends CommentActions {
  /** Posts a comment at the top of the thread. */
  post(text: string): Promise<void>;
}

/**
 * What readers do to the thread: post, reply, edit, delete, vote, load more
 * replies, say they are typing, and comment as a guest or sign in to.
 */
export function useCommentActions(
  api: ApiClient,
  page: { url?: string; key?: string },
  { update, latest, reload, socket }: ThreadView,
  signIn: () => void,
): Commands {
  const voting = useRef(new Set<string>());
  const lastTyping = useRef(0);
  const [guests, setGuests] = useState(true);
  const methodsAsked = useRef(false);
  const send = async (text: string, parentId?: string) => {
    const comment = await api.post(page, text, parentId);
    update((current) => addComment(current, comment, true));
  };
  return {
    post: (text) => send(text),
    reply: (parentId, text) => send(text, parentId),
    vote: (id, direction) => {
      // One vote per comment in flight: answers to quick double clicks could settle out of order.
      if (voting.current.has(id)) return;
      voting.current.add(id);
      update((current) => castVote(current, id, direction));
      api
        .vote(id, direction)
        .then((answer) => update((current) => settleVote(current, id, answer)))
        .catch(reload)
        .finally(() => voting.current.delete(id));
    },
    edit: async (id, text) => {
      const comment = await api.edit(id, text);
      update((current) => replaceOwn(current, comment));
    },
    remove: async (id) => {
      await api.remove(id);
      update((current) => removeComment(current, id));
    },
    moreReplies: (id) => import('../features/replies.js').then((m) => m.showMore(api, id, latest, update)),
    guest: async (name) => {
      await api.signInAsGuest(name);
      socket.current?.restart();
    },
    signIn,
    guests,
    checkGuests: () => {
      if (methodsAsked.current) return;
      methodsAsked.current = true;
      api.call<{ methods: string[] }>('GET', '/v1/auth/methods').then(
        (answer) => setGuests(answer.methods.includes('guest')),
        () => {},
      );
    },
    typing: (replyTo) => {
      const at = Date.now();
      const { pageId } = latest.current;
      if (at - lastTyping.current < TYPING_EVERY_MS || !pageId || !api.viewer) return;
      lastTyping.current = at;
      socket.current?.send('typing', { page_id: pageId, reply_to: replyTo });
    },
  };
}
