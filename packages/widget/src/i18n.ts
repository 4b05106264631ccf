/** The widget's words. Other languages come as lazy chunks; `data-lang` or the browser picks one. */
export const en = {
  comments: (n: number) => (n === 1 ? '1 comment' : `${n} comments`),
  here: (n: number) => (n === 1 ? '1 person here' : `${n} people here`),
  typing: (names: string[]) =>
    names.length === 1
      ? `${names[0]} is typing…`
      : `${names.slice(0, -1).join(', ')} and ${names.at(-1)} are typing…`,
  newComments: (n: number) => (n === 1 ? 'Show 1 new comment' : `Show ${n} new comments`),
  sortBy: 'Sort by',
  sort: { new: 'Newest', old: 'Oldest', top: 'Top', hot: 'Hot', controversial: 'Controversial' },
  loadMore: 'Load more comments',
  reply: 'Reply',
  cancel: 'Cancel',
  post: 'Post comment',
  postReply: 'Post reply',
  placeholder: 'Join the discussion…',
  yourName: 'Your name',
  continueAsGuest: 'Comment as guest',
  signOut: 'Sign out',
  signedInAs: (name: string) => `Signed in as ${name}`,
  upvote: 'Upvote',
  downvote: 'Downvote',
  score: (n: number) => `${n} points`,
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
};

export type Strings = typeof en;
