import { keys } from '@threadkit/core';
import {
  eventually,
  expectError,
  extractCode,
  freePort,
  type SmtpTestServer,
  startSmtpServer,
  startTestApi,
  startTwilioDouble,
  TEST_ORIGIN,
  type TestApi,
  type TwilioDouble,
} from '@threadkit/testing';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

/**
 * Commenter accounts end to end through the HTTP API: codes really travel by
 * SMTP (an in-process SMTP server) and by Twilio's Messages API (a local
 * double), and the tests read them from there.
 */

const SITE_NAME = 'Café <Tom & Jerry>';
const SITE_NAME_HTML = 'Café &lt;Tom &amp; Jerry&gt;';
const EMAIL_FROM = 'ThreadKit Tests <no-reply@threadkit.test>';
const TWILIO_FROM = '+15005550006';
const PASSWORD = 'correct horse battery staple';
const NEW_PASSWORD = 'a brand new passphrase';

let api: TestApi;
let smtp: SmtpTestServer;
let twilio: TwilioDouble;

beforeAll(async () => {
  smtp = await startSmtpServer();
  twilio = await startTwilioDouble();
  api = await startTestApi({
    env: {
      SMTP_URL: smtp.url,
      EMAIL_FROM,
      TWILIO_ACCOUNT_SID: twilio.accountSid,
      TWILIO_AUTH_TOKEN: twilio.authToken,
      TWILIO_FROM,
      TWILIO_API_URL: twilio.url,
      THREADKIT_SITE_NAME: SITE_NAME,
    },
  });
});
afterAll(async () => {
  await api?.stop();
  await smtp?.stop();
  await twilio?.stop();
});

// Per-address limits are under test, so each test comes from its own client address
// and the per-IP caps of one test never reach the next.
let ipSeq = 0;
let ip = '';
beforeEach(() => {
  ipSeq++;
  ip = `10.1.${Math.floor(ipSeq / 250)}.${(ipSeq % 250) + 1}`;
});

let seq = 0;
const newEmail = (label = 'user') => `${label}-${++seq}@example.test`;
const newPhone = () => `+1415555${String(++seq).padStart(4, '0')}`;
const pageUrl = () => `https://blog.example.com/accounts-${++seq}`;

type Call = InjectOptions & { token?: string };
const call = (options: Call) => api.call({ remoteAddress: ip, ...options });
const post = (url: string, payload: Record<string, unknown>, token?: string) =>
  call({ method: 'POST', url, payload, ...(token ? { token } : {}) });

/** A request to another app instance (on the same Redis), as `api.call` makes them. */
const callOn = (app: FastifyInstance, { token, headers, ...rest }: Call) =>
  app.inject({
    remoteAddress: ip,
    ...rest,
    headers: {
      projectid: api.site.publicKey,
      origin: TEST_ORIGIN,
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...headers,
    },
  });

/** Whether a token is live: any request carrying it is refused with 401 once its session has ended. */
const tokenStatus = async (token: string) =>
  (await call({ method: 'GET', url: `/v1/comments?page_url=${encodeURIComponent(pageUrl())}`, token }))
    .statusCode;

const ok = (response: LightMyRequestResponse, status = 200) => {
  expect(response.statusCode, response.body).toBe(status);
  return status === 204 ? null : response.json();
};

interface SignedIn {
  token: string;
  refresh_token: string;
  user: { id: string; name: string; email: string | null; phone: string | null; [k: string]: unknown };
}

const register = async (payload: Record<string, unknown>, token?: string): Promise<SignedIn> =>
  ok(await post('/v1/auth/register', { name: 'Someone', password: PASSWORD, ...payload }, token), 201);
const login = async (payload: Record<string, unknown>): Promise<SignedIn> =>
  ok(await post('/v1/auth/login', { password: PASSWORD, ...payload }));

const otherThan = (code: string) => (code === '000000' ? '111111' : '000000');

