/**
 * The one registry of error codes: every code the server answers, with one
 * spelling wherever it is answered. `http` is the status of an HTTP error body
 * (`{error, code}`); `websocket` marks the codes of the gateway's `error`
 * message; `oauth` those a provider sign-in's page posts to its opener
 * (`{type: 'threadkit:auth', error}`). `message` is what people read when the
 * answer gives no more specific one. `docs/api.md` lists each code in the
 * table of every channel it is answered on, and a test keeps the two equal.
 */
export const ERRORS = {
  invalid_request: { http: 400, message: 'The request is invalid.' },
  unauthorized: { http: 401, websocket: true, message: 'Authentication is required.' },
  plan_limit: { http: 402, message: 'The plan limit for this site has been reached.' },
  forbidden: { http: 403, message: 'You are not allowed to do this.' },
  banned: { http: 403, message: 'You are banned from this site.' },
  origin_not_allowed: { http: 403, message: 'This origin is not allowed to use this key.' },
  not_found: { http: 404, message: 'Not found.' },
  conflict: { http: 409, message: 'The request conflicts with the current state.' },
  too_large: { http: 413, message: 'The request body is too large.' },
  upgrade_required: { http: 426, message: 'Connect with a WebSocket client.' },
  rate_limited: { http: 429, websocket: true, message: 'Too many requests; slow down.' },
  internal: { http: 500, message: 'Internal server error.' },
  unavailable: { http: 503, websocket: true, message: 'The service is temporarily unavailable.' },
  subscription_limit: { websocket: true, message: 'Too many pages watched at once.' },
  invalid_json: { websocket: true, message: 'A message is a JSON-RPC 2.0 object in a text frame.' },
  invalid_method: { websocket: true, message: 'Unknown method.' },
  invalid_params: { websocket: true, message: 'The params do not fit the method.' },
  access_denied: { oauth: true, message: 'The sign-in was declined at the provider.' },
  invalid_state: { oauth: true, message: 'The sign-in is unknown, expired, used or another provider’s.' },
  invalid_link: { oauth: true, message: 'The guest link is unknown, expired, used or another’s.' },
  provider_error: { oauth: true, message: 'The provider did not complete the sign-in.' },
  server_error: { oauth: true, message: 'The sign-in could not be finished.' },
} as const satisfies Record<string, ErrorSpec>;

interface ErrorSpec {
  /** The HTTP status, for a code answered in an HTTP error body. */
  http?: number;
  /** Sent in the WebSocket gateway's `error` message. */
  websocket?: true;
  /** Posted to the opener by a provider sign-in's page. */
  oauth?: true;
  message: string;
}

type Registry = typeof ERRORS;
type CodeOn<Channel extends keyof ErrorSpec> = {
  [Code in keyof Registry]: Registry[Code] extends Record<Channel, unknown> ? Code : never;
}[keyof Registry];

/** Any registered code. */
export type AnyErrorCode = keyof Registry;
/** A code of an HTTP error body: what a ThreadKitError carries. */
export type ErrorCode = CodeOn<'http'>;
/** A code of the WebSocket gateway's `error` message. */
export type WebSocketErrorCode = CodeOn<'websocket'>;
/** A code a failed provider sign-in posts to its opener. */
export type OAuthErrorCode = CodeOn<'oauth'>;

/** The HTTP codes, each with its status and default message. */
export const ERROR_CODES = Object.fromEntries(
  Object.entries(ERRORS).flatMap(([code, spec]) =>
    'http' in spec ? [[code, { status: spec.http, message: spec.message }]] : [],
  ),
) as { readonly [Code in ErrorCode]: { readonly status: number; readonly message: string } };

/** The codes answered on one channel, in the registry's order. */
export function errorCodesOn<Channel extends keyof ErrorSpec>(channel: Channel): CodeOn<Channel>[] {
  return (Object.keys(ERRORS) as AnyErrorCode[]).filter(
    (code): code is CodeOn<Channel> => channel in ERRORS[code],
  );
}

/** Whether `code` is registered for HTTP error bodies (for codes that arrive as text, from Lua). */
export function isErrorCode(code: string): code is ErrorCode {
  return Object.hasOwn(ERROR_CODES, code);
}

export interface ErrorBody {
  error: string;
  code: ErrorCode;
  field?: string;
}

export class ThreadKitError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly field: string | undefined;
  /** Seconds, for `rate_limited`. */
  readonly retryAfter: number | undefined;

  constructor(code: ErrorCode, message?: string, extra: { field?: string; retryAfter?: number } = {}) {
    super(message ?? ERROR_CODES[code].message);
    this.name = 'ThreadKitError';
    this.code = code;
    this.status = ERROR_CODES[code].status;
    this.field = extra.field;
    this.retryAfter = extra.retryAfter;
  }

  toJSON(): ErrorBody {
    const body: ErrorBody = { error: this.message, code: this.code };
    if (this.field !== undefined) body.field = this.field;
    return body;
  }
}

export const invalid = (field: string, message: string) =>
  new ThreadKitError('invalid_request', message, { field });
export const notFound = (what = 'Not found.') => new ThreadKitError('not_found', what);
export const forbidden = (message?: string) => new ThreadKitError('forbidden', message);
export const unauthorized = (message?: string) => new ThreadKitError('unauthorized', message);
export const conflict = (message: string) => new ThreadKitError('conflict', message);
