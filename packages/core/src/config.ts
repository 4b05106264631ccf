import { isIP } from 'node:net';
import { checkAllowEntry } from './egress/addresses.js';
import { checkOriginPattern, parseOrigin } from './origins.js';
import { DEFAULT_RATE_LIMITS, parseRateLimits } from './rate-limits.js';
import type { RateLimits } from './types.js';

/**
 * Configuration from environment variables. Every setting is declared once here
 * with its default and a line of documentation; `loadConfig` validates them all
 * and reports every bad value at once, so a misconfigured server never starts.
 */

export type Mode = 'standalone' | 'saas';

export interface RedisConfig {
  /** `redis://`, `rediss://` or `unix:///path/to/socket`; null means the CLI manages its own redis-server. */
  url: string | null;
  clusterNodes: { host: string; port: number }[];
  sentinels: { host: string; port: number }[];
  sentinelName: string | null;
}

export interface StandaloneSiteConfig {
  name: string | null;
  domain: string | null;
  allowedOrigins: string[] | null;
  publicKey: string | null;
  secretKey: string | null;
}

export interface Config {
  mode: Mode;
  redis: RedisConfig;
  http: { host: string; port: number };
  ws: WebSocketConfig;
  /** Null: generated on first start and persisted in Redis, shared by every instance. */
  jwtSecret: string | null;
  accessTokenTtl: number;
  sessionTtl: number;
  dataDir: string;
  logLevel: string;
  /** Proxies (addresses, CIDR ranges, or proxy-addr's `loopback`, `linklocal`, `uniquelocal`) whose `X-Forwarded-For` is believed; empty: none. */
  trustProxy: string[];
  /** Every site's rate-limit budgets, unless its `rate_limits` setting overrides some. */
  rateLimits: RateLimits;
  site: StandaloneSiteConfig;
  email: { smtpUrl: string | null; from: string };
  /** Null when Twilio is not configured: text messages go to the log. */
  twilio: { accountSid: string; authToken: string; from: string; apiUrl: string } | null;
  /** The server's external base URL, without a trailing slash: OAuth redirect URIs are built from it. */
  publicUrl: string;
  /** The WebSocket gateway's external base URL (`wss://host[:port]`, no path): the widget connects to `<publicWsUrl>/ws`. */
  publicWsUrl: string;
  /** Configured OAuth sign-in providers (Google, GitHub, OIDC), in the order they were declared. */
  oauthProviders: OAuthProviderConfig[];
  /** Base URL of Akismet's API, for sites that turn Akismet on. */
  akismetApiUrl: string;
  /** Non-public addresses or CIDR ranges outgoing requests may reach (`all`: any); empty: public ones only. */
  outboundAllowPrivate: 'all' | string[];
}

/** The real-time gateway's listener and per-connection limits (`api.md`, WebSocket). */
export interface WebSocketConfig {
  host: string;
  port: number;
  /** Client messages a connection may send per second; more get a `rate_limit` error. */
  maxMessagesPerSecond: number;
  /** Pages one connection may watch at once. */
  maxSubscriptions: number;
  /** A connection that sends nothing for this long is closed (ms). */
  idleTimeoutMs: number;
  /** How often the server pings; a peer that missed the previous ping is dropped (ms). */
  pingIntervalMs: number;
  /** Largest client message (bytes); a bigger one closes the connection with 1009. */
  maxMessageBytes: number;
  /** A client whose unsent data passes this (bytes) is too slow and is disconnected. */
  maxBufferedBytes: number;
  /** How long an instance's presence entries outlive its last heartbeat (ms); it beats three times as often. */
  presenceTtlMs: number;
  /** Connections (handshakes included) an instance takes at once; null: derived from the open-files limit. */
  maxConnections: number | null;
  /** Connections one client address may hold on an instance at once. */
  maxConnectionsPerAddress: number;
  /** Logged events replayed (subscribe with `since`, resync) per client address per minute; beyond: `reset`. */
  replayEventsPerMinute: number;
}

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

/** The variables of each generic OIDC provider: `OIDC_<NAME>_<FIELD>`. */
export const OIDC_FIELDS = ['ISSUER', 'CLIENT_ID', 'CLIENT_SECRET', 'LABEL'] as const;