describe('e-mail and password', () => {
  it('registers, verifies by a code read from SMTP, signs in, rotates, detects reuse, signs out', async () => {
    const address = newEmail('ada');
    const registered = ok(
      await post('/v1/auth/register', {
        name: ' Ada  Lovelace ',
        email: address.toUpperCase(),
        password: PASSWORD,
      }),
      201,
    ) as SignedIn;
    expect(registered.token).toEqual(expect.any(String));
    expect(registered.refresh_token).toEqual(expect.any(String));
    expect(registered.user).toMatchObject({
      name: 'Ada Lovelace',
      email: address,
      phone: null,
      email_verified: false,
      phone_verified: false,
      guest: false,
      role: 'user',
    });
    expect(await tokenStatus(registered.token)).toBe(200);

    // The verification e-mail, as it arrived over SMTP.
    const message = await smtp.nextMessage(address);
    expect(message.to).toEqual([address]);
    expect(message.from).toBe(EMAIL_FROM);
    expect(message.envelopeFrom).toBe('no-reply@threadkit.test');
    expect(message.subject).toBe(`Confirm your e-mail for ${SITE_NAME}`);
    const code = extractCode(message.text)!;
    expect(code).toMatch(/^\d{6}$/);
    expect(message.text).toContain(SITE_NAME);
    expect(message.html).toContain(code);
    expect(message.html).toContain(SITE_NAME_HTML);
    expect(message.html).not.toContain('<Tom');

    // Signing in works before verification, and tells the truth about it.
    expect((await login({ email: address })).user.email_verified).toBe(false);

    // Entered with the account's own session, as the widget does right after registering.
    const verified = ok(await post('/v1/auth/verify', { email: address, code }, registered.token));
    expect(verified.user).toMatchObject({ id: registered.user.id, email_verified: true });
    // A code works once.
    expectError(
      await post('/v1/auth/verify', { email: address, code }, registered.token),
      400,
      'invalid_request',
    );

    const first = await login({ email: address });
    expect(first.user).toMatchObject({ id: registered.user.id, email_verified: true });
    expect(await tokenStatus(first.token)).toBe(200);

    // Refresh rotates: the new pair works, the old refresh token does not.
    const second = ok(await post('/v1/auth/refresh', { refresh_token: first.refresh_token }));
    expect(second.refresh_token).not.toBe(first.refresh_token);
    expect(await tokenStatus(second.token)).toBe(200);
    const third = ok(await post('/v1/auth/refresh', { refresh_token: second.refresh_token }));
    expect(await tokenStatus(third.token)).toBe(200);

    // Presenting a rotated refresh token again means it was copied: the session ends.
    expectError(await post('/v1/auth/refresh', { refresh_token: second.refresh_token }), 401, 'unauthorized');
    expect(await tokenStatus(third.token)).toBe(401);
    expect(await tokenStatus(first.token)).toBe(401);
    expectError(await post('/v1/auth/refresh', { refresh_token: third.refresh_token }), 401, 'unauthorized');
    // Other sessions of the account are untouched.
    expect(await tokenStatus(registered.token)).toBe(200);

    const again = await login({ email: address });
    expect(await tokenStatus(again.token)).toBe(200);
    ok(await call({ method: 'POST', url: '/v1/auth/logout', token: again.token }), 204);
    expect(await tokenStatus(again.token)).toBe(401);
    expectError(await post('/v1/auth/refresh', { refresh_token: again.refresh_token }), 401, 'unauthorized');
    expectError(
      await call({ method: 'POST', url: '/v1/auth/logout', token: again.token }),
      401,
      'unauthorized',
    );
    expect(await tokenStatus(registered.token)).toBe(200);
  });

  it('answers a wrong password and an unknown e-mail alike', async () => {
    const address = newEmail('alike');
    await register({ email: address });
    const wrongPassword = expectError(
      await post('/v1/auth/login', { email: address, password: 'not the password' }),
      401,
      'unauthorized',
    );
    const unknown = expectError(
      await post('/v1/auth/login', { email: newEmail('nobody'), password: PASSWORD }),
      401,
      'unauthorized',
    );
    expect(unknown.error).toBe(wrongPassword.error);
  });

  it('locks an account after 10 wrong passwords, and only that account', async () => {
    const target = newEmail('target');
    const bystander = newEmail('bystander');
    await register({ email: target });
    await register({ email: bystander });

    for (let i = 0; i < 10; i++) {
      expectError(
        await post('/v1/auth/login', { email: target, password: `wrong password ${i}` }),
        401,
        'unauthorized',
      );
    }
    for (const password of [PASSWORD, 'wrong password again']) {
      const refused = await post('/v1/auth/login', { email: target, password });
      expectError(refused, 429, 'rate_limited');
      const retryAfter = Number(refused.headers['retry-after']);
      expect(Number.isInteger(retryAfter)).toBe(true);
      expect(retryAfter).toBeGreaterThan(0);
      expect(retryAfter).toBeLessThanOrEqual(900);
    }

    // Another account, from the same client, still signs in.
    expect((await login({ email: bystander })).user.email).toBe(bystander);
  });

  it('enforces the password rules and validates the login', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ email: newEmail(), password: 'Sh0rt!x' }, 'password'],
      [{ email: newEmail(), password: 'x'.repeat(257) }, 'password'],
      [{ email: newEmail(), password: 'password123' }, 'password'],
      [{ email: newEmail(), password: 'PassWord123' }, 'password'],
      [{ password: PASSWORD }, 'email'],
      [{ phone: '12345', password: PASSWORD }, 'phone'],
      [{ phone: '+0123456789', password: PASSWORD }, 'phone'],
      [{ email: 'not-an-email', password: PASSWORD }, 'email'],
      [{ email: 'two@@example.test', password: PASSWORD }, 'email'],
      [{ email: newEmail(), phone: newPhone(), password: PASSWORD }, 'email'],
    ];
    for (const [payload, field] of cases) {
      const body = expectError(
        await post('/v1/auth/register', { name: 'Rules', ...payload }),
        400,
        'invalid_request',
      );
      expect(body.field, JSON.stringify(payload)).toBe(field);
    }
    const noName = expectError(
      await post('/v1/auth/register', { email: newEmail(), password: PASSWORD }),
      400,
      'invalid_request',
    );
    expect(noName.field).toBe('name');

    // The bounds themselves are allowed.
    await register({ email: newEmail('eight'), password: 'k9#mQ2vX' });
    await register({ email: newEmail('long'), password: 'x'.repeat(256) });

    const address = newEmail('dup');
    await register({ email: address });
    expectError(
      await post('/v1/auth/register', { name: 'Again', email: address.toUpperCase(), password: PASSWORD }),
      409,
      'conflict',
    );
  });
});

