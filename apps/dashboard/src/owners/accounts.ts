import {
  checkPassword,
  conflict,
  decoyHash,
  hashPassword,
  invalid,
  loginOf,
  MAX_NAME_LENGTH,
  type Mailer,
  newId,
  type ProviderIdentity,
  ThreadKitError,
  unauthorized,
  validateName,
  verifyPassword,
} from '@threadkit/core';
import { and, eq, sql } from 'drizzle-orm';
import type { Database } from '../db/database';
import { ownerIdentities, ownerSessions, owners } from '../db/schema';
import { emailChangeEmail, passwordResetEmail, verificationEmail } from './emails';
import { OneTimeTokens } from './one-time-tokens';
import { type ClientInfo, type Owner, type OwnerSession, OwnerSessions } from './sessions';

/** Wrong passwords in a row that lock an account, and for how long. */
export const LOCKOUT_AFTER = 5;
export const LOCKOUT_MS = 15 * 60 * 1000;

export interface SignedIn {
  owner: Owner;
  session: OwnerSession;
  /** The session token for the cookie; shown once. */
  token: string;
}

export interface OwnerAccountsDeps {
  db: Database;
  mailer: Mailer;
  /** The dashboard's absolute URL for a path and query, for links in e-mails. */
  link: (path: string) => string;
  /** Reports an e-mail that could not be sent after the request answered. */
  onMailError: (error: unknown) => void;
  now?: () => number;
}

/**
 * Site owners' accounts: a user pool of the dashboard's own, apart from the
 * commenters of any site. Passwords follow the commenters' rules (argon2id,
 * the same length and common-password checks); an address is proved by an
 * e-mailed link before its owner can add sites.
 */
export class OwnerAccounts {
  readonly sessions: OwnerSessions;
  private readonly tokens: OneTimeTokens;
  private readonly now: () => number;

  constructor(private readonly deps: OwnerAccountsDeps) {
    this.now = deps.now ?? Date.now;
    this.sessions = new OwnerSessions(deps.db, this.now);
    this.tokens = new OneTimeTokens(deps.db, this.now);
  }

  /**
   * Creates an account and signs it in, unverified, and sends the link that
   * verifies it. An address that has an account answers 409, as for
   * commenters: sign-up cannot keep that secret without also hiding mistakes.
   */
  async signUp(
    input: { email: string; password: string; name: string },
    client: ClientInfo,
  ): Promise<SignedIn> {
    const email = loginOf({ email: input.email }).value;
    const name = validateName(input.name);
    checkPassword(input.password);
    const passwordHash = await hashPassword(input.password);
    const [owner] = await this.deps.db
      .insert(owners)
      .values({ id: newId(), email, name, passwordHash, createdAt: new Date(this.now()) })
      .onConflictDoNothing()
      .returning();
    if (!owner) throw conflict('An account with this e-mail exists: sign in, or reset its password.');
    await this.sendVerification(owner);
    return { owner, ...(await this.sessions.start(owner.id, client)) };
  }

  /** Sends the verification link again (the newest link is the only one that works). */
  async sendVerification(owner: Pick<Owner, 'id' | 'email'>): Promise<void> {
    const secret = await this.tokens.issue(owner.id, 'verify_email', owner.email);
    await this.deps.mailer.send(verificationEmail(owner.email, this.deps.link(`/verify?token=${secret}`)));
  }

  /**
   * Follows a verification or address-change link: the address it proves
   * becomes the owner's, verified. Null when the link is not valid (any more).
   */
  async confirmEmail(secret: string): Promise<Owner | null> {
    const proof = await this.tokens.consume(secret, ['verify_email', 'change_email']);
    if (!proof) return null;
    const [owner] = await this.deps.db
      .update(owners)
      .set({ email: proof.email, emailVerifiedAt: new Date(this.now()) })
      .where(eq(owners.id, proof.ownerId))
      .returning()
      .catch((error: unknown) => {
        // Someone else took the new address meanwhile.
        if (isUniqueViolation(error)) throw conflict('Another account uses this e-mail now.');
        throw error;
      });
    return owner ?? null;
  }

