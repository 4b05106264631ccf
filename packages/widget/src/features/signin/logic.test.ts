import { describe, expect, it } from 'vitest';
import { ApiError, type ApiErrorCode } from '../../api.js';
import { en } from './i18n/en.js';
import {
  Fields,
  furtherSteps,
  InputProblem,
  isAuthMessage,
  oauthProblem,
  oauthStartUrl,
  parseCode,
  parseLogin,
  problemOf,
  splitMethods,
  takeFreshLink,
} from './logic.js';

describe('parseLogin', () => {
  it('takes an e-mail when there is an @, and a phone number in international form otherwise', () => {
    expect(parseLogin('  ada@example.com ')).toEqual({ email: 'ada@example.com' });
    expect(parseLogin('+1 (415) 555-0123')).toEqual({ phone: '+14155550123' });
    expect(parseLogin('+44.20.7946.0958')).toEqual({ phone: '+442079460958' });
  });

  it('takes a number as people write it, and as other keyboards type it', () => {
    const cases: [string, string][] = [
      ['+44 (0)20 7946 0958', '+442079460958'],
      ['0044 20 7946 0958', '+442079460958'],
      ['+49 30/1234567', '+49301234567'],
      // Full-width, from a Japanese input method.
      ['＋８１ ９０－１２３４－５６７８', '+819012345678'],
      // Arabic-Indic and Persian digits, and the marks copied along from right-to-left text.
      ['+٩٦٦ ٥٠ ١٢٣ ٤٥٦٧', '+966501234567'],
      ['\u2066+۹۸ ۹۱۲ ۳۴۵ ۶۷۸۹\u2069', '+989123456789'],
    ];
    for (const [typed, phone] of cases) expect(parseLogin(typed), typed).toEqual({ phone });
  });

  it('refuses what is neither', () => {
    for (const text of ['', 'ada', 'ada@example', '@example.com', '4155550123', '+0123456789', '+12']) {
      expect(parseLogin(text), text).toBeNull();
    }
  });
});

it('parseCode takes six digits from any keyboard, spaces and dashes removed', () => {
  expect(parseCode(' 123 456 ')).toBe('123456');
  expect(parseCode('123-456')).toBe('123456');
  expect(parseCode('١٢٣٤٥٦')).toBe('123456');
  expect(parseCode('１２３４５６')).toBe('123456');
  expect(parseCode('12345')).toBeNull();
  expect(parseCode('12345a')).toBeNull();
  expect(parseCode('1234567')).toBeNull();
});

describe('problemOf', () => {
  const api = (code: ApiErrorCode, message = '', status = 400, field?: string) =>
    new ApiError(status, code, message, field);

  it('names what the reader got wrong before anything was sent', () => {
    expect(problemOf(new InputProblem('badLogin'), 'login')).toBe('badLogin');
  });

  it('reads the API’s codes in the light of what was being done', () => {
    expect(problemOf(api('unauthorized', 'Wrong e-mail or password.', 401), 'login')).toBe('wrongPassword');
    expect(problemOf(api('conflict', 'exists', 409), 'register')).toBe('accountExists');
    expect(problemOf(api('forbidden', 'no guests', 403), 'guest')).toBe('noGuests');
    expect(problemOf(api('forbidden', 'no passwords', 403), 'login')).toBe('notOffered');
    expect(problemOf(api('invalid_request', 'The code is wrong or expired.'), 'code')).toBe('wrongCode');
    expect(
      problemOf(
        api('invalid_request', 'password is one of the most common passwords', 400, 'password'),
        'register',
      ),
    ).toBe('weakPassword');
    expect(problemOf(api('invalid_request', 'too common', 400, 'new_password'), 'code')).toBe('weakPassword');
    // The field decides, not the wording.
    expect(problemOf(api('invalid_request', 'The password code is wrong.', 400, 'code'), 'code')).toBe(
      'wrongCode',
    );
    expect(problemOf(api('invalid_request', 'name must not be empty'), 'register')).toBe('invalid');
  });

  it('explains unreachable servers, limits and bans the same way everywhere', () => {
    expect(problemOf(new ApiError(0, 'network', 'unreachable'), 'send')).toBe('network');
    expect(problemOf(api('rate_limited', '', 429), 'login')).toBe('tooMany');
    expect(problemOf(api('unavailable', '', 503), 'send')).toBe('unavailable');
    expect(problemOf(api('banned', '', 403), 'login')).toBe('banned');
    expect(problemOf(new Error('boom'), 'login')).toBe('generic');
  });
});

describe('isAuthMessage', () => {
  const tokens = { token: 't', refresh_token: 'r', user: { id: 'u1', name: 'Ada' } };

  it('accepts the callback page’s two answers', () => {
    expect(isAuthMessage({ type: 'threadkit:auth', ...tokens })).toBe(true);
    expect(isAuthMessage({ type: 'threadkit:auth', error: 'access_denied' })).toBe(true);
  });

  it('refuses anything else another window might post', () => {
    for (const data of [
      null,
      'threadkit:auth',
      { ...tokens },
      { type: 'other', ...tokens },
      { type: 'threadkit:auth', token: 't', refresh_token: 'r' },
      { type: 'threadkit:auth', ...tokens, user: { id: 1, name: 'Ada' } },
      { type: 'threadkit:auth', ...tokens, refresh_token: null },
      { type: 'threadkit:auth', error: 42 },
    ]) {
      expect(isAuthMessage(data), JSON.stringify(data)).toBe(false);
    }
  });
});

