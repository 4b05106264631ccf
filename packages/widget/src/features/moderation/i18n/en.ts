import { isolate } from '../../../i18n/bidi.js';
import { plural } from '../../../i18n/format.js';

const count = plural('en');

/** The moderator tools' words in English: the keys every other language follows. */
export const en = {
  /** The disclosure button under each comment. */
  moderate: 'Moderate',
  tools: 'Moderator tools',
  pageTools: 'Page moderation',
  approve: 'Approve',
  reject: 'Reject',
  /** Marks a rejected comment, which only its author and moderators still see (after a reload). */
  rejectedBadge: 'Rejected',
  pin: 'Pin',
  unpin: 'Unpin',
  delete: 'Delete',
  ban: 'Ban author',
  shadowBan: 'Shadow-ban author',
  confirmDelete: 'Delete this comment for everyone?',
  confirmBan: (name: string) =>
    `Ban ${isolate(name)}? They will no longer be able to comment, vote or sign in here.`,
  confirmShadowBan: (name: string) =>
    `Shadow-ban ${isolate(name)}? From now on, only they and the moderators will see their comments.`,
  deleteTheirComments: 'Also delete all their comments',
  reason: 'Reason (optional, for the moderation log)',
  lock: 'Close comments',
  unlock: 'Reopen comments',
  confirmLock: 'Close comments on this page? Only moderators will be able to comment, edit or vote.',
  done: {
    approved: 'Approved: everyone can see it now.',
    rejected: 'Rejected: the comment will not be published.',
    pinned: 'Pinned to the top.',
    unpinned: 'Unpinned.',
    deleted: 'Comment deleted.',
    banned: (name: string) => `${isolate(name)} is banned.`,
    bannedAndCleared: (name: string) => `${isolate(name)} is banned, and their comments are deleted.`,
    shadowBanned: (name: string) => `${isolate(name)} is shadow-banned.`,
    locked: 'Comments on this page are closed.',
    unlocked: 'Comments on this page are open again.',
  },
  errors: {
    notAllowed: "You don't have permission to do that.",
    gone: 'This comment no longer exists.',
    pinLimit: (n: number) =>
      count(n, {
        one: 'A page can have only 1 pinned comment. Unpin it first.',
        other: 'A page can have at most # pinned comments. Unpin one first.',
      }),
    busy: 'Too many actions in a row. Wait a moment and try again.',
    offline: "Can't reach the server. Check your connection and try again.",
    failed: "That didn't work. Please try again.",
  },
};

export type ModerationStrings = typeof en;
