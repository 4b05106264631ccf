import type { Configuration } from 'openid-client';
import type { OAuthProviderConfig } from '../config.js';

/**
 * openid-client, loaded with the first sign-in through a provider rather than
 * with the server: most servers never use it, and it is a megabyte of heap.
 */
export function openidClient(): Promise<typeof import('openid-client')> {
  loading ??= import('openid-client');
  return loading;
}
let loading: Promise<typeof import('openid-client')> | null = null;

/** Who the provider says signed in. */
export interface ProviderIdentity {
  /** The provider's stable id for the person (`sub`, GitHub's numeric user id). */
  subject: string;
  email: string | null;
  /** Whether the provider vouches that the person controls `email`. */
  emailVerified: boolean;
  name: string | null;
  avatarUrl: string | null;
}

/** One sign-in provider: where to send the person, and who came back. */
export interface OAuthClient {
  readonly name: string;
  readonly label: string;
  authorizationUrl(request: { redirectUri: string; state: string; codeChallenge: string }): Promise<URL>;
  /**
   * Exchanges the code of the callback (`callbackUrl`: the redirect URI with the
   * callback's query) with the PKCE verifier, and reads the identity.
   */
  identify(callback: { callbackUrl: URL; state: string; verifier: string }): Promise<ProviderIdentity>;
}

/** Seconds an outbound request to a provider may take. */
const TIMEOUT_SECONDS = 10;

const text = (value: unknown): string | null =>
  typeof value === 'string' && value.trim() !== '' ? value.trim() : null;

/** Only http(s) URLs of sensible length are kept as avatars. */
function avatar(value: unknown): string | null {
  const url = text(value);
  if (!url || url.length > 2000) return null;
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'https:' || parsed.protocol === 'http:' ? parsed.href : null;
  } catch {
    return null;
  }
}

/** Plain http is only for providers on this machine (test doubles); config.ts refuses it elsewhere. */
const insecure = (url: string) => new URL(url).protocol === 'http:';

/** An OpenID Connect provider (Google, or one from OIDC_PROVIDERS), found by discovery. */
class OidcClient implements OAuthClient {
  readonly name: string;
  readonly label: string;
  #configuration: Promise<Configuration> | null = null;

  constructor(private readonly settings: Extract<OAuthProviderConfig, { kind: 'oidc' }>) {
    this.name = settings.name;
    this.label = settings.label;
  }

  /** The provider's metadata, discovered on first use; a failed discovery is retried next time. */
  private configuration(): Promise<Configuration> {
    if (!this.#configuration) {
      const { issuer, clientId, clientSecret } = this.settings;
      const discovered = openidClient().then((oidc) =>
        oidc.discovery(
          new URL(issuer),
          clientId,
          undefined,
          clientSecret ? oidc.ClientSecretPost(clientSecret) : oidc.None(),
          { execute: insecure(issuer) ? [oidc.allowInsecureRequests] : [], timeout: TIMEOUT_SECONDS },
        ),
      );
      this.#configuration = discovered;
      discovered.catch(() => {
        if (this.#configuration === discovered) this.#configuration = null;
      });
    }
    return this.#configuration;
  }

  async authorizationUrl(request: { redirectUri: string; state: string; codeChallenge: string }) {
    const oidc = await openidClient();
    return oidc.buildAuthorizationUrl(await this.configuration(), {
      redirect_uri: request.redirectUri,
      scope: 'openid email profile',
      state: request.state,
      code_challenge: request.codeChallenge,
      code_challenge_method: 'S256',
    });
  }

  async identify(callback: { callbackUrl: URL; state: string; verifier: string }) {
    const oidc = await openidClient();
    const configuration = await this.configuration();
    const tokens = await oidc.authorizationCodeGrant(configuration, callback.callbackUrl, {
      pkceCodeVerifier: callback.verifier,
      expectedState: callback.state,
      idTokenExpected: true,
    });
    const idToken = tokens.claims();
    if (!idToken) throw new Error('the provider returned no ID token');
    let claims: Record<string, unknown> = idToken;
    // Providers often keep e-mail and profile claims out of the ID token: the UserInfo endpoint has them.
    if (configuration.serverMetadata().userinfo_endpoint) {
      claims = {
        ...idToken,
        ...(await oidc.fetchUserInfo(configuration, tokens.access_token, idToken.sub)),
      };
    }
    return {
      subject: idToken.sub,
      email: text(claims.email),
      // Some providers send the flag as a string.
      emailVerified: claims.email_verified === true || claims.email_verified === 'true',
      name: text(claims.name) ?? text(claims.preferred_username),
      avatarUrl: avatar(claims.picture),
    };
  }
}

interface GitHubEmail {
  email: string;
  primary: boolean;
  verified: boolean;
}

/** GitHub: plain OAuth 2.0 (no OpenID Connect), then its REST API for the user and their e-mails. */
class GitHubClient implements OAuthClient {
  readonly name = 'github';
  readonly label: string;
  #configuration: Promise<Configuration> | null = null;