describe('phone and password', () => {
  it('registers by phone, verifies with a code sent through Twilio, signs in', async () => {
    const phone = newPhone();
    const spaced = `${phone.slice(0, 2)} (${phone.slice(2, 5)}) ${phone.slice(5, 8)}-${phone.slice(8)}`;
    const registered = await register({ name: 'Grace', phone: spaced });
    expect(registered.user).toMatchObject({
      phone,
      email: null,
      phone_verified: false,
      email_verified: false,
    });

    const sms = await twilio.nextMessage(phone);
    expect(sms.from).toBe(TWILIO_FROM);
    expect(sms.accountSid).toBe(twilio.accountSid);
    expect(sms.authorization).toBe(
      `Basic ${Buffer.from(`${twilio.accountSid}:${twilio.authToken}`).toString('base64')}`,
    );
    expect(sms.body).toContain(SITE_NAME);
    const code = extractCode(sms.body)!;
    expect(code).toMatch(/^\d{6}$/);
    expect(twilio.refused).toEqual([]);

    expectError(
      await post('/v1/auth/verify', { phone, code: otherThan(code) }, registered.token),
      400,
      'invalid_request',
    );
    const verified = ok(await post('/v1/auth/verify', { phone, code }, registered.token));
    expect(verified.user).toMatchObject({
      id: registered.user.id,
      phone_verified: true,
      email_verified: false,
    });

    const signedIn = await login({ phone: spaced });
    expect(signedIn.user).toMatchObject({ id: registered.user.id, phone_verified: true });
    expectError(
      await post('/v1/auth/register', { name: 'Twin', phone, password: PASSWORD }),
      409,
      'conflict',
    );
  });
});

describe('forgot and reset', () => {
  it('answers 204 either way, voids a code after 5 misses, resets and ends every session', async () => {
    const address = newEmail('forgetful');
    const registered = await register({ email: address });
    await smtp.nextMessage(address); // the verification code, left unused
    const session = await login({ email: address });

    // An unknown address gets the same answer and no e-mail.
    const ghost = newEmail('ghost');
    ok(await post('/v1/auth/forgot', { email: ghost }), 204);
    ok(await post('/v1/auth/forgot', { email: address }), 204);
    const message = await smtp.nextMessage(address);
    expect(message.subject).toBe(`Reset your ${SITE_NAME} password`);
    expect(message.from).toBe(EMAIL_FROM);
    const voided = extractCode(message.text)!;
    expect(message.html).toContain(voided);
    expect(smtp.messagesTo(ghost)).toEqual([]);

    // Five wrong codes void the real one.
    for (let i = 0; i < 5; i++) {
      expectError(
        await post('/v1/auth/reset', { email: address, code: otherThan(voided), new_password: NEW_PASSWORD }),
        400,
        'invalid_request',
      );
    }
    expectError(
      await post('/v1/auth/reset', { email: address, code: voided, new_password: NEW_PASSWORD }),
      400,
      'invalid_request',
    );
    expect((await login({ email: address })).user.id).toBe(registered.user.id);

    ok(await post('/v1/auth/forgot', { email: address }), 204);
    const code = await smtp.codeFor(address);
    // A new password that breaks the rules is refused without using the code up.
    const weak = expectError(
      await post('/v1/auth/reset', { email: address, code, new_password: 'password123' }),
      400,
      'invalid_request',
    );
    expect(weak.field).toBe('new_password');
    ok(await post('/v1/auth/reset', { email: address, code, new_password: NEW_PASSWORD }), 204);
    expectError(
      await post('/v1/auth/reset', { email: address, code, new_password: NEW_PASSWORD }),
      400,
      'invalid_request',
    );

    // Every session has ended: access tokens and refresh tokens alike.
    expect(await tokenStatus(registered.token)).toBe(401);
    expect(await tokenStatus(session.token)).toBe(401);
    expectError(
      await post('/v1/auth/refresh', { refresh_token: registered.refresh_token }),
      401,
      'unauthorized',
    );
    expectError(
      await post('/v1/auth/refresh', { refresh_token: session.refresh_token }),
      401,
      'unauthorized',
    );

    expectError(await post('/v1/auth/login', { email: address, password: PASSWORD }), 401, 'unauthorized');
    const signedIn = await login({ email: address, password: NEW_PASSWORD });
    // The reset code reached the inbox, which proves the address.
    expect(signedIn.user).toMatchObject({ id: registered.user.id, email_verified: true });
  });

  // How long the answer takes must not tell whether an account exists, and a mail server
  // takes hundreds of milliseconds: so the answer never waits for one, whoever asks.
  it('answers before any mail is sent, for an account and for an address without one', async () => {
    const address = newEmail('patient');
    await register({ email: address });
    const verification = await smtp.nextMessage(address);
    const ghost = newEmail('ghost');
    smtp.hold();
    try {
      for (const email of [address, ghost]) ok(await post('/v1/auth/forgot', { email }), 204);
      // Both were answered while the mail server had not greeted anyone.
      expect(smtp.messagesTo(address)).toEqual([verification]);
      await eventually(
        'the reset e-mail to reach the mail server',
        async () => smtp.held,
        (held) => held > 0,
      );
    } finally {
      smtp.release();
    }
    const code = await smtp.codeFor(address);
    ok(await post('/v1/auth/reset', { email: address, code, new_password: NEW_PASSWORD }), 204);
    expect(smtp.messagesTo(ghost)).toEqual([]);
  });

  it('sends at most 3 codes to one address in 10 minutes, whatever the purpose', async () => {
    const address = newEmail('busy');
    for (let i = 0; i < 3; i++) ok(await post('/v1/auth/otp/send', { email: address }), 204);
    for (const url of ['/v1/auth/otp/send', '/v1/auth/forgot']) {
      const refused = await post(url, { email: address });
      expectError(refused, 429, 'rate_limited');
      const retryAfter = Number(refused.headers['retry-after']);
      expect(retryAfter).toBeGreaterThan(0);
      expect(retryAfter).toBeLessThanOrEqual(600);
    }
    expect(smtp.messagesTo(address)).toHaveLength(3);

    // The same limit, and the same answers, for an address without an account.
    const ghost = newEmail('ghost');
    for (let i = 0; i < 3; i++) ok(await post('/v1/auth/forgot', { email: ghost }), 204);
    expectError(await post('/v1/auth/forgot', { email: ghost }), 429, 'rate_limited');

    // Other addresses are not affected.
    ok(await post('/v1/auth/otp/send', { email: newEmail('calm') }), 204);
  });
});

