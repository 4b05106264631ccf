import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '../db/database';
import { databaseEngines } from '../db/test-databases';
import { linkTokenIn, mailForFile, refusal } from '../test-support';
import { LOCKOUT_AFTER, LOCKOUT_MS, OwnerAccounts } from './accounts';
import { SESSION_IDLE_MS } from './sessions';

const engines = databaseEngines();
const client = { ip: '127.0.0.1', userAgent: 'vitest' };
const PASSWORD = 'correct horse battery';

const mail = mailForFile();
const linkTokenFor = (to: string) => linkTokenIn(mail.smtp, to);

describe.each(engines)('owner accounts on $name', (engine) => {
  let handle: DatabaseHandle;
  let accounts: OwnerAccounts;
  let now: number;
  let run = 0;
  const mailErrors: unknown[] = [];
  // Addresses differ per engine and test: the SMTP server is shared by the whole file.
  const address = (who: string) => `${who}.${engine.name}.${run}@example.com`;

  // One database per engine: opening one (PGlite above all) takes seconds, and each test has addresses of its own.
  beforeAll(async () => {
    handle = await engine.open('accounts');
  });
  afterAll(async () => {
    await handle?.close();
  });
  beforeEach(() => {
    run++;
    now = Date.UTC(2026, 0, 1);
    accounts = new OwnerAccounts({
      db: handle.db,
      mailer: mail.mailer,
      link: (path) => `https://dashboard.test${path}`,
      onMailError: (error) => mailErrors.push(error),
      now: () => now,
    });
  });
  afterEach(() => {
    expect(mailErrors).toEqual([]);
  });

  it('signs up, signed in but unverified, and verifies the address once from the e-mailed link', async () => {
    const email = address('ada');
    const { owner, token } = await accounts.signUp(
      { email: email.toUpperCase(), password: PASSWORD, name: ' Ada ' },
      client,
    );
    expect(owner).toMatchObject({ email, name: 'Ada', emailVerifiedAt: null });
    expect((await accounts.sessions.authenticate(token))?.owner.id).toBe(owner.id);

    const link = await linkTokenFor(email);
    expect((await accounts.confirmEmail(link))?.emailVerifiedAt).toEqual(new Date(now));
    expect(await accounts.confirmEmail(link)).toBeNull();
  });

  it('refuses a taken address, a weak password and a malformed address, naming the field', async () => {
    const email = address('grace');
    await accounts.signUp({ email, password: PASSWORD, name: 'Grace' }, client);
    expect((await refusal(accounts.signUp({ email, password: PASSWORD, name: 'G' }, client))).code).toBe(
      'conflict',
    );
    const weak = await refusal(
      accounts.signUp({ email: address('weak'), password: 'password1', name: 'W' }, client),
    );
    expect([weak.code, weak.field]).toEqual(['invalid_request', 'password']);
    const malformed = await refusal(
      accounts.signUp({ email: 'not-an-address', password: PASSWORD, name: 'M' }, client),
    );
    expect([malformed.code, malformed.field]).toEqual(['invalid_request', 'email']);
  });

  it('answers a wrong password and an unknown address alike, and locks after five wrong passwords in a row', async () => {
    const email = address('lin');
    await accounts.signUp({ email, password: PASSWORD, name: 'Lin' }, client);
    const unknown = await refusal(accounts.signIn({ email: address('nobody'), password: PASSWORD }, client));
    const wrong = await refusal(accounts.signIn({ email, password: 'wrong password' }, client));
    expect([unknown.code, unknown.message]).toEqual([wrong.code, wrong.message]);
    expect(wrong.code).toBe('unauthorized');

    for (let i = 2; i < LOCKOUT_AFTER; i++)
      await refusal(accounts.signIn({ email, password: 'wrong' }, client));
    const lock = await refusal(accounts.signIn({ email, password: 'wrong' }, client));
    expect([lock.code, lock.retryAfter]).toEqual(['rate_limited', LOCKOUT_MS / 1000]);
    // Locked means locked: the right password waits too.
    expect((await refusal(accounts.signIn({ email, password: PASSWORD }, client))).code).toBe('rate_limited');

    now += LOCKOUT_MS;
    const { owner } = await accounts.signIn({ email, password: PASSWORD }, client);
    expect(owner.email).toBe(email);
    // The count started again: one wrong password is not a lock.
    expect((await refusal(accounts.signIn({ email, password: 'wrong' }, client))).code).toBe('unauthorized');
  });

  it('lists, ends and expires sessions, each owner only their own', async () => {
    const mine = await accounts.signUp({ email: address('mine'), password: PASSWORD, name: 'Mine' }, client);
    const other = await accounts.signUp(
      { email: address('other'), password: PASSWORD, name: 'Other' },
      client,
    );
    const second = await accounts.signIn(
      { email: address('mine'), password: PASSWORD },
      { ip: '10.0.0.2', userAgent: 'phone' },
    );

    const listed = await accounts.sessions.list(mine.owner.id);
    expect(listed.map((s) => s.id).sort()).toEqual([mine.session.id, second.session.id].sort());
    expect(JSON.stringify(listed)).not.toContain(mine.token);

    expect(await accounts.sessions.endOne(mine.owner.id, other.session.id)).toBe(false);
    expect(await accounts.sessions.authenticate(other.token)).not.toBeNull();
    expect(await accounts.sessions.endOne(mine.owner.id, second.session.id)).toBe(true);
    expect(await accounts.sessions.authenticate(second.token)).toBeNull();

    await accounts.sessions.end(other.token);
    expect(await accounts.sessions.authenticate(other.token)).toBeNull();

    // Used within the idle time, a session lives on; left alone longer, it is gone.
    now += SESSION_IDLE_MS - 1000;
    expect(await accounts.sessions.authenticate(mine.token)).not.toBeNull();
    now += SESSION_IDLE_MS + 1000;
    expect(await accounts.sessions.authenticate(mine.token)).toBeNull();
    expect(await accounts.sessions.list(mine.owner.id)).toEqual([]);
  });

  it('resets a forgotten password from the e-mailed link, ending every session and the lock', async () => {
    const email = address('reset');
    const { token } = await accounts.signUp({ email, password: PASSWORD, name: 'Reset' }, client);
    await mail.smtp.nextMessage(email); // the verification
    for (let i = 0; i < LOCKOUT_AFTER; i++)
      await refusal(accounts.signIn({ email, password: 'wrong' }, client));

    accounts.forgotPassword({ email: address('unknown') });
    accounts.forgotPassword({ email });
    const link = await linkTokenFor(email);
    const owner = await accounts.resetPassword({ token: link, password: 'a new long passphrase' });
    expect(owner.emailVerifiedAt).not.toBeNull();
    expect(mail.smtp.messagesTo(address('unknown'))).toEqual([]);

    expect(await accounts.sessions.authenticate(token)).toBeNull();
    expect((await refusal(accounts.signIn({ email, password: PASSWORD }, client))).code).toBe('unauthorized');
    await accounts.signIn({ email, password: 'a new long passphrase' }, client);
    const reused = await refusal(accounts.resetPassword({ token: link, password: 'another passphrase' }));
    expect([reused.code, reused.field]).toEqual(['invalid_request', 'token']);
  });

  it('changes the password with the current one, keeping only the session that asked', async () => {
    const email = address('change');
    const first = await accounts.signUp({ email, password: PASSWORD, name: 'Change' }, client);
    const second = await accounts.signIn({ email, password: PASSWORD }, client);
    const wrong = await refusal(
      accounts.changePassword(first.owner, first.session, {
        current: 'not it',
        password: 'brand new passphrase',
      }),
    );
    expect(wrong.field).toBe('current');
    await accounts.changePassword(first.owner, first.session, {
      current: PASSWORD,
      password: 'brand new passphrase',
    });
    expect(await accounts.sessions.authenticate(first.token)).not.toBeNull();
    expect(await accounts.sessions.authenticate(second.token)).toBeNull();
    await accounts.signIn({ email, password: 'brand new passphrase' }, client);
  });

  it('moves to a new address only once the link sent there is followed', async () => {
    const email = address('move');
    const { owner } = await accounts.signUp({ email, password: PASSWORD, name: 'Move' }, client);
    await accounts.signUp({ email: address('taken'), password: PASSWORD, name: 'Taken' }, client);
    expect(
      (await refusal(accounts.requestEmailChange(owner, { email: address('taken'), password: PASSWORD })))
        .code,
    ).toBe('conflict');
    expect(
      (await refusal(accounts.requestEmailChange(owner, { email: address('new'), password: 'wrong' }))).field,
    ).toBe('password');

    await accounts.requestEmailChange(owner, { email: address('new'), password: PASSWORD });
    const link = await linkTokenFor(address('new'));
    await accounts.signIn({ email, password: PASSWORD }, client);
    const moved = await accounts.confirmEmail(link);
    expect(moved).toMatchObject({ id: owner.id, email: address('new') });
    await accounts.signIn({ email: address('new'), password: PASSWORD }, client);
  });

  it('signs in with a provider: by its account first, else by a verified address, never by an unverified one', async () => {
    const identity = (subject: string, email: string | null, emailVerified = true) => ({
      subject,
      email,
      emailVerified,
      name: 'Pat',
      avatarUrl: null,
    });
    const fresh = await accounts.signInWithProvider('google', identity(`g-${run}`, address('pat')), client);
    expect(fresh.owner).toMatchObject({ email: address('pat'), name: 'Pat', passwordHash: null });
    expect(fresh.owner.emailVerifiedAt).not.toBeNull();
    // The same Google account finds the same owner, whatever address it now shows.
    const again = await accounts.signInWithProvider('google', identity(`g-${run}`, address('other')), client);
    expect(again.owner.id).toBe(fresh.owner.id);
    // GitHub vouching for the same address signs into the same owner too.
    expect(
      (await accounts.signInWithProvider('github', identity(`h-${run}`, address('pat')), client)).owner.id,
    ).toBe(fresh.owner.id);
    expect(
      (
        await refusal(
          accounts.signInWithProvider('google', identity(`u-${run}`, address('u'), false), client),
        )
      ).code,
    ).toBe('forbidden');
    expect(
      (await refusal(accounts.signInWithProvider('google', identity(`n-${run}`, null), client))).code,
    ).toBe('forbidden');
  });

  it('takes an unverified sign-up’s password and sessions away when a provider proves the address', async () => {
    // Someone signs up with an address that is not theirs and waits for its holder to arrive through Google.
    const squatter = await accounts.signUp(
      { email: address('held'), password: PASSWORD, name: 'Squat' },
      client,
    );
    const holder = await accounts.signInWithProvider(
      'google',
      { subject: `s-${run}`, email: address('held'), emailVerified: true, name: 'Holder', avatarUrl: null },
      client,
    );
    expect(holder.owner.id).toBe(squatter.owner.id);
    expect(holder.owner.passwordHash).toBeNull();
    expect(await accounts.sessions.authenticate(squatter.token)).toBeNull();
    expect(await accounts.sessions.authenticate(holder.token)).not.toBeNull();
    expect(
      (await refusal(accounts.signIn({ email: address('held'), password: PASSWORD }, client))).code,
    ).toBe('unauthorized');
  });
});
