/**
 * The one registry of error codes. Every error the API returns is one of these;
 * `docs/api.md` lists them and a test keeps the two in step.
 */
export const ERROR_CODES = {
  invalid_request: { status: 400, message: 'The request is invalid.' },
  unauthorized: { status: 401, message: 'Authentication is required.' },
  plan_limit: { status: 402, message: 'The plan limit for this site has been reached.' },
  forbidden: { status: 403, message: 'You are not allowed to do this.' },
  banned: { status: 403, message: 'You are banned from this site.' },
  origin_not_allowed: { status: 403, message: 'This origin is not allowed to use this key.' },
  not_found: { status: 404, message: 'Not found.' },
  conflict: { status: 409, message: 'The request conflicts with the current state.' },
  too_large: { status: 413, message: 'The request body is too large.' },
  rate_limited: { status: 429, message: 'Too many requests; slow down.' },
  unavailable: { status: 503, message: 'The service is temporarily unavailable.' },
} as const satisfies Record<string, { status: number; message: string }>;

export type ErrorCode = keyof typeof ERROR_CODES;

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
