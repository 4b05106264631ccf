import { type Env, type EnvValues, readEnvironment, WS_BASE_URL } from './environment.js';
import { parseOrigin } from './origins.js';

/**
 * The server's configuration, from environment variables. Each variable is
 * declared once in `environment.ts` (name, meaning, default, checks); here the
 * rules between variables are checked and the values arranged for the code
 * that uses them. `loadConfig` reports every bad value at once, so a
 * misconfigured server never starts.
 */

export type Config = ReturnType<typeof arrange>;
export type RedisConfig = Config['redis'];
/** The real-time gateway's listener and per-connection limits (`api.md`, WebSocket). */
export type WebSocketConfig = Config['ws'];
export type StandaloneSiteConfig = Config['site'];

/** Open files assumed where the process's limit cannot be read. */
export const ASSUMED_OPEN_FILES = 1024;

/**
 * The default of WS_MAX_CONNECTIONS: three quarters of the open-files limit, the rest (at least
 * 128) left to the HTTP API, Redis and the process itself, so WebSockets cannot starve them.
 */
export function defaultMaxConnections(openFiles: number | null): number {
  const limit = openFiles ?? ASSUMED_OPEN_FILES;
  return Math.max(1, limit - Math.max(128, Math.floor(limit / 4)));
}

/** An OpenID Connect provider (Google is one) or GitHub's plain OAuth 2.0. */
export type OAuthProviderConfig =
  | {
      kind: 'oidc';
      /** The name in URLs and in the site's `auth_methods`: `google` or a configured OIDC name. */
      name: string;
      label: string;
      issuer: string;
      clientId: string;
      /** Null: a public client, authenticated by PKCE alone. */
      clientSecret: string | null;
    }
  | {
      kind: 'github';
      name: 'github';
      label: string;
      clientId: string;
      clientSecret: string;
      /** Where `/login/oauth/authorize` and `/login/oauth/access_token` live. */
      oauthUrl: string;
      /** GitHub's REST API (`/user`, `/user/emails`). */
      apiUrl: string;
    };

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export function loadConfig(env: Env = process.env): Config {
  const { values, problems } = readEnvironment(env);
  const config = arrange(values, (problem) => problems.push(problem));
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

/** Variables that mean something only together: set one, set the others. */
const SET_TOGETHER = [
  ['TWILIO_ACCOUNT_SID', 'TWILIO_AUTH_TOKEN', 'TWILIO_FROM'],
  ['GOOGLE_CLIENT_ID', 'GOOGLE_CLIENT_SECRET'],
  ['GITHUB_CLIENT_ID', 'GITHUB_CLIENT_SECRET'],
] as const satisfies (keyof EnvValues)[][];

/** `A, B and C`. */
const listed = (names: readonly string[]) =>
  names.length > 1 ? `${names.slice(0, -1).join(', ')} and ${names.at(-1)}` : (names[0] ?? '');

/**
 * The sign-in providers the environment configures: Google, GitHub and the
 * `OIDC_PROVIDERS`, in that order. The comment server offers them to
 * commenters and the dashboard to site owners, from the same variables.
 */
export function signInProviders(v: EnvValues): OAuthProviderConfig[] {
  const oauthProviders: OAuthProviderConfig[] = [];
  if (v.GOOGLE_CLIENT_ID && v.GOOGLE_CLIENT_SECRET) {
    oauthProviders.push({
      kind: 'oidc',
      name: 'google',
      label: 'Google',
      issuer: v.GOOGLE_ISSUER,
      clientId: v.GOOGLE_CLIENT_ID,
      clientSecret: v.GOOGLE_CLIENT_SECRET,
    });
  }
  if (v.GITHUB_CLIENT_ID && v.GITHUB_CLIENT_SECRET) {
    oauthProviders.push({
      kind: 'github',
      name: 'github',
      label: 'GitHub',
      oauthUrl: v.GITHUB_OAUTH_URL,
      apiUrl: v.GITHUB_API_URL,
      clientId: v.GITHUB_CLIENT_ID,
      clientSecret: v.GITHUB_CLIENT_SECRET,
    });
  }
  oauthProviders.push(...v.OIDC_PROVIDERS);
  return oauthProviders;
}

/** Checks the rules between variables and shapes the values as the code uses them. */
function arrange(v: EnvValues, report: (problem: string) => void) {
  if (v.REDIS_SENTINELS.length > 0 && !v.REDIS_SENTINEL_NAME)
    report('REDIS_SENTINELS needs REDIS_SENTINEL_NAME');
  for (const names of SET_TOGETHER) {
    const set = names.filter((name) => v[name] !== null);
    if (set.length > 0 && set.length < names.length) report(`${listed(names)} must be set together`);
  }
  const oauthProviders = signInProviders(v);
  if (v.MODE === 'saas' && (!v.INTERNAL_API_URL || !v.INTERNAL_API_SECRET))
    report('MODE=saas needs INTERNAL_API_URL and INTERNAL_API_SECRET (the dashboard keeps the sites)');
  const publicUrl = v.PUBLIC_URL ?? `http://localhost:${v.HTTP_PORT}`;

  return {
    mode: v.MODE,
    /** SaaS mode: where the dashboard's internal API answers, and the secret it wants. */
    dashboard:
      v.MODE === 'saas' && v.INTERNAL_API_URL && v.INTERNAL_API_SECRET
        ? { url: v.INTERNAL_API_URL, secret: v.INTERNAL_API_SECRET }
        : null,
    redis: {
      /** `redis://`, `rediss://` or `unix:///path/to/socket`; null means the CLI manages its own redis-server. */
      url: v.REDIS_URL,
      clusterNodes: v.REDIS_CLUSTER_NODES,
      sentinels: v.REDIS_SENTINELS,
      sentinelName: v.REDIS_SENTINEL_NAME,
      /** Replicas each comment write waits for (`WAIT`), or null: acknowledged once the primary has it. */
      replicaWait:
        v.REDIS_WAIT_REPLICAS > 0
          ? { replicas: v.REDIS_WAIT_REPLICAS, timeoutMs: v.REDIS_WAIT_TIMEOUT_MS }
          : null,
    },
    http: { host: v.HTTP_HOST, port: v.HTTP_PORT },
    ws: {
      host: v.WS_HOST,
      port: v.WS_PORT,
      /** Client messages a connection may send per second; more get a `rate_limited` error. */
      maxMessagesPerSecond: v.WS_MAX_MESSAGES_PER_SECOND,
      /** Pages one connection may watch at once. */
      maxSubscriptions: v.WS_MAX_SUBSCRIPTIONS,
      /** A connection that sends nothing for this long is closed (ms). */
      idleTimeoutMs: v.WS_IDLE_TIMEOUT * 1000,
      /** How often the server pings; a peer that missed the previous ping is dropped (ms). */
      pingIntervalMs: v.WS_PING_INTERVAL * 1000,
      /** Largest client message (bytes); a bigger one closes the connection with 1009. */
      maxMessageBytes: v.WS_MAX_MESSAGE_BYTES,
      /** A client whose unsent data passes this (bytes) is too slow and is disconnected. */
      maxBufferedBytes: v.WS_MAX_BUFFERED_BYTES,
      /** How long an instance's presence entries outlive its last heartbeat (ms); it beats three times as often. */
      presenceTtlMs: v.WS_PRESENCE_TTL * 1000,
      /** Connections (handshakes included) an instance takes at once; null: derived from the open-files limit. */
      maxConnections: v.WS_MAX_CONNECTIONS,
      /** Connections one client address may hold on an instance at once. */
      maxConnectionsPerAddress: v.WS_MAX_CONNECTIONS_PER_ADDRESS,
      /** Logged events replayed (subscribe with `since`, resync) per client address per minute; beyond: `reset`. */
      replayEventsPerMinute: v.WS_REPLAY_EVENTS_PER_MINUTE,
    },
    /** Null: generated on first start and persisted in Redis, shared by every instance. */
    jwtSecret: v.JWT_SECRET,
    accessTokenTtl: v.ACCESS_TOKEN_TTL,
    sessionTtl: v.SESSION_TTL,
    /** Largest file an import over the API takes (bytes). */
    importMaxBytes: v.IMPORT_MAX_BYTES,
    dataDir: v.DATA_DIR,
    logLevel: v.LOG_LEVEL,
    /** Proxies (addresses, CIDR ranges, or proxy-addr's `loopback`, `linklocal`, `uniquelocal`) whose `X-Forwarded-For` is believed; empty: none. */
    trustProxy: v.TRUST_PROXY,
    /** Every site's rate-limit budgets, unless its `rate_limits` setting overrides some. */
    rateLimits: v.RATE_LIMITS,
    /** The standalone site; null where the variable is unset (a new site then gets the default, an existing one keeps its own). */
    site: {
      name: v.THREADKIT_SITE_NAME,
      domain: v.THREADKIT_SITE_DOMAIN,
      allowedOrigins: v.THREADKIT_ALLOWED_ORIGINS,
      publicKey: v.THREADKIT_PUBLIC_KEY,
      secretKey: v.THREADKIT_SECRET_KEY,
    },
    email: { smtpUrl: v.SMTP_URL, from: v.EMAIL_FROM },
    /** Null when Twilio is not configured: text messages go to the log. */
    twilio:
      v.TWILIO_ACCOUNT_SID && v.TWILIO_AUTH_TOKEN && v.TWILIO_FROM
        ? {
            accountSid: v.TWILIO_ACCOUNT_SID,
            authToken: v.TWILIO_AUTH_TOKEN,
            from: v.TWILIO_FROM,
            apiUrl: v.TWILIO_API_URL,
          }
        : null,
    /** The server's external base URL, without a trailing slash: OAuth redirect URIs are built from it. */
    publicUrl,
    /** The WebSocket gateway's external base URL (`wss://host[:port]`, no path): the widget connects to `<publicWsUrl>/ws`. */
    publicWsUrl: v.PUBLIC_WS_URL ?? derivedWsUrl(v.PUBLIC_URL, v.WS_PORT, report),
    /** Configured OAuth sign-in providers (Google, GitHub, OIDC), in the order they were declared. */
    oauthProviders,
    /** Base URL of Akismet's API, for sites that turn Akismet on. */
    akismetApiUrl: v.AKISMET_API_URL,
    /** Non-public addresses or CIDR ranges outgoing requests may reach (`all`: any); empty: public ones only. */
    outboundAllowPrivate: v.OUTBOUND_ALLOW_PRIVATE,
  };
}

/** Behind a proxy the gateway shares PUBLIC_URL's host; without one it is on its own port. */
function derivedWsUrl(publicUrl: string | null, wsPort: number, report: (problem: string) => void): string {
  const http = publicUrl === null ? null : parseOrigin(publicUrl);
  if (!http) return `ws://localhost:${wsPort}`;
  const derived = `${http.protocol === 'https:' ? 'wss' : 'ws'}://${http.host}`;
  if (!WS_BASE_URL.test(derived)) {
    report(`PUBLIC_WS_URL cannot be derived from PUBLIC_URL's host "${http.host}"; set it`);
  }
  return derived;
}
