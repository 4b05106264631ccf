import { randomBytes } from 'node:crypto';
import * as oidc from 'openid-client';
import type { OAuthProviderConfig } from '../config.js';
import { notFound, ThreadKitError } from '../errors.js';
import { newId } from '../ids.js';
import { isOriginAllowed, parseOrigin } from '../origins.js';
import type { LimitStore } from '../store/code-store.js';
import type { OAuthStore } from '../store/oauth-store.js';
import type { SessionStore } from '../store/session-store.js';
import type { ProviderIdentityRef, UserStore } from '../store/user-store.js';
import { newUser, type Site } from '../types.js';
import type { AccountService, Me } from './account-service.js';
import { loginOf } from './account-service.js';
import { type AuthService, MAX_NAME_LENGTH, type TokenPair } from './auth-service.js';
import { type OAuthClient, oauthClient, type ProviderIdentity } from './oauth-providers.js';

/**
 * What the sign-in page tells the opener when a sign-in fails: never more than
 * this code, so nothing about the provider's answer leaks to the page.
 */
export type OAuthErrorCode =
  /** The person declined at the provider. */
  | 'access_denied'
  /** The callback's `state` is unknown, expired, already used, or belongs to another provider. */
  | 'invalid_state'
  /** The provider refused the code exchange or did not say who signed in. */
  | 'provider_error'
  /** ThreadKit could not finish (storage unreachable…). */
  | 'server_error';

/** A failed callback: the code for the opener, and the origin to tell when the state revealed it. */
export class OAuthError extends Error {
  constructor(
    readonly code: OAuthErrorCode,
    /** The origin that started the flow; null when the state did not lead to one. */
    readonly origin: string | null,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'OAuthError';
  }
}

export interface OAuthSignedIn extends TokenPair {
  user: Me;
  /** The exact origin that started the flow: the page's script posts the tokens only there. */
  origin: string;
}

/** Starts of sign-ins from one client address, per window: each leaves a state in Redis for 10 minutes. */
export const OAUTH_START_LIMIT = [60, 600] as const;

/** `<site id>.<random>`: the callback has no key, so the state says which site's record to take. */
const STATE = /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\.([A-Za-z0-9_-]{43})$/;

/**
 * Sign-in with Google, GitHub and OpenID Connect providers: authorization code
 * flow with `state` and PKCE (S256). The state record is kept in Redis (any
 * instance can finish a flow another started) and used once. Who signed in is
 * matched to an account by the provider identity, else by an e-mail the
 * provider has verified, else a new account is made.
 */
export class OAuthService {
  private readonly clients: Map<string, OAuthClient>;

  constructor(
    private readonly deps: {
      publicUrl: string;
      providers: OAuthProviderConfig[];
      states: OAuthStore;
      users: UserStore;
      sessions: SessionStore;
      limits: LimitStore;
      auth: AuthService;
      accounts: AccountService;
      /** Replaces the clients built from `providers` (tests). */
      clients?: OAuthClient[];
    },
  ) {
    const clients = deps.clients ?? deps.providers.map(oauthClient);
    this.clients = new Map(clients.map((client) => [client.name, client]));
  }

  /** The configured providers, with the text of their buttons. */
  providers(): { name: string; label: string }[] {
    return [...this.clients.values()].map(({ name, label }) => ({ name, label }));
  }

  /** Where the provider sends the person back: register this URL with the provider. */
  redirectUri(provider: string): string {
    return `${this.deps.publicUrl}/v1/auth/${provider}/callback`;
  }

  /**
   * Starts a sign-in from a page on `origin`: remembers the flow and answers the
   * provider's authorization URL. The provider must be configured and enabled by
   * the site; the origin must be one of the site's.
   */
  async start(site: Site, provider: string, origin: string, ip: string): Promise<URL> {
    const client = this.clients.get(provider);
    if (!client || !site.settings.auth_methods.includes(provider)) {
      throw notFound(`This site offers no sign-in with "${provider}".`);
    }
    const page = parseOrigin(origin);
    if (
      !page ||
      page.origin !== origin.replace(/\/$/, '').toLowerCase() ||
      !isOriginAllowed(page.origin, site.settings.allowed_origins, site.settings.allow_localhost)
    ) {
      throw new ThreadKitError(
        'origin_not_allowed',
        page
          ? `The origin ${page.origin} is not allowed to sign in to this site.`
          : 'origin must be an origin.',
      );
    }
    const [max, window] = OAUTH_START_LIMIT;
    const { count, ttl } = await this.deps.limits.hit(site.id, 'oauth-ip', ip, window);
    if (count > max) {
      throw new ThreadKitError('rate_limited', 'Too many sign-ins were started; wait before trying again.', {
        retryAfter: Math.max(ttl, 1),
      });
    }

    const secret = randomBytes(32).toString('base64url');
    const state = `${site.id}.${secret}`;
    const verifier = oidc.randomPKCECodeVerifier();
    let url: URL;
    try {
      url = await client.authorizationUrl({
        redirectUri: this.redirectUri(provider),
        state,
        codeChallenge: await oidc.calculatePKCECodeChallenge(verifier),
      });
    } catch (error) {
      const unavailable = new ThreadKitError(
        'unavailable',
        `${client.label} cannot be reached; try again shortly.`,
      );
      unavailable.cause = error;
      throw unavailable;
    }
    await this.deps.states.save(site.id, secret, {
      provider,
      origin: page.origin,
      verifier,
      created: Math.floor(Date.now() / 1000),
    });
    return url;
  }

