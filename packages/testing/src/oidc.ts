import { randomBytes } from 'node:crypto';
import http from 'node:http';
import Provider from 'oidc-provider';
import { listenLocal } from './listen.js';

/** What the provider says about a person (the ID token's and userinfo's claims). */
export interface OidcClaims {
  sub: string;
  email?: string;
  email_verified?: boolean;
  name?: string;
  picture?: string;
}

/**
 * What the person at the provider does at the next login and consent screens:
 * sign in as someone, or decline; not before `until` settles, when given.
 */
export type OidcDecision = ({ signInAs: string } | { deny: true }) & { until?: Promise<unknown> };

interface OidcProviderOptions {
  /** The API's public URL (`PUBLIC_URL`): each client's redirect URI is `<appUrl>/v1/auth/<name>/callback`. */
  appUrl: string;
  /** Also plays Google (`GOOGLE_ISSUER` points here). */
  google?: boolean;
  /** Generic OpenID Connect providers (`OIDC_PROVIDERS`), by name, with their button labels. */
  oidc?: Record<string, string>;
  /** Where the app's callback for provider `name` is, under `appUrl` (default: the API's `/v1/auth/<name>/callback`). */
  callbackPath?: (name: string) => string;
}

export interface TestOidcProvider {
  issuer: string;
  /** The API's settings for signing in here: `PUBLIC_URL`, Google's and each OIDC provider's. */
  env: Record<string, string>;
  /** A new person the provider knows (a fresh `sub`). */
  person(claims: Omit<OidcClaims, 'sub'>): OidcClaims;
  /** The answer at the next login and consent screens (declines until set). */
  next: OidcDecision;
  stop(): Promise<void>;
}

const apiCallback = (name: string) => `/v1/auth/${name}/callback`;

/** A client's id and secret, as the API's settings name them. */
const clientId = (name: string) => `${name}-client`;
const clientSecret = (name: string) => `${name}-secret-${'x'.repeat(32)}`;

/**
 * A real OpenID provider (`oidc-provider`) on a random loopback port, with
 * PKCE required and a client per provider name. Its login and consent screens
 * are answered at once, as `next` says, so a browser (or a test following
 * redirects by hand) goes straight through to the API's callback.
 */
export async function startOidcProvider(options: OidcProviderOptions): Promise<TestOidcProvider> {
  const oidcNames = Object.keys(options.oidc ?? {});
  const names = [...(options.google ? ['google'] : []), ...oidcNames];
  const people = new Map<string, OidcClaims>();
  // The issuer URL is only known once the server listens; the provider is made after.
  let handler: http.RequestListener = (_req, res) => res.end();
  const server = await listenLocal(http.createServer((req, res) => handler(req, res)));
  const issuer = server.url;
  const provider = new Provider(issuer, {
    clients: names.map((name) => ({
      client_id: clientId(name),
      client_secret: clientSecret(name),
      redirect_uris: [`${options.appUrl}${(options.callbackPath ?? apiCallback)(name)}`],
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_post',
    })),
    pkce: { required: () => true },
    ttl: {
      AccessToken: 600,
      AuthorizationCode: 60,
      Grant: 600,
      IdToken: 600,
      Interaction: 600,
      Session: 600,
    },
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name', 'picture'] },
    features: { devInteractions: { enabled: false } },
    interactions: { url: (_ctx: unknown, interaction: { uid: string }) => `/interaction/${interaction.uid}` },
    cookies: { keys: [randomBytes(16).toString('hex')] },
    findAccount: async (_ctx: unknown, id: string) => {
      const claims = people.get(id);
      return claims ? { accountId: id, claims: async () => claims } : undefined;
    },
  });

  const env: Record<string, string> = { PUBLIC_URL: options.appUrl };
  if (options.google) {
    Object.assign(env, {
      GOOGLE_ISSUER: issuer,
      GOOGLE_CLIENT_ID: clientId('google'),
      GOOGLE_CLIENT_SECRET: clientSecret('google'),
    });
  }
  if (oidcNames.length > 0) env.OIDC_PROVIDERS = oidcNames.join(',');
  for (const [name, label] of Object.entries(options.oidc ?? {})) {
    const prefix = `OIDC_${name.toUpperCase()}`;
    Object.assign(env, {
      [`${prefix}_ISSUER`]: issuer,
      [`${prefix}_CLIENT_ID`]: clientId(name),
      [`${prefix}_CLIENT_SECRET`]: clientSecret(name),
      [`${prefix}_LABEL`]: label,
    });
  }

  const double: TestOidcProvider = {
    issuer,
    env,
    person: (claims) => {
      const full = { sub: `sub-${randomBytes(6).toString('hex')}`, ...claims };
      people.set(full.sub, full);
      return full;
    },
    next: { deny: true },
    stop: server.stop,
  };

  const callback = provider.callback();
  handler = (req, res) => {
    if (!req.url?.startsWith('/interaction/')) return callback(req, res);
    interact(provider, double.next, req, res).catch((error) => {
      res.statusCode = 500;
      res.end(String(error));
    });
  };
  return double;
}

/** The provider's login and consent screens, answered with `decision`. */
async function interact(
  provider: Provider,
  decision: OidcDecision,
  req: http.IncomingMessage,
  res: http.ServerResponse,
) {
  await decision.until;
  const details = await provider.interactionDetails(req, res);
  if ('deny' in decision) {
    await provider.interactionFinished(
      req,
      res,
      { error: 'access_denied', error_description: 'The person said no.' },
      { mergeWithLastSubmission: false },
    );
    return;
  }
  if (details.prompt.name === 'login') {
    await provider.interactionFinished(
      req,
      res,
      { login: { accountId: decision.signInAs } },
      { mergeWithLastSubmission: false },
    );
    return;
  }
  const missing = details.prompt.details as { missingOIDCScope?: string[]; missingOIDCClaims?: string[] };
  const grant = details.grantId
    ? await provider.Grant.find(details.grantId)
    : new provider.Grant({
        accountId: details.session!.accountId,
        clientId: details.params.client_id as string,
      });
  if (!grant) throw new Error('the grant being consented to is gone');
  if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
  if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
  const grantId = await grant.save();
  await provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
}