describe('one-time e-mail codes', () => {
  it('creates the account on first use and signs into it afterwards', async () => {
    const address = newEmail('otp');
    ok(await post('/v1/auth/otp/send', { email: address }), 204);
    const message = await smtp.nextMessage(address);
    expect(message.subject).toBe(`Your ${SITE_NAME} sign-in code`);
    const code = extractCode(message.text)!;

    expectError(
      await post('/v1/auth/otp/verify', { email: address, code: otherThan(code) }),
      400,
      'invalid_request',
    );
    const created = ok(await post('/v1/auth/otp/verify', { email: address, code })) as SignedIn;
    expect(created.user).toMatchObject({
      email: address,
      email_verified: true,
      name: address.split('@')[0],
      guest: false,
    });
    expect(await tokenStatus(created.token)).toBe(200);
    expectError(await post('/v1/auth/otp/verify', { email: address, code }), 400, 'invalid_request');

    ok(await post('/v1/auth/otp/send', { email: address }), 204);
    const again = ok(
      await post('/v1/auth/otp/verify', {
        email: address,
        code: await smtp.codeFor(address),
        name: 'Ignored',
      }),
    ) as SignedIn;
    expect(again.user).toMatchObject({ id: created.user.id, name: created.user.name });
    expect(again.token).not.toBe(created.token);
  });

  it('names a new account as asked', async () => {
    const address = newEmail('named');
    ok(await post('/v1/auth/otp/send', { email: address }), 204);
    const created = ok(
      await post('/v1/auth/otp/verify', {
        email: address,
        code: await smtp.codeFor(address),
        name: 'Grace Hopper',
      }),
    );
    expect(created.user).toMatchObject({ name: 'Grace Hopper', email: address, email_verified: true });
  });

  it('signs into the verified password account that has the address, which keeps its password', async () => {
    const address = newEmail('both');
    const registered = await register({ email: address });
    ok(
      await post('/v1/auth/verify', { email: address, code: await smtp.codeFor(address) }, registered.token),
    );
    ok(await post('/v1/auth/otp/send', { email: address }), 204);
    const signedIn = ok(
      await post('/v1/auth/otp/verify', { email: address, code: await smtp.codeFor(address) }),
    ) as SignedIn;
    expect(signedIn.user).toMatchObject({ id: registered.user.id, email_verified: true });
    // The address was proven before: the password and the other sessions are the owner's own.
    expect((await login({ email: address })).user.id).toBe(registered.user.id);
    expect(await tokenStatus(registered.token)).toBe(200);
  });
});