  /**
   * Signs in with e-mail and password. An unknown address takes as long as a
   * wrong password; five wrong passwords in a row lock the account for
   * 15 minutes, right password or not (resetting the password unlocks it).
   */
  async signIn(input: { email: string; password: string }, client: ClientInfo): Promise<SignedIn> {
    const email = loginOf({ email: input.email }).value;
    const [owner] = await this.deps.db.select().from(owners).where(eq(owners.email, email));
    const wrong = () => unauthorized('Wrong e-mail or password.');
    if (!owner?.passwordHash) {
      await verifyPassword(await decoyHash(), input.password);
      throw wrong();
    }
    const now = this.now();
    if (owner.lockedUntil && owner.lockedUntil.getTime() > now)
      throw locked(owner.lockedUntil.getTime() - now);
    if (!(await verifyPassword(owner.passwordHash, input.password))) {
      const [after] = await this.deps.db
        .update(owners)
        .set({ failedSignIns: sql`${owners.failedSignIns} + 1` })
        .where(eq(owners.id, owner.id))
        .returning({ failedSignIns: owners.failedSignIns });
      if ((after?.failedSignIns ?? 0) >= LOCKOUT_AFTER) {
        await this.deps.db
          .update(owners)
          .set({ failedSignIns: 0, lockedUntil: new Date(now + LOCKOUT_MS) })
          .where(eq(owners.id, owner.id));
        throw locked(LOCKOUT_MS);
      }
      throw wrong();
    }
    if (owner.failedSignIns > 0 || owner.lockedUntil) {
      await this.deps.db
        .update(owners)
        .set({ failedSignIns: 0, lockedUntil: null })
        .where(eq(owners.id, owner.id));
    }
    return { owner, ...(await this.sessions.start(owner.id, client)) };
  }

  /**
   * Signs in with Google, GitHub or another configured provider. The owner is
   * found by the provider's account first; a new one is linked to the owner
   * with the same address when the provider vouches for it (or becomes a new
   * owner, verified, without a password). A provider account without a
   * verified address cannot sign in: nothing would tie it to an owner.
   */
  async signInWithProvider(
    provider: string,
    identity: ProviderIdentity,
    client: ClientInfo,
  ): Promise<SignedIn> {
    const [linked] = await this.deps.db
      .select({ owner: owners })
      .from(ownerIdentities)
      .innerJoin(owners, eq(owners.id, ownerIdentities.ownerId))
      .where(and(eq(ownerIdentities.provider, provider), eq(ownerIdentities.subject, identity.subject)));
    if (linked) return { owner: linked.owner, ...(await this.sessions.start(linked.owner.id, client)) };
    if (!identity.email || !identity.emailVerified)
      throw new ThreadKitError(
        'forbidden',
        'This account has no verified e-mail address there: verify one with the provider, or sign up with a password.',
      );
    const email = loginOf({ email: identity.email }).value;
    const now = new Date(this.now());
    const owner = await this.deps.db.transaction(async (tx) => {
      let [found] = await tx.select().from(owners).where(eq(owners.email, email)).for('update');
      if (!found) {
        [found] = await tx
          .insert(owners)
          .values({
            id: newId(),
            email,
            name: (identity.name ?? '').trim().slice(0, MAX_NAME_LENGTH),
            emailVerifiedAt: now,
            createdAt: now,
          })
          .returning();
      } else if (!found.emailVerifiedAt) {
        // The provider proved the address that an unverified sign-up only claimed: whoever chose that
        // password may not be its holder, so the password and its sessions go (a reset sets a new one).
        [found] = await tx
          .update(owners)
          .set({ emailVerifiedAt: now, passwordHash: null })
          .where(eq(owners.id, found.id))
          .returning();
        await tx.delete(ownerSessions).where(eq(ownerSessions.ownerId, found!.id));
      }
      await tx
        .insert(ownerIdentities)
        .values({ provider, subject: identity.subject, ownerId: found!.id, createdAt: now })
        .onConflictDoNothing();
      return found!;
    });
    return { owner, ...(await this.sessions.start(owner.id, client)) };
  }

