import { createHash } from 'node:crypto';
import type { Mailer } from '../delivery/mailer.js';
import type { SmsSender } from '../delivery/sms.js';
import { type CodePurpose, codeEmail, codeText } from '../delivery/templates.js';
import { conflict, invalid, ThreadKitError, unauthorized } from '../errors.js';
import { newId } from '../ids.js';
import { cleanName } from '../names.js';
import { checkPassword, decoyHash, hashPassword, verifyPassword } from '../passwords.js';
import type { CodeStore, LimitStore } from '../store/code-store.js';
import type { SessionStore } from '../store/session-store.js';
import type { UserStore } from '../store/user-store.js';
import { type LoginKind, newUser, type Site, type User, type Viewer } from '../types.js';
import type { AuthService, TokenPair } from './auth-service.js';
import type { DisplayNames } from './display-names.js';
import type { UsageRecorder } from './usage-recorder.js';

/** The caller's own account, as `GET /v1/users/me` shows it. */
export interface Me {
  id: string;
  name: string;
  email: string | null;
  phone: string | null;
  avatar_url: string | null;
  email_verified: boolean;
  phone_verified: boolean;
  karma: number;
  role: User['role'];
  guest: boolean;
  created_at: number;
  unread_notifications: number;
  email_notifications: boolean;
}

export interface Login {
  kind: LoginKind;
  value: string;
}

export interface LoginInput {
  email?: string | undefined;
  phone?: string | undefined;
}

/** Limits: [events, window in seconds]. */
const ACCOUNT_LIMITS = {
  /** Codes sent to one e-mail or phone. */
  codesPerTarget: [3, 600],
  /** Codes sent for one client address. */
  codesPerIp: [20, 600],
  /** Wrong passwords for one account before sign-in is refused for the window. */
  failedLoginsPerAccount: [10, 900],
  /** Sign-in, code and reset attempts from one client address. */
  attemptsPerIp: [60, 900],
} as const satisfies Record<string, readonly [number, number]>;

const PHONE = /^\+[1-9]\d{6,14}$/;

/** One login from an input that has an e-mail or a phone: normalised, validated. */
export function loginOf(input: LoginInput): Login {
  if (input.email !== undefined && input.phone !== undefined) {
    throw invalid('email', 'give an e-mail or a phone number, not both');
  }
  if (input.email !== undefined) {
    const value = input.email.trim().toLowerCase();
    if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(value) || value.length > 254)
      throw invalid('email', 'email is not an e-mail address');
    return { kind: 'email', value };
  }
  if (input.phone !== undefined) {
    const value = input.phone.replace(/[\s().-]/g, '');
    if (!PHONE.test(value))
      throw invalid('phone', 'phone must be an international number, like +14155550123');
    return { kind: 'phone', value };
  }
  throw invalid('email', 'give an e-mail or a phone number');
}

/**
 * Accounts with a password or a one-time e-mail code: register, verify, sign
 * in, reset. Codes are sent by e-mail or text message. Answers never reveal
 * whether an account exists where that matters (forgot, code sign-in), nor
 * take longer when it does, and a wrong e-mail costs as long as a wrong password.
 */
export class AccountService {
  /** Work started after answering (a reset code's delivery), until it is done. */
  private readonly pending = new Set<Promise<void>>();

  constructor(
    private readonly deps: {
      users: UserStore;
      sessions: SessionStore;
      codes: CodeStore;
      limits: LimitStore;
      auth: AuthService;
      names: DisplayNames;
      mailer: Mailer;
      sms: SmsSender;
      /**
       * Told when a code could not be sent: the request gets a plain `unavailable`, or,
       * for a code sent after answering (a reset's), nothing.
       */
      onDeliveryError?: (error: unknown, channel: LoginKind) => void;
      /** Counts the accounts created (a guest upgraded in place was counted as a guest). */
      usage?: Pick<UsageRecorder, 'recordNewCommenter'>;
    },
  ) {}

  /** The account that signs in with this e-mail or phone, if any (for admin tools). */
  async findAccount(siteId: string, emailOrPhone: string): Promise<string | null> {
    const login = loginOf(emailOrPhone.includes('@') ? { email: emailOrPhone } : { phone: emailOrPhone });
    return this.deps.users.findByLogin(siteId, login.kind, login.value);
  }