/**
 * Pre-hijacking: someone registers another person's address with a password of
 * their own and waits. Whoever proves the address later gets the account, and
 * what was set up without that proof stops working.
 */
describe('an address proven on an account that was unverified', () => {
  /** The squatter's account on `login`, with a second session from a password sign-in. */
  async function squatted(login: { email: string } | { phone: string }) {
    const registered = await register({ name: 'Squatter', ...login });
    const again = ok(await post('/v1/auth/login', { password: PASSWORD, ...login })) as SignedIn;
    expect(registered.user).toMatchObject({ email_verified: false, phone_verified: false });
    return { registered, again };
  }

  /** What the squatter holds no longer works: the password, both sessions, their refresh tokens, the export. */
  async function expectLockedOut(
    login: { email: string } | { phone: string },
    { registered, again }: Awaited<ReturnType<typeof squatted>>,
  ) {
    expectError(await post('/v1/auth/login', { password: PASSWORD, ...login }), 401, 'unauthorized');
    for (const session of [registered, again]) {
      expect(await tokenStatus(session.token)).toBe(401);
      expectError(
        await post('/v1/auth/refresh', { refresh_token: session.refresh_token }),
        401,
        'unauthorized',
      );
      expectError(
        await call({ method: 'GET', url: '/v1/users/me/export', token: session.token }),
        401,
        'unauthorized',
      );
    }
  }

  it('an e-mail code sign-in takes the account: the squatter’s password and sessions stop working', async () => {
    const address = newEmail('owner');
    const squatter = await squatted({ email: address });
    await smtp.nextMessage(address); // the verification code, which only the owner sees

    ok(await post('/v1/auth/otp/send', { email: address }), 204);
    const owner = ok(
      await post('/v1/auth/otp/verify', { email: address, code: await smtp.codeFor(address) }),
    ) as SignedIn;
    expect(owner.user).toMatchObject({
      id: squatter.registered.user.id,
      email: address,
      email_verified: true,
    });

    await expectLockedOut({ email: address }, squatter);
    expect(await tokenStatus(owner.token)).toBe(200);
    const exported = ok(await call({ method: 'GET', url: '/v1/users/me/export', token: owner.token }));
    expect(exported.sessions.map((s: { id: string }) => s.id)).toHaveLength(1);
  });

  it('a verification code entered without the account’s session takes it too; with it, nothing is taken', async () => {
    const address = newEmail('owner');
    const squatter = await squatted({ email: address });
    // The owner found the code in their inbox and entered it, without the squatter's session.
    ok(await post('/v1/auth/verify', { email: address, code: await smtp.codeFor(address) }));
    await expectLockedOut({ email: address }, squatter);
    // The owner signs in by code (or resets the password) and is in.
    ok(await post('/v1/auth/otp/send', { email: address }), 204);
    const owner = ok(
      await post('/v1/auth/otp/verify', { email: address, code: await smtp.codeFor(address) }),
    ) as SignedIn;
    expect(owner.user.id).toBe(squatter.registered.user.id);

    // Whoever registered and enters the code with their own session proved the address themselves.
    const own = newEmail('own');
    const mine = await register({ email: own });
    const verified = ok(
      await post('/v1/auth/verify', { email: own, code: await smtp.codeFor(own) }, mine.token),
    );
    expect(verified.user.email_verified).toBe(true);
    expect(await tokenStatus(mine.token)).toBe(200);
    expect((await login({ email: own })).user.id).toBe(mine.user.id);
  });

  it('a phone verified without the account’s session is taken the same way', async () => {
    const phone = newPhone();
    const squatter = await squatted({ phone });
    const verified = ok(await post('/v1/auth/verify', { phone, code: await twilio.codeFor(phone) }));
    expect(verified.user).toMatchObject({ id: squatter.registered.user.id, phone_verified: true });
    await expectLockedOut({ phone }, squatter);
  });

  it('a reset takes it as well: the new password is the only one, every old session ends', async () => {
    const address = newEmail('owner');
    const squatter = await squatted({ email: address });
    await smtp.nextMessage(address);
    ok(await post('/v1/auth/forgot', { email: address }), 204);
    const code = await smtp.codeFor(address);
    ok(await post('/v1/auth/reset', { email: address, code, new_password: NEW_PASSWORD }), 204);
    await expectLockedOut({ email: address }, squatter);
    const owner = await login({ email: address, password: NEW_PASSWORD });
    expect(owner.user).toMatchObject({ id: squatter.registered.user.id, email_verified: true });
  });

  // A password sign-in checks the password, then starts a session: an address proven in
  // between must not leave it a session made with the password just removed.
  it('starts no session for a password that was removed while it was being checked', async () => {
    const address = newEmail('straddle');
    const squatter = await squatted({ email: address });
    const userId = squatter.registered.user.id;
    const hash = (await api.redis.hget(keys.user(api.site.id, userId), 'password'))!;
    await api.context.accounts.addressProven(api.site.id, userId, 'email');
    await expect(
      api.context.auth.startSession(api.site.id, userId, { password: hash }),
    ).rejects.toMatchObject({
      code: 'unauthorized',
    });
    expect(await api.redis.zrange(keys.userSessions(api.site.id, userId), 0, -1)).toEqual([]);
  });
});