it('oauthProblem puts the callback’s error codes in plain words, naming the provider', () => {
  expect(oauthProblem(en.errors, 'access_denied', 'GitHub')).toBe('Signing in with GitHub was cancelled.');
  expect(oauthProblem(en.errors, 'provider_error', 'Corp SSO')).toBe(
    'Corp SSO could not sign you in. Please try again.',
  );
  expect(oauthProblem(en.errors, 'invalid_state', 'GitHub')).toBe(en.errors.oauthExpired);
  expect(oauthProblem(en.errors, 'invalid_link', 'GitHub')).toBe(en.errors.oauthExpired);
  expect(oauthProblem(en.errors, 'server_error', 'GitHub')).toBe(en.errors.oauthServer);
  expect(oauthProblem(en.errors, 'something_new', 'GitHub')).toBe(en.errors.generic);
});

it('oauthStartUrl names the site and the page’s origin, encoded', () => {
  const url = new URL(
    oauthStartUrl('https://api.example.com', 'tk_pub_abc', 'corp sso', 'https://blog.example.com'),
  );
  expect(url.origin + url.pathname).toBe('https://api.example.com/v1/auth/corp%20sso');
  expect(Object.fromEntries(url.searchParams)).toEqual({
    project_id: 'tk_pub_abc',
    origin: 'https://blog.example.com',
  });
});

it('oauthStartUrl carries a guest’s link when there is one', () => {
  const url = new URL(
    oauthStartUrl('https://api.example.com', 'tk_pub_abc', 'google', 'https://b.example', 'L-1_x'),
  );
  expect(url.searchParams.get('link')).toBe('L-1_x');
});

it('takeFreshLink gives a link once, and only while it is fresh', () => {
  const links = new Map([
    ['google', { link: 'fresh', at: 1_000 }],
    ['corp', { link: 'stale', at: 1_000 }],
  ]);
  expect(takeFreshLink(links, 'google', 1_000 + 60_000)).toBe('fresh');
  expect(takeFreshLink(links, 'google', 1_000 + 60_000)).toBeNull();
  expect(takeFreshLink(links, 'corp', 1_000 + 10 * 60_000)).toBeNull();
  expect(links.size).toBe(0);
});

it('splitMethods puts the forms in the order they are shown, and leaves the providers', () => {
  expect(splitMethods(['google', 'guest', 'email_code', 'password', 'corp'])).toEqual({
    forms: ['password', 'email_code', 'guest'],
    providers: ['google', 'corp'],
  });
  expect(splitMethods(['guest'])).toEqual({ forms: ['guest'], providers: [] });
});

it('furtherSteps links the first step to the forms it does not show', () => {
  expect(furtherSteps(['password', 'email_code', 'guest'])).toEqual(['forgot', 'register', 'code', 'guest']);
  expect(furtherSteps(['email_code', 'guest'])).toEqual(['guest']);
  expect(furtherSteps(['guest'])).toEqual([]);
  expect(furtherSteps([])).toEqual([]);
});

describe('Fields', () => {
  const fields = (entries: Record<string, string>) => {
    const data = new FormData();
    for (const [name, value] of Object.entries(entries)) data.set(name, value);
    return new Fields(data);
  };
  const problem = (read: () => unknown) => {
    try {
      read();
    } catch (failure) {
      return (failure as InputProblem).problem;
    }
    return null;
  };

  it('reads trimmed text, and refuses a required field left empty', () => {
    expect(fields({ name: '  Ada ' }).text('name')).toBe('Ada');
    expect(fields({}).text('name')).toBe('');
    expect(problem(() => fields({ name: '   ' }).required('name', 'missingName'))).toBe('missingName');
  });

  it('keeps a password as typed, and wants a new one long enough', () => {
    expect(fields({ password: ' secret ' }).password('password')).toBe(' secret ');
    expect(problem(() => fields({}).password('password'))).toBe('wrongPassword');
    expect(problem(() => fields({ p: '1234567' }).newPassword('p'))).toBe('shortPassword');
    expect(fields({ p: '12345678' }).newPassword('p')).toBe('12345678');
  });

  it('parses the login, the e-mail and the code', () => {
    expect(fields({ login: '+1 415 555 0123' }).login()).toEqual({ phone: '+14155550123' });
    expect(problem(() => fields({ login: 'ada' }).login())).toBe('badLogin');
    expect(fields({ email: 'ada@example.com' }).email()).toBe('ada@example.com');
    expect(problem(() => fields({ email: '+14155550123' }).email())).toBe('badEmail');
    expect(fields({ code: '123 456' }).code()).toBe('123456');
    expect(problem(() => fields({ code: '12' }).code())).toBe('badCode');
  });
});
