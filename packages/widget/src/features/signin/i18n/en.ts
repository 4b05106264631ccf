import { plural } from '../../../i18n/format.js';

const count = plural('en');

/** The sign-in dialog's words in English: the reference the other languages follow key for key. */
export const en = {
  title: 'Sign in',
  /** The dialog's title at each later step. */
  steps: {
    register: 'Create an account',
    verify: 'Confirm your account',
    forgot: 'Reset your password',
    reset: 'Choose a new password',
    code: 'Sign in with a code',
    codeSent: 'Enter your code',
    guest: 'Comment as a guest',
  },
  close: 'Close',
  loading: 'Loading the ways to sign in…',
  /** The button of an OAuth provider, by its label (`GitHub`, `Google`, a company's SSO). */
  continueWith: (provider: string) => `Continue with ${provider}`,
  or: 'or',
  login: 'E-mail or phone number',
  loginHint: 'For a phone number, start with + and the country code.',
  email: 'E-mail',
  password: 'Password',
  newPassword: 'New password',
  passwordHint: 'At least 8 characters.',
  name: 'Your name',
  nameForNewAccount: 'Your name (if you are new here)',
  code: '6-digit code',
  signIn: 'Sign in',
  createAccount: 'Create account',
  toRegister: 'Create an account',
  toForgot: 'Forgot your password?',
  toCode: 'E-mail me a sign-in code',
  toGuest: 'Comment as a guest',
  back: 'Back',
  sendCode: 'Send code',
  confirm: 'Confirm',
  later: 'Later',
  resend: 'Send a new code',
  resetAndSignIn: 'Save and sign in',
  continueAsGuest: 'Continue',
  /** Where a code went (an e-mail address or phone number). */
  codeSent: (to: string) => `We sent a code to ${to}.`,
  resetSent: (to: string) => `If an account uses ${to}, we sent it a code.`,
  /** How long a code works, in minutes. */
  validFor: (minutes: number) =>
    count(minutes, { one: 'It works for 1 minute.', other: 'It works for # minutes.' }),
  resent: 'We sent a new code.',
  waiting: (provider: string) => `Finish signing in with ${provider} in the window that opened.`,
  popupClosed: 'The sign-in window was closed before you finished.',
  errors: {
    network: 'The comment server cannot be reached. Check your connection and try again.',
    tooMany: 'Too many attempts. Please wait a few minutes and try again.',
    unavailable: 'That cannot be done right now. Please try again in a moment.',
    banned: 'This account cannot sign in to this site.',
    notOffered: 'This site does not offer this way of signing in.',
    noGuests: 'This site does not take guest comments. Please sign in.',
    wrongPassword: 'That e-mail or phone number and password do not match.',
    accountExists:
      'An account with this e-mail or phone number already exists. Sign in, or reset its password.',
    weakPassword: 'That password is too common. Please choose another.',
    wrongCode: 'That code is wrong or has expired. Check it, or ask for a new one.',
    invalid: 'Something you entered was not accepted. Please check it.',
    generic: 'Something went wrong. Please try again.',
    missingName: 'Please enter your name.',
    badLogin: 'Enter an e-mail address, or a phone number starting with + and the country code.',
    badEmail: 'Enter an e-mail address.',
    shortPassword: 'Choose a password of at least 8 characters.',
    badCode: 'Enter the 6-digit code.',
    popupBlocked: 'Your browser blocked the sign-in window. Allow pop-ups for this site and try again.',
    oauthDenied: (provider: string) => `Signing in with ${provider} was cancelled.`,
    oauthFailed: (provider: string) => `${provider} could not sign you in. Please try again.`,
    oauthExpired: 'That sign-in took too long or was already used. Please try again.',
    oauthServer: 'We could not finish signing you in. Please try again shortly.',
  },
};

export type SignInStrings = typeof en;