describe('guest upgrade', () => {
  it('keeps the guest id and comments, under the new name, and ends the guest session', async () => {
    const guest = await api.guest('Passing Guest');
    const url = pageUrl();
    const query = `/v1/comments?page_url=${encodeURIComponent(url)}`;
    const posted = ok(
      await call({
        method: 'POST',
        url: '/v1/comments',
        token: guest.token,
        payload: { page_url: url, content: 'hi' },
      }),
      201,
    );
    expect(posted.comment).toMatchObject({ a: guest.userId, n: 'Passing Guest', g: true });
    const before = ok(await call({ method: 'GET', url: query }));
    expect(before.tree.comments[0], 'a guest shows as one').toMatchObject({ g: true });

    const address = newEmail('upgraded');
    const upgraded = await register({ name: 'Upgraded Ursula', email: address }, guest.token);
    expect(upgraded.user).toMatchObject({
      id: guest.userId,
      guest: false,
      name: 'Upgraded Ursula',
      email: address,
    });
    expect(await tokenStatus(guest.token)).toBe(401);
    expectError(await post('/v1/auth/refresh', { refresh_token: guest.refreshToken }), 401, 'unauthorized');
    expect(await tokenStatus(upgraded.token)).toBe(200);

    for (const token of [upgraded.token, undefined]) {
      const thread = ok(await call({ method: 'GET', url: query, ...(token ? { token } : {}) }));
      expect(thread.tree.comments, token ? 'signed-in read' : 'anonymous read').toHaveLength(1);
      expect(thread.tree.comments[0], token ? 'signed-in read' : 'anonymous read').toMatchObject({
        i: posted.comment.i,
        a: guest.userId,
        n: 'Upgraded Ursula',
      });
      expect(thread.tree.comments[0], 'an account is no guest').not.toHaveProperty('g');
    }
    const reply = ok(
      await call({
        method: 'POST',
        url: '/v1/comments',
        token: upgraded.token,
        payload: { page_url: url, content: 'me again', parent_id: posted.comment.i },
      }),
      201,
    );
    expect(reply.comment).toMatchObject({ a: guest.userId, n: 'Upgraded Ursula' });
    expect(reply.comment).not.toHaveProperty('g');
    expect((await login({ email: address })).user.id).toBe(guest.userId);
  });

  // Anonymous readers get a cached thread; a rename bumps the site epoch, so every
  // instance rebuilds it (this one within its page-state age).
  it('shows the new name to anonymous readers who read the thread before the upgrade', async () => {
    const guest = await api.guest('Cached Guest');
    const url = pageUrl();
    const query = `/v1/comments?page_url=${encodeURIComponent(url)}`;
    ok(
      await call({
        method: 'POST',
        url: '/v1/comments',
        token: guest.token,
        payload: { page_url: url, content: 'hi' },
      }),
      201,
    );
    expect(ok(await call({ method: 'GET', url: query })).tree.comments[0]).toMatchObject({
      n: 'Cached Guest',
    });
    await register({ name: 'Renamed Rita', email: newEmail('renamed') }, guest.token);
    await eventually(
      'the anonymous view to show the new name',
      () => call({ method: 'GET', url: query }),
      (response) => response.json().tree.comments[0]?.n === 'Renamed Rita',
      1000,
    );
  });
});

