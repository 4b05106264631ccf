import { describe, expect, it } from 'vitest';
import {
  conflict,
  ERROR_CODES,
  ERRORS,
  type ErrorCode,
  errorCodesOn,
  forbidden,
  invalid,
  isErrorCode,
  notFound,
  ThreadKitError,
  unauthorized,
} from './errors.js';

/** The statuses the wire contract (api.md, "Errors") gives each code. */
const CONTRACT: Record<ErrorCode, number> = {
  invalid_request: 400,
  unauthorized: 401,
  plan_limit: 402,
  forbidden: 403,
  banned: 403,
  origin_not_allowed: 403,
  not_found: 404,
  conflict: 409,
  too_large: 413,
  upgrade_required: 426,
  rate_limited: 429,
  internal: 500,
  unavailable: 503,
};

/** The codes of the gateway's `error` message (api.md, "Errors and close codes"). */
const WEBSOCKET = [
  'rate_limited',
  'subscription_limit',
  'invalid_json',
  'invalid_method',
  'invalid_params',
  'unauthorized',
  'unavailable',
];

/** The codes a failed provider sign-in posts to its opener (api.md, "Sign-in with a provider"). */
const OAUTH = ['access_denied', 'invalid_state', 'invalid_link', 'provider_error', 'server_error'];

describe('ERRORS', () => {
  it('answers each code on the channels of the contract', () => {
    expect(errorCodesOn('http').sort()).toEqual(Object.keys(CONTRACT).sort());
    expect(errorCodesOn('websocket').sort()).toEqual([...WEBSOCKET].sort());
    expect(errorCodesOn('oauth').sort()).toEqual([...OAUTH].sort());
  });

  it('registers nothing that no channel answers, each with a message', () => {
    for (const [code, spec] of Object.entries(ERRORS)) {
      expect(
        ['http', 'websocket', 'oauth'].some((channel) => channel in spec),
        code,
      ).toBe(true);
      expect(spec.message.length, code).toBeGreaterThan(0);
      expect(code).toMatch(/^[a-z]+(?:_[a-z]+)*$/);
    }
  });

  it('spells rate limiting one way on every channel', () => {
    expect(Object.keys(ERRORS).filter((code) => code.startsWith('rate_limit'))).toEqual(['rate_limited']);
  });
});

describe('ERROR_CODES', () => {
  it('has exactly the codes of the contract', () => {
    expect(Object.keys(ERROR_CODES).sort()).toEqual(Object.keys(CONTRACT).sort());
  });

  it('tells a registered HTTP code from any other text', () => {
    for (const code of Object.keys(CONTRACT)) expect(isErrorCode(code)).toBe(true);
    for (const code of ['rate_limit', 'subscription_limit', 'access_denied', 'toString', '']) {
      expect(isErrorCode(code), code).toBe(false);
    }
  });

  it.each(Object.entries(CONTRACT))('%s has status %i and a message', (code, status) => {
    const entry = ERROR_CODES[code as ErrorCode];
    expect(entry.status).toBe(status);
    expect(entry.message.length).toBeGreaterThan(0);
  });
});

describe('ThreadKitError', () => {
  it.each(Object.keys(CONTRACT) as ErrorCode[])('%s takes its status and default message', (code) => {
    const error = new ThreadKitError(code);
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('ThreadKitError');
    expect(error.code).toBe(code);
    expect(error.status).toBe(CONTRACT[code]);
    expect(error.message).toBe(ERROR_CODES[code].message);
    expect(error.field).toBeUndefined();
    expect(error.retryAfter).toBeUndefined();
  });

  it('serialises to {error, code} without a field', () => {
    const error = new ThreadKitError('not_found', 'Comment not found.');
    expect(error.toJSON()).toEqual({ error: 'Comment not found.', code: 'not_found' });
    expect(Object.keys(error.toJSON())).toEqual(['error', 'code']);
    expect(JSON.parse(JSON.stringify(error))).toEqual({ error: 'Comment not found.', code: 'not_found' });
  });

  it('serialises to {error, code, field} with a field', () => {
    const error = new ThreadKitError('invalid_request', 'content is required', { field: 'content' });
    expect(error.toJSON()).toEqual({
      error: 'content is required',
      code: 'invalid_request',
      field: 'content',
    });
  });

  it('keeps retryAfter out of the body', () => {
    const error = new ThreadKitError('rate_limited', undefined, { retryAfter: 12 });
    expect(error.retryAfter).toBe(12);
    expect(error.status).toBe(429);
    expect(error.toJSON()).toEqual({ error: ERROR_CODES.rate_limited.message, code: 'rate_limited' });
  });
});

describe('error helpers', () => {
  it('invalid gives a 400 naming the field', () => {
    const error = invalid('page_url', 'page_url is required');
    expect(error).toMatchObject({ code: 'invalid_request', status: 400, field: 'page_url' });
    expect(error.toJSON()).toEqual({
      error: 'page_url is required',
      code: 'invalid_request',
      field: 'page_url',
    });
  });

  it('notFound, forbidden, unauthorized and conflict give their codes', () => {
    expect(notFound()).toMatchObject({ code: 'not_found', status: 404, message: 'Not found.' });
    expect(notFound('No such page.')).toMatchObject({ message: 'No such page.' });
    expect(forbidden()).toMatchObject({
      code: 'forbidden',
      status: 403,
      message: ERROR_CODES.forbidden.message,
    });
    expect(forbidden('Nope.').message).toBe('Nope.');
    expect(unauthorized()).toMatchObject({ code: 'unauthorized', status: 401 });
    expect(unauthorized('Expired.').message).toBe('Expired.');
    expect(conflict('Already there.')).toMatchObject({
      code: 'conflict',
      status: 409,
      message: 'Already there.',
    });
  });
});