  async me(siteId: string, user: User): Promise<Me> {
    return {
      id: user.id,
      name: user.name,
      email: user.email,
      phone: user.phone,
      avatar_url: user.avatar_url,
      email_verified: user.email_verified,
      phone_verified: user.phone_verified,
      karma: user.karma,
      role: user.role,
      guest: user.guest,
      created_at: user.created_at,
      unread_notifications: await this.deps.users.unreadCount(siteId, user.id),
      email_notifications: user.email_notifications,
    };
  }

  /** A new account (or a guest's upgrade, keeping their id and comments); a verification code is sent. */
  async register(
    site: Site,
    viewer: Viewer & { user?: User | null },
    input: LoginInput & { name: string; password: string },
    ip: string,
  ): Promise<TokenPair & { user: Me }> {
    const login = loginOf(input);
    const name = await this.deps.names.accept(site.id, input.name);
    checkPassword(input.password);
    const base = viewer.user?.guest ? viewer.user : null;
    const user = this.account(base, { name, login, verified: false });
    if (!(await this.deps.users.createWithLogin(site.id, user, login, await hashPassword(input.password)))) {
      throw conflict(
        `An account with this ${login.kind === 'email' ? 'e-mail' : 'phone number'} exists: sign in, or reset its password.`,
      );
    }
    if (!base) this.deps.usage?.recordNewCommenter(site.id);
    await this.sendCode(site, login, 'verify', ip, user.id).catch((error) => {
      // The account exists either way; a code can be asked for again.
      if (
        !(error instanceof ThreadKitError && (error.code === 'rate_limited' || error.code === 'unavailable'))
      ) {
        throw error;
      }
    });
    return this.signedIn(site.id, user.id, base ? viewer : null);
  }

  /** Sends a fresh verification code to the signed-in account's e-mail or phone. */
  async resendVerification(site: Site, user: User, ip: string): Promise<void> {
    const login: Login | null =
      user.email && !user.email_verified
        ? { kind: 'email', value: user.email }
        : user.phone && !user.phone_verified
          ? { kind: 'phone', value: user.phone }
          : null;
    if (!login) throw conflict('There is nothing left to verify on this account.');
    await this.sendCode(site, login, 'verify', ip, user.id);
  }

  /**
   * Confirms the address with the code sent to it. Entered with the account's own
   * session, it is whoever registered proving the address; without, it is the
   * address's owner, who may not be them (`addressProven`).
   */
  async verify(site: Site, viewer: Viewer, input: LoginInput & { code: string }, ip: string): Promise<Me> {
    const login = loginOf(input);
    await this.attempt(site.id, ip);
    const userId = await this.deps.codes.use(site.id, 'verify', loginKey(login), input.code);
    if (viewer.userId === userId) {
      await this.deps.users.update(site.id, userId, { [`${login.kind}_verified`]: 1 });
    } else {
      await this.addressProven(site.id, userId, login.kind);
    }
    return this.me(site.id, await this.existing(site.id, userId));
  }

  /**
   * An address was just proven on the account (a code that reached it, a provider
   * that verified it): from now on it counts as verified. When it did not before,
   * whoever registered it had not proved it, perhaps to wait for its owner: their
   * password is removed and every session ends, at once, so the owner does not
   * share the account with them. Every path that proves an address comes here;
   * a provider's sign-in does the same in the step that links it (`prove_address`
   * in the scripts' prelude serves both).
   */
  async addressProven(siteId: string, userId: string, kind: LoginKind): Promise<void> {
    await this.deps.users.proveAddress(siteId, userId, kind);
  }