  constructor(private readonly settings: Extract<OAuthProviderConfig, { kind: 'github' }>) {
    this.label = settings.label;
  }

  /** GitHub's endpoints are known: nothing to discover, only the library to load. */
  private configuration(): Promise<Configuration> {
    this.#configuration ??= openidClient().then((oidc) => {
      const { oauthUrl, clientId, clientSecret } = this.settings;
      const configuration = new oidc.Configuration(
        {
          issuer: oauthUrl,
          authorization_endpoint: `${oauthUrl}/login/oauth/authorize`,
          token_endpoint: `${oauthUrl}/login/oauth/access_token`,
        },
        clientId,
        undefined,
        oidc.ClientSecretPost(clientSecret),
      );
      configuration.timeout = TIMEOUT_SECONDS;
      if (insecure(oauthUrl)) oidc.allowInsecureRequests(configuration);
      return configuration;
    });
    return this.#configuration;
  }

  async authorizationUrl(request: { redirectUri: string; state: string; codeChallenge: string }) {
    const oidc = await openidClient();
    return oidc.buildAuthorizationUrl(await this.configuration(), {
      redirect_uri: request.redirectUri,
      scope: 'read:user user:email',
      state: request.state,
      code_challenge: request.codeChallenge,
      code_challenge_method: 'S256',
    });
  }

  async identify(callback: { callbackUrl: URL; state: string; verifier: string }) {
    const oidc = await openidClient();
    const tokens = await oidc.authorizationCodeGrant(await this.configuration(), callback.callbackUrl, {
      pkceCodeVerifier: callback.verifier,
      expectedState: callback.state,
    });
    const user = await this.api<{ id?: unknown; login?: unknown; name?: unknown; avatar_url?: unknown }>(
      '/user',
      tokens.access_token,
    );
    if (typeof user.id !== 'number' && typeof user.id !== 'string') throw new Error('GitHub sent no user id');
    const emails = await this.api<GitHubEmail[]>('/user/emails', tokens.access_token);
    const primary = Array.isArray(emails)
      ? emails.find((e) => e?.primary && typeof e.email === 'string')
      : null;
    return {
      subject: String(user.id),
      email: primary ? primary.email : null,
      emailVerified: primary?.verified === true,
      name: text(user.name) ?? text(user.login),
      avatarUrl: avatar(user.avatar_url),
    };
  }

  private async api<T>(path: string, accessToken: string): Promise<T> {
    const response = await fetch(`${this.settings.apiUrl}${path}`, {
      headers: {
        accept: 'application/vnd.github+json',
        authorization: `Bearer ${accessToken}`,
        'user-agent': 'ThreadKit',
        'x-github-api-version': '2022-11-28',
      },
      signal: AbortSignal.timeout(TIMEOUT_SECONDS * 1000),
    });
    if (!response.ok) throw new Error(`GitHub answered ${response.status} to GET ${path}`);
    return (await response.json()) as T;
  }
}

export function oauthClient(settings: OAuthProviderConfig): OAuthClient {
  return settings.kind === 'github' ? new GitHubClient(settings) : new OidcClient(settings);
}
