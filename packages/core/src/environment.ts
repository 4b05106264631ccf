import { isIP } from 'node:net';
import type { OAuthProviderConfig } from './config.js';
import { checkAllowEntry } from './egress/addresses.js';
import { checkOriginPattern, parseOrigin } from './origins.js';
import { DEFAULT_RATE_LIMITS, formatRateLimits, parseRateLimits } from './rate-limits.js';
import type { RateLimits } from './types.js';

/**
 * The environment variables ThreadKit reads, each declared once: its name (the
 * key), what it means, its default and how its text is checked and read. The
 * parsed values and their types (`readEnvironment`), the defaults and the
 * README's table (`npm run docs:config`) all come from `ENV_VARIABLES`;
 * `loadConfig` (config.ts) checks the rules between variables and arranges the
 * values for the code that uses them.
 */

export type Env = Record<string, string | undefined>;

/** What reading one variable needs. */
export interface Reading {
  /** The variable's name, for messages. */
  name: string;
  /** The whole environment, for a family of variables named after a value (`OIDC_<NAME>_*`). */
  env: Env;
  /** Records a bad value; every problem is reported at once and the server does not start. */
  report(problem: string): void;
}

export interface Variable<T> {
  /** What the variable does: the README's "Meaning". */
  readonly doc: string;
  /** The value when the variable is unset or blank. */
  readonly default: T;
  /** The README's "Default", when the value alone does not say it (`(generated)`). */
  readonly shown?: string;
  /** The value of the variable's trimmed, non-empty text; a bad one is reported. */
  parse(text: string, reading: Reading): T;
  /** Variables named after this one's values, documented in a row of their own. */
  readonly family?: { name: string; doc: string };
}

/** A declaration, typed by its value (a literal's own type would widen `default`). */
const variable = <T>(declaration: Variable<T>): Variable<T> => declaration;

/** Reads a variable's text as it is. */
const asText = (text: string) => text;

function integer(fallback: number, min: number, max: number, doc: string): Variable<number> {
  return {
    doc,
    default: fallback,
    parse(text, { name, report }) {
      const value = /^\d+$/.test(text) ? Number(text) : Number.NaN;
      if (Number.isInteger(value) && value >= min && value <= max) return value;
      report(`${name} must be an integer from ${min} to ${max} (got "${text}")`);
      return fallback;
    },
  };
}

/** A comma-separated list: entries trimmed, empty ones skipped. */
const entries = (text: string) =>
  text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

function hostPorts(doc: string): Variable<{ host: string; port: number }[]> {
  return {
    doc,
    default: [],
    parse: (text, { name, report }) =>
      entries(text).flatMap((entry) => {
        const match = /^(.+):(\d{1,5})$/.exec(entry);
        if (!match || Number(match[2]) < 1 || Number(match[2]) > 65535) {
          report(`${name}: "${entry}" is not host:port`);
          return [];
        }
        return [{ host: match[1]!, port: Number(match[2]) }];
      }),
  };
}

/** An optional text, checked by `check` (which returns the problem, if any). */
function optional(
  doc: string,
  check: (text: string, name: string) => string | null = () => null,
  shown?: string,
): Variable<string | null> {
  return {
    doc,
    default: null,
    shown,
    parse(text, { name, report }) {
      const problem = check(text, name);
      if (problem) report(problem);
      return text;
    },
  };
}

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

/** A provider's endpoint: https, except on this machine (local test doubles); kept without a trailing slash. */
function checkEndpoint(name: string, value: string, report: (problem: string) => void): string {
  const url = parseOrigin(value);
  if (!url || (url.protocol !== 'https:' && !LOOPBACK.has(url.hostname))) {
    report(`${name} must be an https URL (http only on localhost) (got "${value}")`);
  }
  return value.replace(/\/+$/, '');
}

function endpoint(fallback: string, doc: string): Variable<string> {
  return { doc, default: fallback, parse: (text, { name, report }) => checkEndpoint(name, text, report) };
}

const KEY_PATTERN = { public: /^tk_pub_[0-9A-Za-z]{20,}$/, secret: /^tk_sec_[0-9A-Za-z]{20,}$/ };