describe('display names', () => {
  // Bidi isolates and marks, zero-width space and joiner, an accent to compose.
  const RAW = '\u2067Ada\u200B  Love\u200Dlace\u2069\u200F Zoe\u0308';
  const CLEAN = 'Ada Lovelace Zoë';
  const INVISIBLE = '\u202E\u200B \u2066\u2069\uFEFF';

  it('are cleaned wherever they are set: guest, registration, code sign-in, profile', async () => {
    const guest = ok(await post('/v1/auth/guest', { name: RAW }), 201);
    expect(guest.user.name).toBe(CLEAN);
    expect((await register({ name: RAW, email: newEmail('named') })).user.name).toBe(CLEAN);
    const address = newEmail('coded');
    ok(await post('/v1/auth/otp/send', { email: address }), 204);
    const coded = ok(
      await post('/v1/auth/otp/verify', { email: address, code: await smtp.codeFor(address), name: RAW }),
    );
    expect(coded.user.name).toBe(CLEAN);
    const renamed = ok(
      await call({
        method: 'PUT',
        url: '/v1/users/me',
        token: guest.token,
        payload: { name: `${RAW}\u202E!` },
      }),
    );
    expect(renamed.name).toBe(`${CLEAN}!`);
  });

  it('refuse a name that is empty once cleaned (a code sign-in then names the account after the address)', async () => {
    expect(expectError(await post('/v1/auth/guest', { name: INVISIBLE }), 400, 'invalid_request').field).toBe(
      'name',
    );
    const refused = await post('/v1/auth/register', {
      name: INVISIBLE,
      email: newEmail(),
      password: PASSWORD,
    });
    expect(expectError(refused, 400, 'invalid_request').field).toBe('name');
    const guest = await api.guest('Visible');
    const update = await call({
      method: 'PUT',
      url: '/v1/users/me',
      token: guest.token,
      payload: { name: INVISIBLE },
    });
    expect(expectError(update, 400, 'invalid_request').field).toBe('name');
    const address = newEmail('blank');
    ok(await post('/v1/auth/otp/send', { email: address }), 204);
    const coded = ok(
      await post('/v1/auth/otp/verify', {
        email: address,
        code: await smtp.codeFor(address),
        name: INVISIBLE,
      }),
    );
    expect(coded.user.name).toBe(address.split('@')[0]);
  });

  it('refuse a look-alike of a moderator’s or an admin’s name, except to themselves', async () => {
    const moderator = await register({ name: 'Moderator Kim', email: newEmail('kim') });
    await api.promote(moderator.user.id, 'moderator');
    const admin = await register({ name: 'Site Admin', email: newEmail('boss') });
    await api.promote(admin.user.id, 'admin');
    const lookAlikes = [
      'Moderator Kim',
      'moderator  KIM',
      'Moderator Kim\u200B',
      // Cyrillic М, о, а and і, a zero, an accent, a fullwidth letter, r and n for m.
      '\u041C\u043Eder\u0430tor Kim',
      'M0derator Kim',
      'Moderator Kím',
      '\uFF2Doderator Kim',
      'Site Adrnin',
      'S\u0456te Admin',
    ];
    for (const name of lookAlikes) {
      const refused = expectError(await post('/v1/auth/guest', { name }), 400, 'invalid_request');
      expect(refused.field, name).toBe('name');
    }
    const registering = await post('/v1/auth/register', {
      name: 'M0DERAT0R KIM',
      email: newEmail(),
      password: PASSWORD,
    });
    expect(expectError(registering, 400, 'invalid_request').field).toBe('name');
    const someone = await api.guest('Someone');
    const renaming = await call({
      method: 'PUT',
      url: '/v1/users/me',
      token: someone.token,
      payload: { name: 'Site  Admin' },
    });
    expect(expectError(renaming, 400, 'invalid_request').field).toBe('name');
    // Names that only resemble in part are fine.
    expect(ok(await post('/v1/auth/guest', { name: 'Moderator Kimberly' }), 201).user.name).toBe(
      'Moderator Kimberly',
    );

    // Staff may write their own name as they like.
    const own = await call({
      method: 'PUT',
      url: '/v1/users/me',
      token: moderator.token,
      payload: { name: 'MODERATOR KIM' },
    });
    expect(ok(own).name).toBe('MODERATOR KIM');
    // A former moderator's name is free again.
    const site = await api.context.sites.get(api.site.id);
    await api.context.moderation.setRole(
      site,
      { siteId: site.id, userId: null, role: 'owner', sessionId: null },
      moderator.user.id,
      'moderator',
      false,
    );
    expect(ok(await post('/v1/auth/guest', { name: 'Moderator Kim' }), 201).user.name).toBe('Moderator Kim');
  });
});

describe('site settings', () => {
  it('require_verified: unverified accounts may not post until verified; guests are unaffected', async () => {
    await api.context.sites.setSetting(api.site.id, 'require_verified', 'true');
    try {
      // A fresh instance: another instance's site cache would show the change within 5 s.
      const app = await api.secondInstance();
      const url = pageUrl();
      const comment = (token: string) =>
        callOn(app, {
          method: 'POST',
          url: '/v1/comments',
          token,
          payload: { page_url: url, content: 'hello' },
        });

      const address = newEmail('unverified');
      const account = await register({ email: address });
      expectError(await comment(account.token), 403, 'forbidden');

      const code = await smtp.codeFor(address);
      ok(
        await callOn(app, {
          method: 'POST',
          url: '/v1/auth/verify',
          payload: { email: address, code },
          token: account.token,
        }),
      );
      ok(await comment(account.token), 201);

      const guest = ok(
        await callOn(app, { method: 'POST', url: '/v1/auth/guest', payload: { name: 'G' } }),
        201,
      );
      ok(await comment(guest.token), 201);
    } finally {
      await api.context.sites.setSetting(api.site.id, 'require_verified', 'false');
    }
    const unverified = await register({ email: newEmail('relaxed') });
    ok(
      await call({
        method: 'POST',
        url: '/v1/comments',
        token: unverified.token,
        payload: { page_url: pageUrl(), content: 'allowed again' },
      }),
      201,
    );
  });

  it('auth_methods without password: password routes are refused and not offered', async () => {
    const existing = newEmail('existing');
    await register({ email: existing });
    await api.context.sites.setSetting(api.site.id, 'auth_methods', 'email_code,google,github');
    try {
      const app = await api.secondInstance();
      const methods = ok(await callOn(app, { method: 'GET', url: '/v1/auth/methods' })).methods;
      expect(methods).not.toContain('password');
      expect(methods).toContain('email_code');

      const refused: [string, Record<string, unknown>][] = [
        ['/v1/auth/register', { name: 'N', email: newEmail(), password: PASSWORD }],
        ['/v1/auth/login', { email: existing, password: PASSWORD }],
        ['/v1/auth/forgot', { email: existing }],
        ['/v1/auth/reset', { email: existing, code: '123456', new_password: NEW_PASSWORD }],
      ];
      for (const [url, payload] of refused) {
        expectError(await callOn(app, { method: 'POST', url, payload }), 403, 'forbidden');
      }
      // E-mail codes are still offered.
      ok(
        await callOn(app, { method: 'POST', url: '/v1/auth/otp/send', payload: { email: newEmail() } }),
        204,
      );
    } finally {
      await api.context.sites.setSetting(api.site.id, 'auth_methods', 'password,email_code,google,github');
    }
    expect(ok(await call({ method: 'GET', url: '/v1/auth/methods' })).methods).toContain('password');
    await login({ email: existing });
  });
});