  async login(
    site: Site,
    input: LoginInput & { password: string },
    ip: string,
  ): Promise<TokenPair & { user: Me }> {
    const login = loginOf(input);
    await this.attempt(site.id, ip);
    const [failed, max] = [
      await this.deps.limits.count(site.id, 'failed-login', loginKey(login)),
      ACCOUNT_LIMITS.failedLoginsPerAccount[0],
    ];
    if (failed.count >= max)
      throw tooMany(
        failed.ttl,
        'Too many wrong passwords for this account; try again later or reset the password.',
      );

    const userId = await this.deps.users.findByLogin(site.id, login.kind, login.value);
    const hash = userId ? await this.deps.users.passwordHash(site.id, userId) : null;
    const matches = await verifyPassword(hash ?? (await decoyHash()), input.password);
    if (!userId || !hash || !matches) {
      await this.deps.limits.hit(
        site.id,
        'failed-login',
        loginKey(login),
        ACCOUNT_LIMITS.failedLoginsPerAccount[1],
      );
      throw unauthorized(`Wrong ${login.kind === 'email' ? 'e-mail' : 'phone number'} or password.`);
    }
    await this.deps.limits.clear(site.id, 'failed-login', loginKey(login));
    // Only while the password just checked is still the account's (an address proven meanwhile removes it).
    return this.signedIn(site.id, userId, null, { password: hash });
  }

  /**
   * Sends a reset code when the account exists; answers the same either way, and
   * as soon: a mail server takes hundreds of milliseconds, which would tell an
   * existing account from a missing one. So only the limits are checked before
   * answering; looking the account up and sending the code happen after.
   */
  async forgot(site: Site, input: LoginInput, ip: string): Promise<void> {
    const login = loginOf(input);
    await this.sendLimits(site.id, login, ip);
    this.afterAnswering(async () => {
      const userId = await this.deps.users.findByLogin(site.id, login.kind, login.value);
      if (!userId) return;
      await this.send(
        site,
        login,
        'reset',
        await this.deps.codes.issue(site.id, 'reset', loginKey(login), userId),
      );
    }, login.kind);
  }

  /** Resolves when the work started after answering so far is done (tests, shutdown). */
  async settled(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }

  /** Sets a new password with a reset code, and ends every session of the account. */
  async reset(
    site: Site,
    input: LoginInput & { code: string; new_password: string },
    ip: string,
  ): Promise<void> {
    const login = loginOf(input);
    checkPassword(input.new_password, 'new_password');
    await this.attempt(site.id, ip);
    const userId = await this.deps.codes.use(site.id, 'reset', loginKey(login), input.code);
    // The code reached the address, which proves it is theirs.
    await this.addressProven(site.id, userId, login.kind);
    await this.deps.users.setPasswordHash(site.id, userId, await hashPassword(input.new_password));
    await this.deps.limits.clear(site.id, 'failed-login', loginKey(login));
    await this.deps.sessions.revokeAll(site.id, userId);
  }

  /** Passwordless sign-in: a code by e-mail, for an account or for one to be created. */
  async sendSigninCode(site: Site, input: { email: string }, ip: string): Promise<void> {
    const login = loginOf({ email: input.email });
    await this.sendCode(site, login, 'signin', ip, '');
  }

  async verifySigninCode(
    site: Site,
    viewer: Viewer & { user?: User | null },
    input: { email: string; code: string; name?: string | undefined },
    ip: string,
  ): Promise<TokenPair & { user: Me }> {
    const login = loginOf({ email: input.email });
    await this.attempt(site.id, ip);
    await this.deps.codes.use(site.id, 'signin', loginKey(login), input.code);
    // A registration between the lookup and the creation is found on the second pass.
    for (let attempt = 0; attempt < 2; attempt++) {
      const existing = await this.deps.users.findByLogin(site.id, 'email', login.value);
      if (existing) {
        await this.addressProven(site.id, existing, 'email');
        return this.signedIn(site.id, existing, null);
      }
      // First use: the account is created, named as asked or (asked for none, or nothing
      // visible) after the address.
      const base = viewer.user?.guest ? viewer.user : null;
      const asked = input.name ?? '';
      const name = cleanName(asked)
        ? await this.deps.names.accept(site.id, asked)
        : await this.deps.names.pick(site.id, [login.value.split('@')[0]]);
      const user = this.account(base, { name, login, verified: true });
      if (await this.deps.users.createWithLogin(site.id, user, login, null)) {
        if (!base) this.deps.usage?.recordNewCommenter(site.id);
        return this.signedIn(site.id, user.id, base ? viewer : null);
      }
    }
    throw conflict('The account for this e-mail keeps changing; sign in again.');
  }

  private account(base: User | null, options: { name: string; login: Login; verified: boolean }): User {
    const { login } = options;
    return newUser({
      ...(base ?? {}),
      id: base?.id ?? newId(),
      name: options.name,
      guest: false,
      email: login.kind === 'email' ? login.value : null,
      phone: login.kind === 'phone' ? login.value : null,
      email_verified: login.kind === 'email' && options.verified,
      phone_verified: login.kind === 'phone' && options.verified,
      email_notifications: false,
    });
  }