/** Names an OIDC provider cannot take: the built-in providers and the other auth routes and methods. */
const RESERVED_PROVIDER_NAMES = new Set([
  'google',
  'github',
  'password',
  'email_code',
  'guest',
  'methods',
  'register',
  'verify',
  'login',
  'forgot',
  'reset',
  'otp',
  'refresh',
  'logout',
]);

type Env = Record<string, string | undefined>;

interface Setting {
  name: string;
  default: string;
  doc: string;
}

/** The documented settings, in the order the README's table shows them. */
export const SETTINGS: readonly Setting[] = [
  {
    name: 'MODE',
    default: 'standalone',
    doc: '`standalone` (one site from these variables) or `saas` (many sites, dashboard).',
  },
  {
    name: 'REDIS_URL',
    default: '(managed)',
    doc: 'Redis to use (`redis://`, `rediss://`, `unix:///path`). Unset: `threadkit start` runs its own redis-server with data under `DATA_DIR`.',
  },
  {
    name: 'REDIS_CLUSTER_NODES',
    default: '',
    doc: 'Comma-separated `host:port` seeds of a Redis Cluster; used instead of `REDIS_URL`.',
  },
  {
    name: 'REDIS_SENTINELS',
    default: '',
    doc: 'Comma-separated `host:port` of Redis Sentinels; needs `REDIS_SENTINEL_NAME`.',
  },
  { name: 'REDIS_SENTINEL_NAME', default: '', doc: 'Name of the master group the sentinels watch.' },
  { name: 'HTTP_HOST', default: '127.0.0.1', doc: 'Address the HTTP API listens on.' },
  { name: 'HTTP_PORT', default: '8080', doc: 'Port of the HTTP API.' },
  { name: 'WS_HOST', default: '127.0.0.1', doc: 'Address the WebSocket server listens on.' },
  { name: 'WS_PORT', default: '8081', doc: 'Port of the WebSocket server.' },
  {
    name: 'WS_MAX_MESSAGES_PER_SECOND',
    default: '10',
    doc: 'Messages one WebSocket connection may send per second; more get a `rate_limit` error.',
  },
  { name: 'WS_MAX_SUBSCRIPTIONS', default: '10', doc: 'Pages one WebSocket connection may watch at once.' },
  {
    name: 'WS_IDLE_TIMEOUT',
    default: '300',
    doc: 'Seconds without a message from the client after which its connection is closed (the widget pings while its page is visible).',
  },
  {
    name: 'WS_PING_INTERVAL',
    default: '30',
    doc: 'Seconds between the server’s pings; a peer that did not answer the previous one is dropped.',
  },
  {
    name: 'WS_MAX_MESSAGE_BYTES',
    default: '4096',
    doc: 'Largest message a WebSocket client may send; a larger one closes the connection (1009).',
  },
  {
    name: 'WS_PRESENCE_TTL',
    default: '30',
    doc: 'Seconds a WebSocket instance’s presence entries last without its heartbeat (sent three times as often): readers of a crashed instance leave within this.',
  },
  {
    name: 'WS_MAX_BUFFERED_BYTES',
    default: '1048576',
    doc: 'Unsent bytes a slow WebSocket client may have queued before it is disconnected.',
  },
  {
    name: 'WS_MAX_CONNECTIONS',
    default: '(from the open-files limit)',
    doc: 'WebSocket connections one instance takes at once (handshakes included); more are refused with 503. Unset: three quarters of the process’s open-files limit (768 with `ulimit -n 1024`), leaving the rest to the HTTP API and Redis.',
  },
  {
    name: 'WS_MAX_CONNECTIONS_PER_ADDRESS',
    default: '100',
    doc: 'WebSocket connections one client address may hold on an instance at once; more are refused with 429. The address is taken as for rate limits (`TRUST_PROXY`).',
  },
  {
    name: 'WS_REPLAY_EVENTS_PER_MINUTE',
    default: '1000',
    doc: 'Missed events the gateway replays to one client address per minute (`subscribe` with `since`, `resync`); a catch-up that does not fit is answered with `reset` (reload over HTTP).',
  },
  {
    name: 'JWT_SECRET',
    default: '(generated)',
    doc: 'Secret for signing access tokens, at least 32 bytes. Unset: generated once and kept in Redis.',
  },
  { name: 'ACCESS_TOKEN_TTL', default: '3600', doc: 'Lifetime of an access token, in seconds.' },
  {
    name: 'SESSION_TTL',
    default: '2592000',
    doc: 'Lifetime of a sign-in session (and its refresh token), in seconds.',
  },
  { name: 'DATA_DIR', default: './data', doc: 'Where the managed redis-server keeps its data.' },
  {
    name: 'LOG_LEVEL',
    default: 'info',
    doc: 'pino log level: `fatal`, `error`, `warn`, `info`, `debug`, `trace` or `silent`.',
  },
  {
    name: 'TRUST_PROXY',
    default: '',
    doc: 'Comma-separated addresses or CIDR ranges of your reverse proxies (`10.0.0.0/8,127.0.0.1`; also `loopback`, `linklocal`, `uniquelocal`): the client address is then taken from their `X-Forwarded-For`. Unset: the header is ignored and the socket address is the client.',
  },
  {
    name: 'RATE_LIMITS',
    default: 'reads=120,writes=20,auth=10,key=3000',
    doc: "Requests per minute for every site, per budget (`off` for no limit; `off` alone: none at all); a budget left out keeps its default, and a site's `rate_limits` setting overrides these. See docs/api.md, Rate limits.",
  },
  {
    name: 'SMTP_URL',
    default: '',
    doc: 'SMTP server for e-mail (`smtp://user:pass@host:587`, `smtps://…`). Unset: e-mails (and their codes) are written to the log.',
  },
  { name: 'EMAIL_FROM', default: 'ThreadKit <no-reply@localhost>', doc: 'Sender of e-mails.' },
  {
    name: 'TWILIO_ACCOUNT_SID',
    default: '',
    doc: 'Twilio account for text messages (with `TWILIO_AUTH_TOKEN` and `TWILIO_FROM`). Unset: texts are written to the log.',
  },
  { name: 'TWILIO_AUTH_TOKEN', default: '', doc: 'Twilio auth token.' },
  { name: 'TWILIO_FROM', default: '', doc: 'Twilio sender number (E.164) or messaging service SID.' },
  {
    name: 'TWILIO_API_URL',
    default: 'https://api.twilio.com',
    doc: "Base URL of Twilio's API (for a proxy or a test double).",
  },
  {
    name: 'PUBLIC_URL',
    default: 'http://localhost:<HTTP_PORT>',
    doc: 'The external base URL of the HTTP API (`https://comments.example.com`); OAuth providers redirect to `<PUBLIC_URL>/v1/auth/<provider>/callback`.',
  },
  {
    name: 'PUBLIC_WS_URL',
    default: 'ws://localhost:<WS_PORT>',
    doc: 'The external base URL of the WebSocket gateway, without a path (`wss://comments.example.com`); the widget (`/embed.js`) connects to `<PUBLIC_WS_URL>/ws`. Unset with `PUBLIC_URL` set: the same host with `ws://` for `http://` and `wss://` for `https://`, which assumes your reverse proxy forwards `/ws` to the gateway.',
  },
  {
    name: 'GOOGLE_CLIENT_ID',
    default: '',
    doc: 'Google sign-in: the OAuth client id (with `GOOGLE_CLIENT_SECRET`). Unset: no Google sign-in.',
  },
  { name: 'GOOGLE_CLIENT_SECRET', default: '', doc: 'Google sign-in: the OAuth client secret.' },
  {
    name: 'GOOGLE_ISSUER',
    default: 'https://accounts.google.com',
    doc: "Google's OpenID issuer (for a test double).",
  },
  {
    name: 'GITHUB_CLIENT_ID',
    default: '',
    doc: 'GitHub sign-in: the OAuth app client id (with `GITHUB_CLIENT_SECRET`). Unset: no GitHub sign-in.',
  },
  { name: 'GITHUB_CLIENT_SECRET', default: '', doc: 'GitHub sign-in: the OAuth app client secret.' },
  {
    name: 'GITHUB_OAUTH_URL',
    default: 'https://github.com',
    doc: "Base URL of GitHub's OAuth endpoints (GitHub Enterprise, or a test double).",
  },
  {
    name: 'GITHUB_API_URL',
    default: 'https://api.github.com',
    doc: "Base URL of GitHub's REST API (GitHub Enterprise, or a test double).",
  },
  {
    name: 'OIDC_PROVIDERS',
    default: '',
    doc: 'Comma-separated names of more OpenID Connect providers (`corp,okta`), each configured with `OIDC_<NAME>_*`.',
  },
  {
    name: 'OIDC_<NAME>_*',
    default: '',
    doc: 'For each name in `OIDC_PROVIDERS` (upper-cased): `OIDC_<NAME>_ISSUER` (required), `OIDC_<NAME>_CLIENT_ID` (required), `OIDC_<NAME>_CLIENT_SECRET` (unset: a public client with PKCE only), `OIDC_<NAME>_LABEL` (button text; default: the name). Sites offer it once the name is in their `auth_methods`.',
  },
  {
    name: 'AKISMET_API_URL',
    default: 'https://rest.akismet.com',
    doc: "Base URL of Akismet's API, for sites with `akismet_enabled` (a proxy, or a test double).",
  },
  {
    name: 'OUTBOUND_ALLOW_PRIVATE',
    default: '',
    doc: 'Comma-separated addresses or CIDR ranges (`127.0.0.1`, `10.0.0.0/8`, `fd00::/8`) that the server’s own outgoing requests (Akismet, the moderation API) may reach although they are not public, or `all`. Unset: only public addresses; loopback, private, link-local and other special ones are refused, checked when connecting.',
  },
  { name: 'THREADKIT_SITE_NAME', default: 'My site', doc: 'Standalone: the site name shown to commenters.' },
  {
    name: 'THREADKIT_SITE_DOMAIN',
    default: '',
    doc: 'Standalone: the site domain; its origin (and `www.`) is allowed when `THREADKIT_ALLOWED_ORIGINS` is unset.',
  },
  {
    name: 'THREADKIT_ALLOWED_ORIGINS',
    default: '',
    doc: 'Standalone: comma-separated origins allowed to use the public key: `https://example.com`, `*.example.com`, `http://localhost:3000`.',
  },
  {
    name: 'THREADKIT_PUBLIC_KEY',
    default: '(generated)',
    doc: 'Standalone: the public key (`tk_pub_…`). Unset: generated on first start and printed.',
  },
  {
    name: 'THREADKIT_SECRET_KEY',
    default: '(generated)',
    doc: 'Standalone: the secret key (`tk_sec_…`). Unset: generated on first start and printed once.',
  },
];

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