function apiKey(kind: keyof typeof KEY_PATTERN, doc: string): Variable<string | null> {
  return optional(
    doc,
    (text, name) =>
      KEY_PATTERN[kind].test(text)
        ? null
        : `${name} must look like tk_${kind === 'public' ? 'pub' : 'sec'}_ followed by 20+ letters or digits`,
    '(generated)',
  );
}

const MODES = ['standalone', 'saas'] as const;
export type Mode = (typeof MODES)[number];

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** proxy-addr's names for address ranges, accepted in TRUST_PROXY. */
const PROXY_RANGE_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal']);

/**
 * A WebSocket base URL: scheme, host (name or bracketed IPv6) and port only. The server pastes it
 * into /embed.js inside a string literal, so it must hold nothing that could end that literal.
 */
export const WS_BASE_URL =
  /^wss?:\/\/(?:[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/;

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

type OidcProviderConfig = Extract<OAuthProviderConfig, { kind: 'oidc' }>;

/** The providers of OIDC_PROVIDERS, each from its own `OIDC_<NAME>_*` variables. */
function oidcProviders(text: string, { env, report }: Reading): OidcProviderConfig[] {
  const field = (name: string, which: (typeof OIDC_FIELDS)[number]) =>
    env[`OIDC_${name.toUpperCase()}_${which}`]?.trim() || undefined;
  const providers: OidcProviderConfig[] = [];
  for (const name of new Set(entries(text).map((s) => s.toLowerCase()))) {
    if (!/^[a-z][a-z0-9_]{0,30}$/.test(name)) {
      report(`OIDC_PROVIDERS: "${name}" must be a letter followed by up to 30 letters, digits or _`);
      continue;
    }
    if (RESERVED_PROVIDER_NAMES.has(name)) {
      report(`OIDC_PROVIDERS: "${name}" is reserved; choose another name`);
      continue;
    }
    const prefix = `OIDC_${name.toUpperCase()}_`;
    const issuer = field(name, 'ISSUER');
    const clientId = field(name, 'CLIENT_ID');
    if (!issuer) report(`${prefix}ISSUER must be set for the OIDC provider "${name}"`);
    if (!clientId) report(`${prefix}CLIENT_ID must be set for the OIDC provider "${name}"`);
    if (!issuer || !clientId) continue;
    providers.push({
      kind: 'oidc',
      name,
      label: field(name, 'LABEL') ?? name,
      issuer: checkEndpoint(`${prefix}ISSUER`, issuer, report),
      clientId,
      clientSecret: field(name, 'CLIENT_SECRET') ?? null,
    });
  }
  return providers;
}

/** The name a standalone site gets when THREADKIT_SITE_NAME does not give one. */
export const DEFAULT_SITE_NAME = 'My site';

/** Every environment variable, in the order the README's table shows them. */
export const ENV_VARIABLES = {
  MODE: variable<Mode>({
    doc: '`standalone` (one site from these variables) or `saas` (many sites, whose keys and settings the dashboard keeps: needs `INTERNAL_API_URL` and `INTERNAL_API_SECRET`).',
    default: 'standalone',
    parse(text, { report }): Mode {
      if (!MODES.includes(text as Mode)) report(`MODE must be "standalone" or "saas" (got "${text}")`);
      return MODES.includes(text as Mode) ? (text as Mode) : 'standalone';
    },
  }),
  INTERNAL_API_URL: optional(
    "SaaS mode: the dashboard's internal API (`http://dashboard:3000/api/internal`), asked about keys and sites.",
    (text) => {
      let url: URL | null = null;
      try {
        url = new URL(text);
      } catch {}
      return url && (url.protocol === 'http:' || url.protocol === 'https:') && !url.search && !url.hash
        ? null
        : `INTERNAL_API_URL must be an http(s) URL without query (got "${text}")`;
    },
  ),
  INTERNAL_API_SECRET: optional(
    'SaaS mode: the secret shared with the dashboard (at least 32 characters), sent with every internal call.',
    (text) => (text.length < 32 ? 'INTERNAL_API_SECRET must be at least 32 characters long' : null),
  ),
  REDIS_URL: optional(
    'Redis to use (`redis://`, `rediss://`, `unix:///path`). Unset: `threadkit start` runs its own redis-server with data under `DATA_DIR`.',
    (text) =>
      /^(rediss?|unix):\/\//.test(text)
        ? null
        : `REDIS_URL must start with redis://, rediss:// or unix:// (got "${text}")`,
    '(managed)',
  ),
  REDIS_CLUSTER_NODES: hostPorts(
    'Comma-separated `host:port` seeds of a Redis Cluster; used instead of `REDIS_URL`.',
  ),
  REDIS_SENTINELS: hostPorts('Comma-separated `host:port` of Redis Sentinels; needs `REDIS_SENTINEL_NAME`.'),
  REDIS_SENTINEL_NAME: optional('Name of the master group the sentinels watch.'),
  REDIS_WAIT_REPLICAS: integer(
    0,
    0,
    16,
    'Replicas that must confirm each comment write (post, edit, delete, vote) with `WAIT` before it is acknowledged; fewer within `REDIS_WAIT_TIMEOUT_MS` answer `503`. 0: no waiting.',
  ),
  REDIS_WAIT_TIMEOUT_MS: integer(
    100,
    1,
    4000,
    'How long a comment write waits for `REDIS_WAIT_REPLICAS` replicas to confirm it, in ms.',
  ),
  HTTP_HOST: variable<string>({
    doc: 'Address the HTTP API listens on (`0.0.0.0` to accept outside connections).',
    default: '127.0.0.1',
    parse: asText,
  }),
  HTTP_PORT: integer(8080, 0, 65535, 'Port of the HTTP API.'),
  WS_HOST: variable<string>({
    doc: 'Address the WebSocket server listens on.',
    default: '127.0.0.1',
    parse: asText,
  }),
  WS_PORT: integer(8081, 0, 65535, 'Port of the WebSocket server.'),
  WS_MAX_MESSAGES_PER_SECOND: integer(
    10,
    1,
    10_000,
    'Messages one WebSocket connection may send per second; more get a `rate_limited` error.',
  ),
  WS_MAX_SUBSCRIPTIONS: integer(10, 1, 1000, 'Pages one WebSocket connection may watch at once.'),
  WS_IDLE_TIMEOUT: integer(
    300,
    10,
    86_400,
    'Seconds without a message from the client after which its connection is closed (the widget pings while its page is visible).',
  ),
  WS_PING_INTERVAL: integer(
    30,
    1,
    3600,
    'Seconds between the server’s pings; a peer that did not answer the previous one is dropped.',
  ),
  WS_MAX_MESSAGE_BYTES: integer(
    4096,
    256,
    1_048_576,
    'Largest message a WebSocket client may send; a larger one closes the connection (1009).',
  ),
  WS_PRESENCE_TTL: integer(
    30,
    3,
    3600,
    'Seconds a WebSocket instance’s presence entries last without its heartbeat (sent three times as often): readers of a crashed instance leave within this.',
  ),
  WS_MAX_BUFFERED_BYTES: integer(
    1_048_576,
    65_536,
    1_073_741_824,
    'Unsent bytes a slow WebSocket client may have queued before it is disconnected.',
  ),
  WS_MAX_CONNECTIONS: variable<number | null>({
    ...integer(
      0,
      1,
      10_000_000,
      'WebSocket connections one instance takes at once (handshakes included); more are refused with 503. Unset: three quarters of the process’s open-files limit (768 with `ulimit -n 1024`), leaving the rest to the HTTP API and Redis.',
    ),
    // Unset: the gateway derives it from the open-files limit (`defaultMaxConnections`).
    default: null,
    shown: '(from the open-files limit)',
  }),
  WS_MAX_CONNECTIONS_PER_ADDRESS: integer(
    100,
    1,
    10_000_000,
    'WebSocket connections one client address may hold on an instance at once; more are refused with 429. The address is taken as for rate limits (`TRUST_PROXY`).',
  ),
  WS_REPLAY_EVENTS_PER_MINUTE: integer(
    1000,
    0,
    10_000_000,
    'Missed events the gateway replays to one client address per minute (`subscribe` with `since`, `resync`); a catch-up that does not fit is answered with `reset` (reload over HTTP).',
  ),
  JWT_SECRET: optional(
    'Secret for signing access tokens, at least 32 bytes. Unset: generated once and kept in Redis, shared by every instance.',
    (text) =>
      Buffer.byteLength(text) < 32
        ? 'JWT_SECRET must be at least 32 bytes long (or unset, to generate one)'
        : null,
    '(generated)',
  ),
  ACCESS_TOKEN_TTL: integer(3600, 60, 86_400, 'Lifetime of an access token, in seconds.'),
  SESSION_TTL: integer(
    2_592_000,
    3600,
    31_536_000,
    'Lifetime of a sign-in session (and its refresh token), in seconds.',
  ),
  IMPORT_MAX_BYTES: integer(
    1_000_000_000,
    1,
    1_000_000_000_000,
    'Largest file `POST /v1/imports` takes, in bytes; a larger one is answered `413`.',
  ),
  DATA_DIR: variable<string>({
    doc: 'Where the managed redis-server keeps its data.',
    default: './data',
    parse: asText,
  }),
  SMTP_URL: optional(
    'SMTP server for e-mail (`smtp://user:pass@host:587`, `smtps://…`). Unset: e-mails (and their codes) are written to the log.',
    (text) =>
      /^smtps?:\/\//.test(text) ? null : `SMTP_URL must start with smtp:// or smtps:// (got "${text}")`,
  ),
  EMAIL_FROM: variable<string>({
    doc: 'Sender of e-mails.',
    default: 'ThreadKit <no-reply@localhost>',
    parse: asText,
  }),
  TWILIO_ACCOUNT_SID: optional(
    'Twilio account for text messages (with `TWILIO_AUTH_TOKEN` and `TWILIO_FROM`). Unset: texts are written to the log.',
  ),
  TWILIO_AUTH_TOKEN: optional('Twilio auth token.'),
  TWILIO_FROM: optional('Twilio sender number (E.164) or messaging service SID.'),
  TWILIO_API_URL: variable<string>({
    doc: "Base URL of Twilio's API (for a proxy or a test double).",
    default: 'https://api.twilio.com',
    parse: (text) => text.replace(/\/$/, ''),
  }),
  PUBLIC_URL: variable<string | null>({
    doc: 'The external base URL of the HTTP API (`https://comments.example.com`, behind a proxy too); sign-in providers redirect to `<PUBLIC_URL>/v1/auth/<provider>/callback`.',
    // Unset: the HTTP API on this machine (`loadConfig` knows the port).
    default: null,
    shown: '`http://localhost:<HTTP_PORT>`',
    parse(text, { report }): string | null {
      const url = parseOrigin(text);
      if (!url || url.search || url.hash || url.username || url.password) {
        report(`PUBLIC_URL must be an http(s) URL without query or credentials (got "${text}")`);
        return null;
      }
      return text.replace(/\/+$/, '');
    },
  }),
  PUBLIC_WS_URL: variable<string | null>({
    doc: 'The external base URL of the WebSocket gateway, without a path (`wss://comments.example.com`); the widget (`/embed.js`) connects to `<PUBLIC_WS_URL>/ws`. Unset with `PUBLIC_URL` set: the same host with `ws://` for `http://` and `wss://` for `https://`, which assumes your reverse proxy forwards `/ws` to the gateway.',
    // Unset: derived from PUBLIC_URL, or the gateway on this machine (`loadConfig`).
    default: null,
    shown: '`ws://localhost:<WS_PORT>`',
    parse(text, { report }): string | null {
      const value = text.replace(/\/+$/, '');
      if (!WS_BASE_URL.test(value) || !URL.canParse(value)) {
        report(`PUBLIC_WS_URL must be a ws:// or wss:// URL without path, query or fragment (got "${text}")`);
      }
      return value;
    },
  }),
  GOOGLE_CLIENT_ID: optional(
    'Google sign-in: the OAuth client id (with `GOOGLE_CLIENT_SECRET`). Unset: no Google sign-in.',
  ),
  GOOGLE_CLIENT_SECRET: optional('Google sign-in: the OAuth client secret.'),
  GOOGLE_ISSUER: endpoint('https://accounts.google.com', "Google's OpenID issuer (for a test double)."),
  GITHUB_CLIENT_ID: optional(
    "GitHub sign-in: the OAuth app's client id (with `GITHUB_CLIENT_SECRET`). Unset: no GitHub sign-in.",
  ),
  GITHUB_CLIENT_SECRET: optional("GitHub sign-in: the OAuth app's client secret."),
  GITHUB_OAUTH_URL: endpoint(
    'https://github.com',
    "Base URL of GitHub's OAuth endpoints (GitHub Enterprise, or a test double).",
  ),
  GITHUB_API_URL: endpoint(
    'https://api.github.com',
    "Base URL of GitHub's REST API (GitHub Enterprise: `https://ghe.example.com/api/v3`).",
  ),
  OIDC_PROVIDERS: variable<OidcProviderConfig[]>({
    doc: 'Comma-separated names of more OpenID Connect providers (`corp,okta`), each configured with `OIDC_<NAME>_*`.',
    default: [],
    parse: oidcProviders,
    family: {
      name: 'OIDC_<NAME>_*',
      doc: 'For each name in `OIDC_PROVIDERS`, upper-cased: `OIDC_<NAME>_ISSUER` (required), `OIDC_<NAME>_CLIENT_ID` (required), `OIDC_<NAME>_CLIENT_SECRET` (unset: a public client, PKCE only), `OIDC_<NAME>_LABEL` (button text; default: the name). Sites offer it once the name is in their `auth_methods`.',
    },
  }),
  AKISMET_API_URL: endpoint(
    'https://rest.akismet.com',
    "Base URL of Akismet's API, for sites with `akismet_enabled` (a proxy, or a test double).",
  ),
  OUTBOUND_ALLOW_PRIVATE: variable<'all' | string[]>({
    doc: "Comma-separated addresses or CIDR ranges (`127.0.0.1`, `10.0.0.0/8`, `fd00::/8`) that the server's own outgoing requests (Akismet, the moderation API) may reach although they are not public, or `all`. Unset: only public addresses; loopback, private, link-local and other special addresses are refused, checked on the address connected to, and no redirect is followed ([moderation.md](docs/moderation.md#spam-and-abuse)). In SaaS mode it is also all that the webhook deliveries of a site with `webhooks_allow_private` may reach besides public addresses ([webhooks.md](docs/webhooks.md#private-targets-ssrf)).",
    default: [],
    parse(text, { report }): 'all' | string[] {
      if (['all', 'true'].includes(text.toLowerCase())) return 'all';
      const allowed = entries(text);
      for (const entry of allowed) {
        const problem = checkAllowEntry(entry);
        if (problem) report(`OUTBOUND_ALLOW_PRIVATE: ${problem} (or write all)`);
      }
      return allowed;
    },
  }),
  LOG_LEVEL: variable<string>({
    doc: 'pino log level: `fatal`, `error`, `warn`, `info`, `debug`, `trace` or `silent`.',
    default: 'info',
    parse(text, { report }) {
      if (!LOG_LEVELS.includes(text)) report(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}`);
      return text;
    },
  }),
  TRUST_PROXY: variable<string[]>({
    doc: 'Comma-separated addresses or CIDR ranges of your reverse proxies (`127.0.0.1`, `10.0.0.0/8`; also `loopback`, `linklocal`, `uniquelocal`): the client address (rate limits, sign-in limits, usage) is then taken from their `X-Forwarded-For`. Unset: the header is ignored.',
    default: [],
    parse(text, { report }): string[] {
      const proxies = entries(text);
      for (const entry of proxies) {
        if (PROXY_RANGE_NAMES.has(entry)) continue;
        const [address = '', bits, ...rest] = entry.split('/');
        const version = isIP(address);
        const badBits =
          bits !== undefined && (!/^\d{1,3}$/.test(bits) || Number(bits) > (version === 4 ? 32 : 128));
        if (!version || badBits || rest.length > 0) {
          report(
            `TRUST_PROXY: "${entry}" is not an IP address, a CIDR range, loopback, linklocal or uniquelocal`,
          );
        }
      }
      return proxies;
    },
  }),
  RATE_LIMITS: variable<RateLimits>({
    doc: "Requests per minute per budget for every site ([rate limits](docs/api.md#rate-limits)); a budget left out keeps its default, `off` turns one (or, alone, all) off. A site's `rate_limits` setting overrides it.",
    default: DEFAULT_RATE_LIMITS,
    shown: `\`${formatRateLimits(DEFAULT_RATE_LIMITS)}\``,
    parse(text, { name, report }): RateLimits {
      try {
        return { ...DEFAULT_RATE_LIMITS, ...parseRateLimits(text, name) };
      } catch (error) {
        report((error as Error).message);
        return { ...DEFAULT_RATE_LIMITS };
      }
    },
  }),
  THREADKIT_SITE_NAME: optional(
    'Standalone: the site name shown to commenters.',
    undefined,
    `\`${DEFAULT_SITE_NAME}\``,
  ),
  THREADKIT_SITE_DOMAIN: optional(
    "Standalone: the site's domain; it and `www.` are allowed origins when `THREADKIT_ALLOWED_ORIGINS` is unset.",
  ),
  THREADKIT_ALLOWED_ORIGINS: variable<string[] | null>({
    doc: 'Standalone: comma-separated origins allowed to use the public key: `https://example.com`, `example.com` (any scheme), `*.example.com` (subdomains).',
    // Unset: the site's domain decides (or, for an existing site, what it has stored).
    default: null,
    parse(text, { report }): string[] | null {
      const origins = entries(text);
      for (const origin of origins) {
        const problem = checkOriginPattern(origin);
        if (problem) report(`THREADKIT_ALLOWED_ORIGINS: ${problem}`);
      }
      return origins;
    },
  }),
  THREADKIT_PUBLIC_KEY: apiKey(
    'public',
    'Standalone: the public key (`tk_pub_…`). Unset: generated on first start and printed.',
  ),
  THREADKIT_SECRET_KEY: apiKey(
    'secret',
    'Standalone: the secret key (`tk_sec_…`). Unset: generated on first start and printed once.',
  ),
};

export type EnvVariableName = keyof typeof ENV_VARIABLES;

/** Each variable's value, typed by its declaration. */
export type EnvValues = {
  [Name in EnvVariableName]: (typeof ENV_VARIABLES)[Name] extends Variable<infer T> ? T : never;
};

/** Reads every declared variable from `env`: blank counts as unset; every bad value is a problem. */
export function readEnvironment(env: Env): { values: EnvValues; problems: string[] } {
  const problems: string[] = [];
  const report = (problem: string) => void problems.push(problem);
  const values: Record<string, unknown> = {};
  for (const [name, variable] of Object.entries(ENV_VARIABLES) as [string, Variable<unknown>][]) {
    const text = env[name]?.trim();
    // A copy of the default: no configuration shares a list or an object with another.
    values[name] = text ? variable.parse(text, { name, env, report }) : structuredClone(variable.default);
  }
  return { values: values as EnvValues, problems };
}

/** What the README shows as a variable's default: the value, or what an unset variable means. */
function shownDefault(variable: Variable<unknown>): string {
  if (variable.shown !== undefined) return variable.shown;
  const value = variable.default;
  if (value === null || (Array.isArray(value) && value.length === 0)) return '';
  if (typeof value === 'string' || typeof value === 'number') return `\`${value}\``;
  throw new Error(`Say how the README shows the default ${JSON.stringify(value)}`);
}

/** The README's configuration table (`npm run docs:config` writes it), one row per variable. */
export function environmentTable(): string {
  const row = (...cells: string[]) => `|${cells.map((cell) => (cell ? ` ${cell} ` : ' ')).join('|')}|`;
  const rows = ['| Variable | Default | Meaning |', '|---|---|---|'];
  for (const [name, variable] of Object.entries(ENV_VARIABLES) as [string, Variable<unknown>][]) {
    rows.push(row(`\`${name}\``, shownDefault(variable), variable.doc));
    if (variable.family) rows.push(row(`\`${variable.family.name}\``, '', variable.family.doc));
  }
  return rows.join('\n');
}