  /** A session for the account; an upgraded guest's old session ends, its comments stay theirs. */
  private async signedIn(
    siteId: string,
    userId: string,
    upgradedFrom: Viewer | null,
    checked?: { password: string },
  ): Promise<TokenPair & { user: Me }> {
    if (upgradedFrom?.sessionId) await this.deps.sessions.revoke(siteId, upgradedFrom.sessionId, userId);
    const tokens = await this.deps.auth.startSession(siteId, userId, checked);
    return { ...tokens, user: await this.me(siteId, await this.existing(siteId, userId)) };
  }

  private async existing(siteId: string, userId: string): Promise<User> {
    const user = await this.deps.users.get(siteId, userId);
    if (!user) throw unauthorized('The account no longer exists.');
    return user;
  }

  private async sendCode(
    site: Site,
    login: Login,
    purpose: CodePurpose,
    ip: string,
    payload: string,
  ): Promise<void> {
    await this.sendLimits(site.id, login, ip);
    await this.deliver(
      site,
      login,
      purpose,
      await this.deps.codes.issue(site.id, purpose, loginKey(login), payload),
    );
  }

  /** Sends a code while the request waits: a failure is answered with `unavailable`. */
  private async deliver(site: Site, login: Login, purpose: CodePurpose, code: string): Promise<void> {
    try {
      await this.send(site, login, purpose, code);
    } catch (error) {
      this.deps.onDeliveryError?.(error, login.kind);
      throw new ThreadKitError(
        'unavailable',
        `The ${login.kind === 'email' ? 'e-mail' : 'text message'} could not be sent; try again shortly.`,
      );
    }
  }

  private async send(site: Site, login: Login, purpose: CodePurpose, code: string): Promise<void> {
    if (login.kind === 'email') {
      await this.deps.mailer.send(codeEmail({ to: login.value, site: site.name, purpose, code }));
    } else {
      await this.deps.sms.send(login.value, codeText({ site: site.name, purpose, code }));
    }
  }

  /**
   * Runs `work` once the answer is on its way. Nobody waits for it, so a failure
   * (the mail server, Redis) is reported, not thrown: the person can ask again.
   */
  private afterAnswering(work: () => Promise<void>, channel: LoginKind): void {
    const done = new Promise<void>((resolve) => setImmediate(resolve))
      .then(work)
      .catch((error) => this.deps.onDeliveryError?.(error, channel));
    this.pending.add(done);
    void done.finally(() => this.pending.delete(done));
  }

  private async sendLimits(siteId: string, login: Login, ip: string): Promise<void> {
    const [perTarget, targetWindow] = ACCOUNT_LIMITS.codesPerTarget;
    const [perIp, ipWindow] = ACCOUNT_LIMITS.codesPerIp;
    const target = await this.deps.limits.hit(siteId, 'codes', loginKey(login), targetWindow);
    if (target.count > perTarget)
      throw tooMany(target.ttl, 'Too many codes were sent to this address; wait before asking again.');
    const address = await this.deps.limits.hit(siteId, 'codes-ip', ip, ipWindow);
    if (address.count > perIp)
      throw tooMany(address.ttl, 'Too many codes were asked for; wait before asking again.');
  }

  /** Counts a sign-in, code or reset attempt from the client address. */
  private async attempt(siteId: string, ip: string): Promise<void> {
    const [max, window] = ACCOUNT_LIMITS.attemptsPerIp;
    const { count, ttl } = await this.deps.limits.hit(siteId, 'attempts-ip', ip, window);
    if (count > max) throw tooMany(ttl, 'Too many attempts; wait before trying again.');
  }
}

/**
 * How codes and limits name a login in Redis: a digest, so no key carries an
 * address (and erasing an account can still find them: see erase_user.lua).
 */
const loginKey = (login: Login) => `${login.kind}:${createHash('sha1').update(login.value).digest('hex')}`;

const tooMany = (retryAfter: number, message: string) =>
  new ThreadKitError('rate_limited', message, { retryAfter: Math.max(retryAfter, 1) });