  /**
   * Sends a reset link when the address has an account. It answers the same,
   * and as fast, either way: the e-mail goes out after the answer.
   */
  forgotPassword(input: { email: string }): void {
    const email = loginOf({ email: input.email }).value;
    void (async () => {
      const [owner] = await this.deps.db.select().from(owners).where(eq(owners.email, email));
      if (!owner) return;
      const secret = await this.tokens.issue(owner.id, 'reset_password', owner.email);
      await this.deps.mailer.send(passwordResetEmail(owner.email, this.deps.link(`/reset?token=${secret}`)));
    })().catch(this.deps.onMailError);
  }

  /**
   * Sets a new password from a reset link: every session ends, the lock goes,
   * and the address counts as verified (the link reached it).
   */
  async resetPassword(input: { token: string; password: string }): Promise<Owner> {
    checkPassword(input.password);
    const proof = await this.tokens.consume(input.token, ['reset_password']);
    if (!proof) throw invalid('token', 'This link is not valid any more: ask for a new one.');
    const passwordHash = await hashPassword(input.password);
    const [owner] = await this.deps.db
      .update(owners)
      .set({ passwordHash, failedSignIns: 0, lockedUntil: null, emailVerifiedAt: new Date(this.now()) })
      .where(and(eq(owners.id, proof.ownerId), eq(owners.email, proof.email)))
      .returning();
    if (!owner) throw invalid('token', 'This link is not valid any more: ask for a new one.');
    await this.sessions.endAll(owner.id);
    return owner;
  }

  /** Changes the password, given the current one; every other session ends. */
  async changePassword(
    owner: Owner,
    session: OwnerSession,
    input: { current: string; password: string },
  ): Promise<void> {
    await this.requirePassword(owner, input.current, 'current');
    checkPassword(input.password);
    const passwordHash = await hashPassword(input.password);
    await this.deps.db.update(owners).set({ passwordHash }).where(eq(owners.id, owner.id));
    await this.sessions.endAll(owner.id, session.id);
  }

  /** Sends a link to the new address; the account keeps its address until the link is followed. */
  async requestEmailChange(owner: Owner, input: { email: string; password: string }): Promise<void> {
    await this.requirePassword(owner, input.password, 'password');
    const email = loginOf({ email: input.email }).value;
    if (email === owner.email) throw invalid('email', 'This is already your address.');
    const [taken] = await this.deps.db.select({ id: owners.id }).from(owners).where(eq(owners.email, email));
    if (taken) throw conflict('Another account uses this e-mail.');
    const secret = await this.tokens.issue(owner.id, 'change_email', email);
    await this.deps.mailer.send(emailChangeEmail(email, this.deps.link(`/verify?token=${secret}`)));
  }

  async rename(owner: Owner, input: { name: string }): Promise<Owner> {
    const [renamed] = await this.deps.db
      .update(owners)
      .set({ name: validateName(input.name) })
      .where(eq(owners.id, owner.id))
      .returning();
    return renamed ?? owner;
  }

  /**
   * Removes the account row; its sessions, one-time tokens, identities and
   * ownership of shared sites go with it (ON DELETE CASCADE). `closeAccount`
   * deals with the sites first.
   */
  async remove(ownerId: string): Promise<void> {
    await this.deps.db.delete(owners).where(eq(owners.id, ownerId));
  }

  /** Checks a password the owner typed to confirm a sensitive change. */
  async requirePassword(owner: Owner, password: string, field: string): Promise<void> {
    if (!owner.passwordHash) return;
    if (!(await verifyPassword(owner.passwordHash, password))) throw invalid(field, 'The password is wrong.');
  }
}

const locked = (ms: number) =>
  new ThreadKitError('rate_limited', 'Too many wrong passwords: this account is locked for a while.', {
    retryAfter: Math.ceil(ms / 1000),
  });

/** Postgres and PGlite both report a unique-constraint violation as SQLSTATE 23505. */
export const isUniqueViolation = (error: unknown): boolean =>
  (error as { code?: unknown })?.code === '23505' ||
  (error as { cause?: { code?: unknown } })?.cause?.code === '23505';
