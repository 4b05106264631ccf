import type { ThreadState } from '../../thread.js';
import type { Comment } from '../../types.js';
import type { FeatureContext } from '../context.js';
import type { Action } from './action.js';
import { announce } from './announce.js';
import { publish, removeComment, setPinned, withoutAuthor } from './changes.js';
import type { ModerationStrings } from './i18n/index.js';

/** The server's limit on pinned comments per page (`docs/api.md`). */
const MAX_PINS = 10;

/** The destructive actions, asked first. */
export type Question = 'delete' | 'ban' | 'shadowBan';

interface Context {
  ctx: FeatureContext;
  comment: Comment;
  pinned: boolean;
  update(change: (state: ThreadState) => ThreadState): void;
  words: ModerationStrings;
  action: Action;
  /** The question was answered. */
  answered(): void;
}

/** What a moderator's tools do to one comment: each sends its request, changes the thread and says the result. */
export function commentActions({ ctx, comment, pinned, update, words, action, answered }: Context) {
  const id = comment.i;
  const author = comment.a;
  const name = comment.n;
  const path = `/v1/comments/${encodeURIComponent(id)}`;
  const result = (message: string, removed: boolean) => {
    answered();
    // The comment leaves the thread, and this note with it: the page tools say it instead.
    if (!removed) return message;
    announce(ctx, message);
    return '';
  };
  return {
    judge: (decision: 'approve' | 'reject') =>
      action.run(
        () => ctx.api.call('POST', `/v1/moderation/${decision}/${encodeURIComponent(id)}`),
        () => {
          if (decision === 'approve') {
            update((state) => publish(state, id));
            return words.done.approved;
          }
          // Rejected, it leaves the live thread (moderators get its delete_comment too).
          update((state) => removeComment(state, id));
          return result(words.done.rejected, true);
        },
      ),
    pin: () =>
      action.run(
        () => ctx.api.call('POST', `${path}/${pinned ? 'unpin' : 'pin'}`),
        () => {
          update((state) => setPinned(state, id, !pinned));
          return pinned ? words.done.unpinned : words.done.pinned;
        },
        words.errors.pinLimit(MAX_PINS),
      ),
    /** The answer to `question`; a ban also takes the ban's options. */
    confirm: (question: Question, ban: { clearComments: boolean; reason: string }) => {
      if (question === 'delete') {
        return action.run(
          () => ctx.api.call('DELETE', path),
          () => {
            update((state) => removeComment(state, id));
            return result(words.done.deleted, true);
          },
        );
      }
      if (!author) return;
      const user = encodeURIComponent(author);
      if (question === 'ban') {
        const { clearComments, reason } = ban;
        const body = { delete_comments: clearComments, ...(reason.trim() ? { reason: reason.trim() } : {}) };
        return action.run(
          () => ctx.api.call('POST', `/v1/moderation/ban/${user}`, body),
          () => {
            if (clearComments) update((state) => withoutAuthor(state, author));
            return result(
              clearComments ? words.done.bannedAndCleared(name) : words.done.banned(name),
              clearComments,
            );
          },
        );
      }
      return action.run(
        () => ctx.api.call('POST', `/v1/moderation/shadowban/${user}`),
        () => result(words.done.shadowBanned(name), false),
      );
    },
  };
}
