import { randomBytes } from 'node:crypto';
import type { OAuthProviderConfig } from '../config.js';
import { notFound, type OAuthErrorCode, ThreadKitError, unauthorized } from '../errors.js';
import { newId } from '../ids.js';
import { isOriginAllowed, parseOrigin } from '../origins.js';
import type { LimitStore } from '../store/code-store.js';
import type { LinkedGuest, OAuthStore } from '../store/oauth-store.js';
import type { SessionStore } from '../store/session-store.js';
import type { ProviderIdentityRef, UserStore } from '../store/user-store.js';
import { newUser, type Site, type User, type Viewer } from '../types.js';
import type { AccountService, Me } from './account-service.js';
import { loginOf } from './account-service.js';
import type { AuthService, TokenPair } from './auth-service.js';
import type { DisplayNames } from './display-names.js';
import { type OAuthClient, oauthClient, openidClient, type ProviderIdentity } from './oauth-providers.js';
import type { UsageRecorder } from './usage-recorder.js';

/**
 * A failed callback: the code for the opener (never more, so nothing of the provider's answer
 * reaches the page), and the origin to tell when the state revealed it.
 */
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
const OAUTH_START_LIMIT = [60, 600] as const;

/** `<site id>.<random>`: the callback has no key, so the state says which site's record to take. */
const STATE = /^([0-3][-0-9A-Za-z_]{21})\.([A-Za-z0-9_-]{43})$/;

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
      names: DisplayNames;
      /** Replaces the clients built from `providers` (tests). */
      clients?: OAuthClient[];
      /** Counts the accounts created (a guest upgraded in place was counted as a guest). */
      usage?: Pick<UsageRecorder, 'recordNewCommenter'>;
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
   * A single-use link for a signed-in guest's popup: the start route cannot carry
   * the guest's token, so it takes this instead, and a sign-in with an identity
   * that has no account yet then upgrades the guest in place.
   */
  async link(site: Site, provider: string, viewer: Viewer & { user?: User | null }): Promise<string> {
    this.client(site, provider);
    if (!viewer.user) throw unauthorized('Sign in as a guest first.');
    if (!viewer.user.guest) {
      throw new ThreadKitError('forbidden', 'Only a guest hands their comments to a provider sign-in.');
    }
    const link = randomBytes(32).toString('base64url');
    await this.deps.states.saveLink(site.id, link, {
      provider,
      user: viewer.user.id,
      session: viewer.sessionId,
    });
    return link;
  }

  /**
   * Starts a sign-in from a page on `origin`: remembers the flow and answers the
   * provider's authorization URL. The provider must be configured and enabled by
   * the site; the origin must be one of the site's. A guest's `link` (from
   * `link`) is used up here and its guest carried in the flow; a link that is
   * not good throws `OAuthError` (`invalid_link`) for the origin.
   */
  async start(site: Site, provider: string, origin: string, ip: string, link?: string): Promise<URL> {
    const client = this.client(site, provider);
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

    let guest: LinkedGuest | undefined;
    if (link !== undefined) {
      const pending = await this.deps.states.takeLink(site.id, link);
      if (!pending || pending.provider !== provider) {
        throw new OAuthError('invalid_link', page.origin, 'The guest link is unknown, expired or used.');
      }
      guest = { user: pending.user, session: pending.session };
    }

    const secret = randomBytes(32).toString('base64url');
    const state = `${site.id}.${secret}`;
    const oidc = await openidClient();
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
      ...(guest ? { guest } : {}),
    });
    return url;
  }

  /** The provider's client, when the server has it and the site offers it. */
  private client(site: Site, provider: string): OAuthClient {
    const client = this.clients.get(provider);
    if (!client || !site.settings.auth_methods.includes(provider)) {
      throw notFound(`This site offers no sign-in with "${provider}".`);
    }
    return client;
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
      return { ...(await this.signIn(siteId, provider, identity, pending.guest ?? null)), origin };
    } catch (cause) {
      throw new OAuthError('server_error', origin, 'The account could not be signed in.', { cause });
    }
  }

  /** A session for the account the identity belongs to (found, linked, made of the guest, or created). */
  private async signIn(
    siteId: string,
    provider: string,
    identity: ProviderIdentity,
    guest: LinkedGuest | null,
  ): Promise<TokenPair & { user: Me }> {
    const ref: ProviderIdentityRef = { provider, subject: identity.subject };
    // Each step can race another sign-in or registration; a lost race is settled on the next pass.
    for (let attempt = 0; attempt < 3; attempt++) {
      const userId = await this.accountFor(siteId, ref, identity, guest);
      const user = userId ? await this.deps.users.get(siteId, userId) : null;
      if (user) {
        // The guest became this account: their guest session ends, as when registering.
        if (guest?.session && user.id === guest.user) {
          await this.deps.sessions.revoke(siteId, guest.session, user.id);
        }
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
    guest: LinkedGuest | null,
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
        // The provider proved the address: linking proves it on the account, which, when it never
        // did, is taken from whoever registered it (as `AccountService.addressProven`), in one step.
        return users.linkIdentity(siteId, ref, account.id, 'email');
      }
    }
    // A new account, or the guest who started the flow upgraded in place (same id, comments
    // and karma), as registering does. An unverified address is kept on it, but not claimed
    // as its login: whoever proves they own it can still register with it or sign in by code.
    const stored = guest ? await users.get(siteId, guest.user) : null;
    const base = stored?.guest ? stored : null;
    const user = newUser({
      ...(base ?? {}),
      id: base?.id ?? newId(),
      // The provider's name for the person, else the e-mail's local part: cleaned, cut to fit,
      // and not one that passes for a moderator's.
      name: await this.deps.names.pick(siteId, [identity.name, email?.split('@')[0]], base?.id ?? null),
      avatar_url: identity.avatarUrl,
      guest: false,
      email,
      email_verified: verified,
      phone: null,
      phone_verified: false,
      email_notifications: false,
    });
    const account = await users.createWithIdentity(siteId, user, ref, verified ? email : null);
    // Another id back: the identity was linked to an account meanwhile, nothing was created.
    if (!base && account === user.id) this.deps.usage?.recordNewCommenter(siteId);
    return account;
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
