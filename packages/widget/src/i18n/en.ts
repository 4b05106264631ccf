import { dateTime, list, plural, relativeTime } from './format.js';

const count = plural('en');
const and = list('en');

/**
 * The widget's words in English: the reference every other language follows key
 * for key (`Strings`), and the only one in the first-load bundle.
 */
export const en = {
  comments: (n: number) => count(n, { one: '1 comment', other: '# comments' }),
  here: (n: number) => count(n, { one: '1 person here', other: '# people here' }),
  typing: (names: string[]) =>
    `${and(names)} ${count(names.length, { one: 'is typing…', other: 'are typing…' })}`,
  newComments: (n: number) => count(n, { one: 'Show 1 new comment', other: 'Show # new comments' }),
  sortBy: 'Sort by',
  sort: { new: 'Newest', old: 'Oldest', top: 'Top', hot: 'Hot', controversial: 'Controversial' },
  loadMore: 'Load more comments',
  reply: 'Reply',
  cancel: 'Cancel',
  post: 'Post comment',
  postReply: 'Post reply',
  edit: 'Edit',
  delete: 'Delete',
  save: 'Save',
  confirmDelete: 'Delete this comment?',
  showReplies: (n: number) => count(n, { one: 'Show 1 reply', other: 'Show # replies' }),
  hideReplies: 'Hide replies',
  report: 'Report',
  placeholder: 'Join the discussion…',
  yourName: 'Your name',
  continueAsGuest: 'Comment as guest',
  signIn: 'Sign in',
  signOut: 'Sign out',
  profile: 'Profile',
  notifications: (n: number) => (n ? `Notifications, ${n} unread` : 'Notifications'),
  preview: 'Preview',
  signedInAs: (name: string) => `Signed in as ${name}`,
  upvote: 'Upvote',
  downvote: 'Downvote',
  score: (n: number) => count(n, { one: '# point', other: '# points' }),
  edited: 'edited',
  pinned: 'Pinned',
  deleted: '[deleted]',
  awaitingApproval: 'Awaiting approval',
  locked: 'Comments are closed.',
  empty: 'No comments yet. Start the conversation.',
  unavailable: 'Comments are unavailable right now.',
  retry: 'Try again',
  livePaused: 'Live updates paused; reconnecting…',
  error: 'Something went wrong; please try again.',
  commentLabel: 'Comment',
  conversation: 'Comments',
  /** When a comment was written (Unix seconds). */
  time: dateTime('en'),
  /** How long ago (Unix seconds): "3 minutes ago", then the date after a week. */
  ago: relativeTime('en'),
  showMore: 'Show more',
  showLess: 'Show less',
  /** Badges beside an author's name. */
  you: 'You',
  guest: 'Guest',
  pageAuthor: 'Author',
  roles: { moderator: 'Moderator', admin: 'Admin' },
  /** A guest's way to an account of their own (the sign-in dialog). */
  createAccount: 'Create account',
};

export type Strings = typeof en & {
  /**
   * A post refused because the site's plan is full (`402 plan_limit`). Not in
   * English, the first-load bundle: the server's own message says it in English.
   */
  planLimit?: string;
};
