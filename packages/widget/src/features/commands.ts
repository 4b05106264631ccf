import type { ApiClient, FormSignals, Tokens } from '../api.js';
import { addComment, castVote, removeComment, replaceOwn, settleVote } from '../thread-changes.js';
import type { Comment } from '../types.js';
import type { Commands } from '../ui/comment-actions.js';
import type { ThreadView } from '../ui/thread-view.js';

/** Typing is sent about once a second while the user types (`api.md`). */
const TYPING_EVERY_MS = 1000;

interface Needs {
  api: ApiClient;
  page: { url?: string; key?: string };
  /** The thread view of the latest render. */
  view(): ThreadView;
  setGuests(guests: boolean): void;
}

export type Commanded = Omit<Commands, 'guests' | 'signIn' | 'moreReplies'>;

/**
 * What readers do to the thread: post, reply, edit, delete, vote, say they are
 * typing, and comment as a guest. A chunk of its own, fetched beside the
 * thread's first read: reading needs none of it.
 */
export function commands({ api, page, view, setGuests }: Needs): Commanded {
  const voting = new Set<string>();
  let lastTyping = 0;
  let methodsAsked = false;
  /**
   * The `Idempotency-Key` of each comment not yet known to be stored: when a
   * post fails on the way back (the connection dropped, a 503 in a failover),
   * sending the same text again reuses it, and the server stores it once.
   */
  const postKeys = new Map<string, string>();
  const update: ThreadView['update'] = (change) => view().update(change);
  const send = async (text: string, form: FormSignals, parentId?: string) => {
    const draft = `${parentId ?? ''}\n${text}`;
    const key = postKeys.get(draft) ?? randomKey();
    postKeys.set(draft, key);
    const body = { page_url: page.url, page_key: page.key, content: text, parent_id: parentId, ...form };
    const { comment } = await api.call<{ comment: Comment }>('POST', '/v1/comments', body, {
      'idempotency-key': key,
    });
    postKeys.delete(draft);
    update((current) => addComment(current, comment, true));
  };
  const path = (id: string) => `/v1/comments/${encodeURIComponent(id)}`;
  return {
    post: (text, form) => send(text, form),
    reply: (parentId, text, form) => send(text, form, parentId),
    vote: (id, direction) => {
      // One vote per comment in flight: answers to quick double clicks could settle out of order.
      if (voting.has(id)) return;
      voting.add(id);
      update((current) => castVote(current, id, direction));
      api
        .call<Parameters<typeof settleVote>[2]>('POST', `${path(id)}/vote`, { direction })
        .then((answer) => update((current) => settleVote(current, id, answer)))
        .catch(() => view().reload())
        .finally(() => voting.delete(id));
    },
    edit: async (id, text) => {
      const { comment } = await api.call<{ comment: Comment }>('PUT', path(id), { content: text });
      update((current) => replaceOwn(current, comment));
    },
    remove: async (id) => {
      await api.call('DELETE', path(id));
      update((current) => removeComment(current, id));
    },
    guest: async (name) => {
      api.adopt(await api.call<Tokens>('POST', '/v1/auth/guest', { name }));
      view().socket.current?.restart();
    },
    checkGuests: () => {
      if (methodsAsked) return;
      methodsAsked = true;
      api.call<{ methods: string[] }>('GET', '/v1/auth/methods').then(
        (answer) => setGuests(answer.methods.includes('guest')),
        () => {},
      );
    },
    typing: (replyTo) => {
      const at = Date.now();
      const { pageId } = view().latest.current;
      if (at - lastTyping < TYPING_EVERY_MS || !pageId || !api.viewer) return;
      lastTyping = at;
      view().socket.current?.send('typing', { page_id: pageId, reply_to: replyTo });
    },
  };
}

/** 128 random bits in hex: `crypto.randomUUID` needs a secure context, and pages may be plain HTTP. */
function randomKey(): string {
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (byte) =>
    byte.toString(16).padStart(2, '0'),
  ).join('');
}
