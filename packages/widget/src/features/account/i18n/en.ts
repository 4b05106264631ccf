import { plural } from '../../../i18n/format.js';

const count = plural('en');

/** The notifications panel's and the profile's words in English: the reference the other languages follow key for key. */
export const en = {
  /** The label of the dialogs' close button. */
  close: 'Close',
  notifications: {
    title: 'Notifications',
    loading: 'Loading notifications…',
    failed: 'Your notifications could not be loaded.',
    empty: 'No notifications yet.',
    markAllRead: 'Mark all as read',
    loadMore: 'Show older notifications',
    /** The marker on an unread notification. */
    new: 'New',
    reply: (name: string) => `${name} replied to your comment`,
    mention: (name: string) => `${name} mentioned you`,
    upvote: 'Someone upvoted your comment',
    /** Stands in for an erased account's name. */
    someone: 'Someone',
    unread: (n: number) =>
      count(n, {
        0: 'No unread notifications',
        one: '1 unread notification',
        other: '# unread notifications',
      }),
  },
  profile: {
    title: 'Your profile',
    loading: 'Loading your profile…',
    failed: 'Your profile could not be loaded.',
    name: 'Name',
    nameInvalid: 'Please enter a name of at most 50 characters.',
    avatar: 'Picture (the https:// address of an image)',
    avatarInvalid: 'The picture must be an https:// address, or left empty.',
    emailNotifications: 'E-mail me about replies and mentions',
    noVerifiedEmail: 'E-mails are only sent to a verified address.',
    saved: 'Saved.',
    email: 'E-mail',
    phone: 'Phone',
    verified: 'verified',
    unverified: 'not verified',
    guest: 'You comment as a guest: this account has no e-mail address or phone number.',
    karma: (n: number) => count(n, { one: '# point of karma', other: '# points of karma' }),
    sessions: 'Where you are signed in',
    since: (date: string) => `Signed in on ${date}`,
    thisDevice: 'This device',
    /** The label of the button that ends another session. */
    endSession: (date: string) => `Sign out the session from ${date}`,
    yourData: 'Your data',
    exportData: 'Download my data',
    exportHint: 'A JSON file with everything this site stores about you.',
    exported: 'Your data has been downloaded.',
    deleteAccount: 'Delete my account',
    confirmDelete:
      'Delete your account for good? Your name, e-mail address, sign-ins and votes are erased. Your comments stay, without your name.',
    confirmButton: 'Yes, delete my account',
  },
};

export type AccountStrings = typeof en;