describe('verification codes', () => {
  it('resends a code to an unverified account, replacing the first; 409 once verified', async () => {
    const address = newEmail('resend');
    const account = await register({ email: address });
    const first = await smtp.codeFor(address);

    expectError(await call({ method: 'POST', url: '/v1/auth/verify/resend' }), 401, 'unauthorized');
    ok(await call({ method: 'POST', url: '/v1/auth/verify/resend', token: account.token }), 204);
    const message = await smtp.nextMessage(address);
    expect(message.subject).toBe(`Confirm your e-mail for ${SITE_NAME}`);
    const second = extractCode(message.text)!;
    if (second !== first) {
      expectError(
        await post('/v1/auth/verify', { email: address, code: first }, account.token),
        400,
        'invalid_request',
      );
    }
    expect(
      ok(await post('/v1/auth/verify', { email: address, code: second }, account.token)).user.email_verified,
    ).toBe(true);

    expectError(
      await call({ method: 'POST', url: '/v1/auth/verify/resend', token: account.token }),
      409,
      'conflict',
    );
    expect(smtp.messagesTo(address)).toHaveLength(2);
  });

  it('resends to an unverified phone through Twilio', async () => {
    const phone = newPhone();
    const account = await register({ phone });
    await twilio.codeFor(phone);
    ok(await call({ method: 'POST', url: '/v1/auth/verify/resend', token: account.token }), 204);
    const code = await twilio.codeFor(phone);
    expect(ok(await post('/v1/auth/verify', { phone, code }, account.token)).user.phone_verified).toBe(true);
  });
});

describe('without any delivery configured', () => {
  it('still registers (codes go to the log)', async () => {
    const bare = await startTestApi();
    try {
      const address = newEmail('quickstart');
      const registered = await bare.call({
        method: 'POST',
        url: '/v1/auth/register',
        payload: { name: 'Local', email: address, password: PASSWORD },
      });
      expect(registered.statusCode, registered.body).toBe(201);
      expect(registered.json().user).toMatchObject({ email: address, email_verified: false });
      const phone = newPhone();
      const byPhone = await bare.call({
        method: 'POST',
        url: '/v1/auth/register',
        payload: { name: 'Local', phone, password: PASSWORD },
      });
      expect(byPhone.statusCode, byPhone.body).toBe(201);
      expect(smtp.messagesTo(address)).toEqual([]);
      expect(twilio.messagesTo(phone)).toEqual([]);
    } finally {
      await bare.stop();
    }
  });
});

describe('when the mail server is down', () => {
  it('still registers, answers forgot the same for every address, and says a sign-in code could not be sent', async () => {
    // A port nothing listens on: every delivery fails.
    const closed = await freePort();
    const down = await startTestApi({ env: { SMTP_URL: `smtp://127.0.0.1:${closed}` } });
    try {
      const address = newEmail('maildown');
      const registered = await down.call({
        method: 'POST',
        url: '/v1/auth/register',
        payload: { name: 'Patient', email: address, password: PASSWORD },
      });
      expect(registered.statusCode, registered.body).toBe(201);
      for (const email of [address, newEmail('nobody')]) {
        const forgot = await down.call({ method: 'POST', url: '/v1/auth/forgot', payload: { email } });
        expect(forgot.statusCode, forgot.body).toBe(204);
      }
      const otp = await down.call({
        method: 'POST',
        url: '/v1/auth/otp/send',
        payload: { email: newEmail('otp') },
      });
      const body = expectError(otp, 503, 'unavailable');
      expect(body.error).toMatch(/e-mail could not be sent/);
    } finally {
      await down.stop();
    }
  });
});
