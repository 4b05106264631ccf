import type { OAuthErrorCode } from '@threadkit/core';
import { ApiError, type Tokens } from '../../api.js';
import type { SignInStrings } from './i18n/en.js';

/** An e-mail or a phone number, as the account routes take them (`{ email }` or `{ phone }`). */
export type Login = { email: string } | { phone: string };

/** Where the dialog is: the first step, or one of the forms behind it. */
export type Step =
  | { name: 'start' }
  | { name: 'register' }
  | { name: 'verify'; login: Login }
  | { name: 'forgot' }
  | { name: 'reset'; login: Login }
  | { name: 'code' }
  | { name: 'codeSent'; email: string }
  | { name: 'guest' };

export const START: Step = { name: 'start' };

/** `GET /v1/auth/methods`: `guest`, `password`, `email_code` and OAuth provider names, with the providers' labels. */
export interface Methods {
  methods: string[];
  labels?: Record<string, string>;
}

/** The methods that are forms here, in the order the first one offered is shown first; the rest are providers. */
const FORMS = ['password', 'email_code', 'guest'] as const;
export type FormMethod = (typeof FORMS)[number];

/** The offered methods that are forms (best first), and the OAuth providers. */
export function splitMethods(methods: string[]): { forms: FormMethod[]; providers: string[] } {
  return {
    forms: FORMS.filter((method) => methods.includes(method)),
    providers: methods.filter((method) => !FORMS.includes(method as FormMethod)),
  };
}