  /**
   * Finishes a sign-in at the provider's callback (`query`: its query string):
   * takes the state (once), exchanges the code with the PKCE verifier, finds or
   * creates the account and starts a session. Throws `OAuthError`.
   */
  async finish(provider: string, query: URLSearchParams): Promise<OAuthSignedIn> {
    const client = this.clients.get(provider);
    if (!client) throw notFound(`No sign-in provider "${provider}".`);
    const state = query.get('state') ?? '';
    const match = STATE.exec(state);
    if (!match) throw new OAuthError('invalid_state', null, 'The callback has no valid state.');
    const [, siteId, secret] = match as unknown as [string, string, string];
    let pending: Awaited<ReturnType<OAuthStore['take']>>;
    try {
      pending = await this.deps.states.take(siteId, secret);
    } catch (error) {
      throw new OAuthError('server_error', null, 'The sign-in could not be looked up.', { cause: error });
    }
    if (!pending) throw new OAuthError('invalid_state', null, 'The sign-in is unknown, expired or used.');
    const { origin } = pending;
    if (pending.provider !== provider) {
      throw new OAuthError('invalid_state', origin, `The sign-in was started with ${pending.provider}.`);
    }
    const error = query.get('error');
    if (error) {
      throw new OAuthError(
        error === 'access_denied' ? 'access_denied' : 'provider_error',
        origin,
        `${client.label} answered ${error}`,
      );
    }
    if (!query.get('code')) throw new OAuthError('provider_error', origin, 'The callback has no code.');

    const callbackUrl = new URL(this.redirectUri(provider));
    callbackUrl.search = query.toString();
    let identity: ProviderIdentity;
    try {
      identity = await client.identify({ callbackUrl, state, verifier: pending.verifier });
    } catch (cause) {
      throw new OAuthError('provider_error', origin, `${client.label} sign-in failed`, { cause });
    }
    try {
      return { ...(await this.signIn(siteId, provider, identity)), origin };
    } catch (cause) {
      throw new OAuthError('server_error', origin, 'The account could not be signed in.', { cause });
    }
  }

  /** A session for the account the identity belongs to (found, linked or created). */
  private async signIn(
    siteId: string,
    provider: string,
    identity: ProviderIdentity,
  ): Promise<TokenPair & { user: Me }> {
    const ref: ProviderIdentityRef = { provider, subject: identity.subject };
    // Each step can race another sign-in or registration; a lost race is settled on the next pass.
    for (let attempt = 0; attempt < 3; attempt++) {
      const userId = await this.accountFor(siteId, ref, identity);
      const user = userId ? await this.deps.users.get(siteId, userId) : null;
      if (user) {
        const tokens = await this.deps.auth.startSession(siteId, user.id);
        return { ...tokens, user: await this.deps.accounts.me(siteId, user) };
      }
    }
    throw new Error('the account for a provider identity kept changing');
  }

  private async accountFor(
    siteId: string,
    ref: ProviderIdentityRef,
    identity: ProviderIdentity,
  ): Promise<string | null> {
    const { users } = this.deps;
    const linked = await users.findByIdentity(siteId, ref);
    if (linked && (await users.get(siteId, linked))) return linked;

    const email = normalEmail(identity.email);
    const verified = email !== null && identity.emailVerified;
    if (verified) {
      const owner = await users.findByLogin(siteId, 'email', email);
      const account = owner ? await users.get(siteId, owner) : null;
      if (account) {
        const now = await users.linkIdentity(siteId, ref, account.id);
        if (now === account.id && !account.email_verified) await this.claimUnverified(siteId, account.id);
        return now;
      }
    }
    // A new account. An unverified address is kept on it, but not claimed as its login:
    // whoever proves they own it can still register with it or sign in by code.
    const user = newUser({
      id: newId(),
      name: displayName(identity.name, email),
      avatar_url: identity.avatarUrl,
      email,
      email_verified: verified,
    });
    return users.createWithIdentity(siteId, user, ref, verified ? email : null);
  }

  /**
   * The provider proved the address of an account that never did: whoever
   * registered it without proof (perhaps to wait for its owner) loses the
   * password and sessions they set up, and the address counts as verified.
   */
  private async claimUnverified(siteId: string, userId: string): Promise<void> {
    await this.deps.users.clearPasswordHash(siteId, userId);
    await this.deps.sessions.revokeAll(siteId, userId);
    await this.deps.users.update(siteId, userId, { email_verified: 1 });
  }
}

function normalEmail(raw: string | null): string | null {
  if (!raw) return null;
  try {
    return loginOf({ email: raw }).value;
  } catch {
    return null;
  }
}

/** The provider's name for the person, else the e-mail's local part, cleaned and cut to fit. */
function displayName(name: string | null, email: string | null): string {
  for (const candidate of [name, email?.split('@')[0]]) {
    const clean = (candidate ?? '')
      .replace(/\p{Cc}/gu, ' ')
      .replace(/\s+/g, ' ')
      .trim();
    let fitted = '';
    for (const char of clean) {
      if (fitted.length + char.length > MAX_NAME_LENGTH) break;
      fitted += char;
    }
    if (fitted.trim()) return fitted.trim();
  }
  return 'Commenter';
}