const KEY_PATTERN = { public: /^tk_pub_[0-9A-Za-z]{20,}$/, secret: /^tk_sec_[0-9A-Za-z]{20,}$/ };
/** proxy-addr's names for address ranges, accepted in TRUST_PROXY. */
const PROXY_RANGE_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal']);
/**
 * A WebSocket base URL: scheme, host (name or bracketed IPv6) and port only. The server pastes it
 * into /embed.js inside a string literal, so it must hold nothing that could end that literal.
 */
const WS_BASE_URL = /^wss?:\/\/(?:[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/;
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

export function loadConfig(env: Env = process.env): Config {
  const problems: string[] = [];
  const get = (name: string): string | undefined => {
    const value = env[name]?.trim();
    return value ? value : undefined;
  };

  const int = (name: string, fallback: number, min: number, max: number): number => {
    const raw = get(name);
    if (raw === undefined) return fallback;
    const value = /^\d+$/.test(raw) ? Number(raw) : Number.NaN;
    if (!Number.isInteger(value) || value < min || value > max) {
      problems.push(`${name} must be an integer from ${min} to ${max} (got "${raw}")`);
      return fallback;
    }
    return value;
  };

  const hostPorts = (name: string) =>
    (get(name) ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean)
      .flatMap((entry) => {
        const match = /^(.+):(\d{1,5})$/.exec(entry);
        if (!match || Number(match[2]) < 1 || Number(match[2]) > 65535) {
          problems.push(`${name}: "${entry}" is not host:port`);
          return [];
        }
        return [{ host: match[1]!, port: Number(match[2]) }];
      });

  const mode = get('MODE') ?? 'standalone';
  if (mode !== 'standalone' && mode !== 'saas')
    problems.push(`MODE must be "standalone" or "saas" (got "${mode}")`);
  if (mode === 'saas') {
    problems.push(
      'MODE=saas needs the dashboard, which this version does not include yet; use MODE=standalone',
    );
  }

  const redisUrl = get('REDIS_URL') ?? null;
  if (redisUrl && !/^(rediss?|unix):\/\//.test(redisUrl)) {
    problems.push(`REDIS_URL must start with redis://, rediss:// or unix:// (got "${redisUrl}")`);
  }
  const sentinels = hostPorts('REDIS_SENTINELS');
  const sentinelName = get('REDIS_SENTINEL_NAME') ?? null;
  if (sentinels.length > 0 && !sentinelName) problems.push('REDIS_SENTINELS needs REDIS_SENTINEL_NAME');

  const jwtSecret = get('JWT_SECRET') ?? null;
  if (jwtSecret !== null && Buffer.byteLength(jwtSecret) < 32) {
    problems.push('JWT_SECRET must be at least 32 bytes long (or unset, to generate one)');
  }

  const logLevel = get('LOG_LEVEL') ?? 'info';
  if (!LOG_LEVELS.includes(logLevel)) problems.push(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}`);

  const key = (name: string, kind: keyof typeof KEY_PATTERN): string | null => {
    const value = get(name) ?? null;
    if (value !== null && !KEY_PATTERN[kind].test(value)) {
      problems.push(
        `${name} must look like tk_${kind === 'public' ? 'pub' : 'sec'}_ followed by 20+ letters or digits`,
      );
    }
    return value;
  };

  const smtpUrl = get('SMTP_URL') ?? null;
  if (smtpUrl && !/^smtps?:\/\//.test(smtpUrl))
    problems.push(`SMTP_URL must start with smtp:// or smtps:// (got "${smtpUrl}")`);
  const twilioParts = [get('TWILIO_ACCOUNT_SID'), get('TWILIO_AUTH_TOKEN'), get('TWILIO_FROM')];
  if (twilioParts.some(Boolean) && !twilioParts.every(Boolean)) {
    problems.push('TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and TWILIO_FROM must be set together');
  }

  const origins = get('THREADKIT_ALLOWED_ORIGINS');
  for (const origin of origins?.split(',') ?? []) {
    const problem = origin.trim() ? checkOriginPattern(origin.trim()) : null;
    if (problem) problems.push(`THREADKIT_ALLOWED_ORIGINS: ${problem}`);
  }
  const httpPort = int('HTTP_PORT', 8080, 0, 65535);
  const publicUrl = (() => {
    const raw = get('PUBLIC_URL');
    if (raw === undefined) return `http://localhost:${httpPort}`;
    const url = parseOrigin(raw);
    if (!url || url.search || url.hash || url.username || url.password) {
      problems.push(`PUBLIC_URL must be an http(s) URL without query or credentials (got "${raw}")`);
    }
    return raw.replace(/\/+$/, '');
  })();
  const wsPort = int('WS_PORT', 8081, 0, 65535);
  const publicWsUrl = (() => {
    const raw = get('PUBLIC_WS_URL');
    if (raw === undefined) {
      // Behind a proxy the gateway shares PUBLIC_URL's host; without one it is on its own port.
      const http = get('PUBLIC_URL') === undefined ? null : parseOrigin(publicUrl);
      if (!http) return `ws://localhost:${wsPort}`;
      const derived = `${http.protocol === 'https:' ? 'wss' : 'ws'}://${http.host}`;
      if (!WS_BASE_URL.test(derived)) {
        problems.push(`PUBLIC_WS_URL cannot be derived from PUBLIC_URL's host "${http.host}"; set it`);
      }
      return derived;
    }
    const value = raw.replace(/\/+$/, '');
    if (!WS_BASE_URL.test(value) || !URL.canParse(value)) {
      problems.push(
        `PUBLIC_WS_URL must be a ws:// or wss:// URL without path, query or fragment (got "${raw}")`,
      );
    }
    return value;
  })();

  // Provider endpoints must use https, except on this machine (local test doubles).
  const endpoint = (name: string, value: string): string => {
    const url = parseOrigin(value);
    if (!url || (url.protocol !== 'https:' && !LOOPBACK.has(url.hostname))) {
      problems.push(`${name} must be an https URL (http only on localhost) (got "${value}")`);
    }
    return value.replace(/\/+$/, '');
  };
  const pair = (idName: string, secretName: string, id: string | undefined, secret: string | undefined) => {
    if (Boolean(id) !== Boolean(secret)) problems.push(`${idName} and ${secretName} must be set together`);
    return id && secret ? { clientId: id, clientSecret: secret } : null;
  };

  const oauthProviders: OAuthProviderConfig[] = [];
  const google = pair(
    'GOOGLE_CLIENT_ID',
    'GOOGLE_CLIENT_SECRET',
    get('GOOGLE_CLIENT_ID'),
    get('GOOGLE_CLIENT_SECRET'),
  );
  const googleIssuer = endpoint('GOOGLE_ISSUER', get('GOOGLE_ISSUER') ?? 'https://accounts.google.com');
  if (google)
    oauthProviders.push({ kind: 'oidc', name: 'google', label: 'Google', issuer: googleIssuer, ...google });
  const github = pair(
    'GITHUB_CLIENT_ID',
    'GITHUB_CLIENT_SECRET',
    get('GITHUB_CLIENT_ID'),
    get('GITHUB_CLIENT_SECRET'),
  );
  const githubOauth = endpoint('GITHUB_OAUTH_URL', get('GITHUB_OAUTH_URL') ?? 'https://github.com');
  const githubApi = endpoint('GITHUB_API_URL', get('GITHUB_API_URL') ?? 'https://api.github.com');
  if (github) {
    oauthProviders.push({
      kind: 'github',
      name: 'github',
      label: 'GitHub',
      oauthUrl: githubOauth,
      apiUrl: githubApi,
      ...github,
    });
  }

  // Generic OIDC providers: their variables are named after them, so they are read through
  // `oidcVar` (documented in SETTINGS as the `OIDC_<NAME>_*` pattern), not `get`.
  const oidcVar = (name: string, field: (typeof OIDC_FIELDS)[number]) =>
    env[`OIDC_${name.toUpperCase()}_${field}`]?.trim() || undefined;
  const oidcNames = (get('OIDC_PROVIDERS') ?? '')
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean);
  for (const name of new Set(oidcNames)) {
    if (!/^[a-z][a-z0-9_]{0,30}$/.test(name)) {
      problems.push(`OIDC_PROVIDERS: "${name}" must be a letter followed by up to 30 letters, digits or _`);
      continue;
    }
    if (RESERVED_PROVIDER_NAMES.has(name)) {
      problems.push(`OIDC_PROVIDERS: "${name}" is reserved; choose another name`);
      continue;
    }
    const prefix = `OIDC_${name.toUpperCase()}_`;
    const issuer = oidcVar(name, 'ISSUER');
    const clientId = oidcVar(name, 'CLIENT_ID');
    if (!issuer) problems.push(`${prefix}ISSUER must be set for the OIDC provider "${name}"`);
    if (!clientId) problems.push(`${prefix}CLIENT_ID must be set for the OIDC provider "${name}"`);
    if (!issuer || !clientId) continue;
    oauthProviders.push({
      kind: 'oidc',
      name,
      label: oidcVar(name, 'LABEL') ?? name,
      issuer: endpoint(`${prefix}ISSUER`, issuer),
      clientId,
      clientSecret: oidcVar(name, 'CLIENT_SECRET') ?? null,
    });
  }

  const trustProxy = (get('TRUST_PROXY') ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const entry of trustProxy) {
    if (PROXY_RANGE_NAMES.has(entry)) continue;
    const [address = '', bits, ...rest] = entry.split('/');
    const version = isIP(address);
    const badBits =
      bits !== undefined && (!/^\d{1,3}$/.test(bits) || Number(bits) > (version === 4 ? 32 : 128));
    if (!version || badBits || rest.length > 0) {
      problems.push(
        `TRUST_PROXY: "${entry}" is not an IP address, a CIDR range, loopback, linklocal or uniquelocal`,
      );
    }
  }
  const outboundAllowPrivate = ((): 'all' | string[] => {
    const raw = get('OUTBOUND_ALLOW_PRIVATE') ?? '';
    if (['all', 'true'].includes(raw.toLowerCase())) return 'all';
    const entries = raw
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    for (const entry of entries) {
      const problem = checkAllowEntry(entry);
      if (problem) problems.push(`OUTBOUND_ALLOW_PRIVATE: ${problem} (or write all)`);
    }
    return entries;
  })();
  const rateLimits = ((): RateLimits => {
    const raw = get('RATE_LIMITS');
    try {
      return { ...DEFAULT_RATE_LIMITS, ...(raw === undefined ? {} : parseRateLimits(raw, 'RATE_LIMITS')) };
    } catch (error) {
      problems.push((error as Error).message);
      return { ...DEFAULT_RATE_LIMITS };
    }
  })();

  const config: Config = {
    mode: mode as Mode,
    redis: {
      url: redisUrl,
      clusterNodes: hostPorts('REDIS_CLUSTER_NODES'),
      sentinels,
      sentinelName,
    },
    http: { host: get('HTTP_HOST') ?? '127.0.0.1', port: httpPort },
    ws: {
      host: get('WS_HOST') ?? '127.0.0.1',
      port: wsPort,
      maxMessagesPerSecond: int('WS_MAX_MESSAGES_PER_SECOND', 10, 1, 10_000),
      maxSubscriptions: int('WS_MAX_SUBSCRIPTIONS', 10, 1, 1000),
      idleTimeoutMs: int('WS_IDLE_TIMEOUT', 300, 10, 86_400) * 1000,
      pingIntervalMs: int('WS_PING_INTERVAL', 30, 1, 3600) * 1000,
      maxMessageBytes: int('WS_MAX_MESSAGE_BYTES', 4096, 256, 1_048_576),
      maxBufferedBytes: int('WS_MAX_BUFFERED_BYTES', 1_048_576, 65_536, 1_073_741_824),
      presenceTtlMs: int('WS_PRESENCE_TTL', 30, 3, 3600) * 1000,
      maxConnections:
        get('WS_MAX_CONNECTIONS') === undefined ? null : int('WS_MAX_CONNECTIONS', 0, 1, 10_000_000),
      maxConnectionsPerAddress: int('WS_MAX_CONNECTIONS_PER_ADDRESS', 100, 1, 10_000_000),
      replayEventsPerMinute: int('WS_REPLAY_EVENTS_PER_MINUTE', 1000, 0, 10_000_000),
    },
    jwtSecret,
    accessTokenTtl: int('ACCESS_TOKEN_TTL', 3600, 60, 86_400),
    sessionTtl: int('SESSION_TTL', 2_592_000, 3600, 31_536_000),
    dataDir: get('DATA_DIR') ?? './data',
    logLevel,
    trustProxy,
    rateLimits,
    site: {
      name: get('THREADKIT_SITE_NAME') ?? null,
      domain: get('THREADKIT_SITE_DOMAIN') ?? null,
      allowedOrigins: origins
        ? origins
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean)
        : null,
      publicKey: key('THREADKIT_PUBLIC_KEY', 'public'),
      secretKey: key('THREADKIT_SECRET_KEY', 'secret'),
    },
    email: { smtpUrl, from: get('EMAIL_FROM') ?? 'ThreadKit <no-reply@localhost>' },
    twilio: twilioParts.every(Boolean)
      ? {
          accountSid: twilioParts[0]!,
          authToken: twilioParts[1]!,
          from: twilioParts[2]!,
          apiUrl: (get('TWILIO_API_URL') ?? 'https://api.twilio.com').replace(/\/$/, ''),
        }
      : null,
    publicUrl,
    publicWsUrl,
    oauthProviders,
    akismetApiUrl: endpoint('AKISMET_API_URL', get('AKISMET_API_URL') ?? 'https://rest.akismet.com'),
    outboundAllowPrivate,
  };
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}