/** The steps the first step links to, besides its first form. */
export function furtherSteps(forms: FormMethod[]): ('forgot' | 'register' | 'code' | 'guest')[] {
  const [first, ...others] = forms;
  const steps: ('forgot' | 'register' | 'code' | 'guest')[] = [];
  if (first === 'password') steps.push('forgot', 'register');
  if (others.includes('email_code')) steps.push('code');
  if (others.includes('guest')) steps.push('guest');
  return steps;
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
/** International form, as the API wants it (+14155550123). */
const PHONE = /^\+[1-9]\d{6,14}$/;

/** Direction marks that come along when a number is copied out of right-to-left text. */
const BIDI_MARKS = /[\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/**
 * Digits as ASCII, whatever keyboard typed them: full-width (Japanese and
 * Chinese input, with a full-width +), Arabic-Indic and Persian; the API and
 * the codes it sends use ASCII digits. Direction marks are dropped.
 */
function asciiDigits(text: string): string {
  return text
    .normalize('NFKC')
    .replace(BIDI_MARKS, '')
    .replace(/[\u0660-\u0669]/g, (digit) => String(digit.charCodeAt(0) - 0x0660))
    .replace(/[\u06f0-\u06f9]/g, (digit) => String(digit.charCodeAt(0) - 0x06f0));
}

/**
 * What a reader typed in "E-mail or phone number": an e-mail when it has an
 * `@`, else a phone number in international form; null when it is neither.
 * A number is taken as people write it: spaces, dots, dashes, slashes and
 * brackets dropped, the trunk 0 written "(0)" after the country code left out
 * (+44 (0)20…), and the 00 international prefix read as +.
 */
export function parseLogin(text: string): Login | null {
  const value = text.trim();
  if (value.includes('@')) return EMAIL.test(value) ? { email: value } : null;
  const phone = asciiDigits(value)
    .replace(/\(0\)/, '')
    .replace(/[\s()./-]/g, '')
    .replace(/^00/, '+');
  return PHONE.test(phone) ? { phone } : null;
}

export const loginText = (login: Login): string => ('email' in login ? login.email : login.phone);

/** The 6-digit code, in ASCII digits, with any spaces or dashes a reader typed or pasted taken out; null when it is not one. */
export function parseCode(text: string): string | null {
  const code = asciiDigits(text).replace(/[\s-]/g, '');
  return /^\d{6}$/.test(code) ? code : null;
}

type Errors = SignInStrings['errors'];
/** The plain-words messages (the ones that are strings, not functions of a provider). */
type Problem = { [K in keyof Errors]: Errors[K] extends string ? K : never }[keyof Errors];

/** A form the reader filled in wrongly, found before asking the API. */
export class InputProblem extends Error {
  constructor(readonly problem: Problem) {
    super(problem);
  }
}

const MIN_PASSWORD = 8;

/** A sent form's fields, checked before anything goes to the API. */
export class Fields {
  constructor(private readonly data: FormData) {}

  text(name: string): string {
    return String(this.data.get(name) ?? '').trim();
  }

  required(name: string, problem: Problem): string {
    const value = this.text(name);
    if (!value) throw new InputProblem(problem);
    return value;
  }

  /** A password to sign in with, as typed (spaces are part of it). */
  password(name: string): string {
    const password = String(this.data.get(name) ?? '');
    if (!password) throw new InputProblem('wrongPassword');
    return password;
  }

  /** A password to set: long enough (the API also refuses the most common ones). */
  newPassword(name: string): string {
    const password = String(this.data.get(name) ?? '');
    if ([...password].length < MIN_PASSWORD) throw new InputProblem('shortPassword');
    return password;
  }

  login(): Login {
    const login = parseLogin(this.text('login'));
    if (!login) throw new InputProblem('badLogin');
    return login;
  }

  email(): string {
    const login = parseLogin(this.text('email'));
    if (!login || !('email' in login)) throw new InputProblem('badEmail');
    return login.email;
  }

  code(): string {
    const code = parseCode(this.text('code'));
    if (!code) throw new InputProblem('badCode');
    return code;
  }
}

/** What the dialog was doing when a request failed: the same code means different things. */
export type Action = 'login' | 'register' | 'code' | 'send' | 'guest';

/** Which message explains a failure to the reader. */
export function problemOf(error: unknown, action: Action): Problem {
  if (error instanceof InputProblem) return error.problem;
  if (!(error instanceof ApiError)) return 'generic';
  switch (error.code) {
    case 'network':
      return 'network';
    case 'rate_limited':
      return 'tooMany';
    case 'unavailable':
      return 'unavailable';
    case 'banned':
      return 'banned';
    case 'forbidden':
      return action === 'guest' ? 'noGuests' : 'notOffered';
    case 'unauthorized':
      return action === 'login' ? 'wrongPassword' : 'generic';
    case 'conflict':
      return action === 'register' ? 'accountExists' : 'generic';
    case 'invalid_request':
      // The form checks the address and the code's shape first; what the API can still
      // refuse is a too-common password, or a code that is wrong or expired.
      if (error.field === 'password' || error.field === 'new_password') return 'weakPassword';
      return action === 'code' ? 'wrongCode' : 'invalid';
    default:
      return 'generic';
  }
}

/** The callback page's message (`{type: 'threadkit:auth', token, refresh_token, user}` or `{…, error}`). */
type AuthMessage = (Tokens & { type: 'threadkit:auth' }) | { type: 'threadkit:auth'; error: string };

/** Whether posted data has the callback page's shape: any window can post anything, so every field is checked. */
export function isAuthMessage(data: unknown): data is AuthMessage {
  if (!data || typeof data !== 'object') return false;
  const message = data as Record<string, unknown>;
  if (message.type !== 'threadkit:auth') return false;
  if (typeof message.error === 'string') return true;
  const user = message.user as Record<string, unknown> | null | undefined;
  return (
    typeof message.token === 'string' &&
    typeof message.refresh_token === 'string' &&
    !!user &&
    typeof user === 'object' &&
    typeof user.id === 'string' &&
    typeof user.name === 'string'
  );
}

/**
 * The code a sign-in page posted, in plain words. The cases are the registry's codes (a
 * misspelt one does not compile); any other text, from a newer server, is the generic message.
 */
export function oauthProblem(errors: Errors, code: string, provider: string): string {
  switch (code as OAuthErrorCode) {
    case 'access_denied':
      return errors.oauthDenied(provider);
    case 'invalid_state':
    case 'invalid_link':
      return errors.oauthExpired;
    case 'provider_error':
      return errors.oauthFailed(provider);
    case 'server_error':
      return errors.oauthServer;
    default:
      return errors.generic;
  }
}

/**
 * Where the popup starts a provider's sign-in; the callback posts its answer to
 * `origin` only. A guest's `link` hands them to the sign-in, so they keep their comments.
 */
export function oauthStartUrl(
  apiUrl: string,
  projectId: string,
  provider: string,
  origin: string,
  link?: string,
): string {
  const query = new URLSearchParams({ project_id: projectId, origin });
  if (link) query.set('link', link);
  return `${apiUrl}/v1/auth/${encodeURIComponent(provider)}?${query}`;
}

/** How long a guest's link is taken to be good: under the API's 10 minutes, for the time the popup takes to load. */
export const LINK_FRESH_MS = 9 * 60_000;

/** A guest's single-use link for a provider (`POST /v1/auth/:provider/link`), and when it was fetched. */
export interface GuestLink {
  link: string;
  at: number;
}

/** The link to start with now, if it is still fresh; every link is used once, so it is taken either way. */
export function takeFreshLink(links: Map<string, GuestLink>, provider: string, now: number): string | null {
  const found = links.get(provider);
  links.delete(provider);
  return found && now - found.at < LINK_FRESH_MS ? found.link : null;
}

/** A popup of a provider's usual sign-in size, centred on the reader's window. */
export function popupFeatures(width = 500, height = 650): string {
  const left = Math.max(0, Math.round(screenX + (outerWidth - width) / 2));
  const top = Math.max(0, Math.round(screenY + (outerHeight - height) / 2));
  return `popup=yes,width=${width},height=${height},left=${left},top=${top}`;
}
