import { invalid } from './errors.js';
import { checkOriginPattern, parseOrigin } from './origins.js';
import { parseRateLimits } from './rate-limits.js';
import type { ModerationMode, SiteSettings } from './types.js';

export const DEFAULT_SETTINGS: SiteSettings = {
  moderation: 'none',
  allow_guests: true,
  allowed_origins: [],
  allow_localhost: true,
  max_comment_length: 10_000,
  auth_methods: ['password', 'email_code', 'google', 'github'],
  require_verified: false,
  word_filter: [],
  word_filter_action: 'block',
  max_links: 5,
  min_submit_seconds: 3,
  akismet_enabled: false,
  akismet_key: '',
  moderation_api_enabled: false,
  moderation_api_url: 'https://api.openai.com',
  moderation_api_key: '',
  moderation_api_model: 'omni-moderation-latest',
  flagged_action: 'hold',
  rate_limits: {},
  webhooks_allow_private: false,
};

const MODERATION_MODES: readonly ModerationMode[] = ['none', 'pre', 'post'];

const bool = (key: string, raw: string): boolean => {
  if (['true', '1', 'yes', 'on'].includes(raw.toLowerCase())) return true;
  if (['false', '0', 'no', 'off'].includes(raw.toLowerCase())) return false;
  throw invalid(key, `${key} must be true or false`);
};

const oneOf =
  <T extends string>(key: string, values: readonly T[]) =>
  (raw: string): T => {
    if (!values.includes(raw as T)) throw invalid(key, `${key} must be ${values.join(' or ')}`);
    return raw as T;
  };

const integer = (key: string, min: number, max: number) => (raw: string) => {
  const value = /^\d+$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isInteger(value) || value < min || value > max)
    throw invalid(key, `${key} must be an integer from ${min} to ${max}`);
  return value;
};

/** A credential: one token of printable characters, or empty to remove it. */
const secret = (key: string) => (raw: string) => {
  if (!/^[\x21-\x7e]{0,500}$/.test(raw))
    throw invalid(key, `${key} must be one word of printable characters`);
  return raw;
};

/** An outside service's base URL: https, or http on this machine (a local model or a test double). */
const serviceUrl = (key: string) => (raw: string) => {
  const url = parseOrigin(raw);
  const local = url && ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
  if (!url || (url.protocol !== 'https:' && !local) || url.search || url.hash || url.username || url.password)
    throw invalid(key, `${key} must be an https URL without query or credentials (http only on localhost)`);
  return raw.replace(/\/+$/, '');
};

/**
 * The JSON a setting takes besides its text form (the HTTP API checks it before parsing):
 * `flag` a boolean, `integer` a whole number, `text` a string, `list` an array of strings,
 * `budgets` an object of rate-limit budgets. Text and `null` (empty) work for every setting.
 */
export type SettingForm = 'flag' | 'integer' | 'text' | 'list' | 'budgets';

/** Each setting: how to read it from text (CLI, environment) and what it means; `secret` ones are never shown. */
export const SETTING_SPECS: {
  [K in keyof SiteSettings]: {
    form: SettingForm;
    doc: string;
    parse: (raw: string) => SiteSettings[K];
    secret?: true;
    /** The only texts it takes, for a setting that is one of a few words. */
    choices?: readonly string[];
  };
} = {
  moderation: {
    form: 'text',
    choices: MODERATION_MODES,
    doc: '`none` publishes at once, `pre` holds every new comment for approval, `post` publishes and queues for review.',
    parse: (raw) => {
      if (!MODERATION_MODES.includes(raw as ModerationMode))
        throw invalid('moderation', 'moderation must be none, pre or post');
      return raw as ModerationMode;
    },
  },
  allow_guests: {
    form: 'flag',
    doc: 'Whether readers may comment as guests, with only a name.',
    parse: (raw) => bool('allow_guests', raw),
  },
  allowed_origins: {
    form: 'list',
    doc: 'Comma-separated origins allowed to use the public key (`https://example.com`, `example.com`, `*.example.com`).',
    parse: (raw) => {
      const origins = raw
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
      for (const origin of origins) {
        const problem = checkOriginPattern(origin);
        if (problem) throw invalid('allowed_origins', problem);
      }
      return origins;
    },
  },
  allow_localhost: {
    form: 'flag',
    doc: 'Whether pages on localhost may use the public key (handy in development).',
    parse: (raw) => bool('allow_localhost', raw),
  },
  auth_methods: {
    form: 'list',
    doc: 'Comma-separated sign-in methods offered: `password` (e-mail or phone), `email_code`, and OAuth providers (`google`, `github`, configured OIDC names) when configured.',
    parse: (raw) => {
      const methods = [
        ...new Set(
          raw
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean),
        ),
      ];
      for (const method of methods) {
        if (!AUTH_METHOD.test(method))
          throw invalid('auth_methods', `"${method}" is not a sign-in method name`);
      }
      return methods;
    },
  },
  require_verified: {
    form: 'flag',
    doc: 'Whether accounts must verify their e-mail or phone before posting (guests are governed by allow_guests).',
    parse: (raw) => bool('require_verified', raw),
  },
  word_filter: {
    form: 'list',
    doc: 'Comma-separated words and phrases; a comment containing one (whole words, any case) is blocked or held, see `word_filter_action`.',
    parse: (raw) => [
      ...new Set(
        raw
          .split(',')
          .map((s) => s.trim().replace(/\s+/g, ' '))
          .filter(Boolean),
      ),
    ],
  },
  word_filter_action: {
    form: 'text',
    choices: ['block', 'hold'],
    doc: 'What a `word_filter` match does: `block` refuses the comment (400), `hold` keeps it pending for review.',
    parse: oneOf('word_filter_action', ['block', 'hold'] as const),
  },
  max_links: {
    form: 'integer',
    doc: 'Most links a comment may have before it is held for review (0: any link holds it; 0 to 1000).',
    parse: integer('max_links', 0, 1000),
  },
  min_submit_seconds: {
    form: 'integer',
    doc: "Guests only: a comment sent sooner than this after the writer's first focus in the widget's form is refused as a bot (0: off; 0 to 600).",
    parse: integer('min_submit_seconds', 0, 600),
  },
  akismet_enabled: {
    form: 'flag',
    doc: 'Check comments with Akismet (needs `akismet_key`); spam is handled as `flagged_action` says.',
    parse: (raw) => bool('akismet_enabled', raw),
  },
  akismet_key: {
    form: 'text',
    doc: 'The Akismet API key (secret: never shown).',
    parse: secret('akismet_key'),
    secret: true,
  },
  moderation_api_enabled: {
    form: 'flag',
    doc: 'Check comments with an OpenAI-compatible moderation endpoint (`moderation_api_url`).',
    parse: (raw) => bool('moderation_api_enabled', raw),
  },
  moderation_api_url: {
    form: 'text',
    doc: 'Base URL of the OpenAI-compatible moderation API; comments go to `<url>/v1/moderations`.',
    parse: serviceUrl('moderation_api_url'),
  },
  moderation_api_key: {
    form: 'text',
    doc: 'Bearer token for the moderation API (secret: never shown; empty: no Authorization header).',
    parse: secret('moderation_api_key'),
    secret: true,
  },
  moderation_api_model: {
    form: 'text',
    doc: "The moderation model to ask for (empty: the endpoint's default).",
    parse: (raw) => {
      if (!/^[\w.:/-]{0,200}$/.test(raw))
        throw invalid('moderation_api_model', 'moderation_api_model must be a model name');
      return raw;
    },
  },
  flagged_action: {
    form: 'text',
    choices: ['hold', 'reject'],
    doc: "What spam (Akismet) or a flagged comment (moderation API) does: `hold` for review or `reject` (403). Akismet's blatant spam is always refused.",
    parse: oneOf('flagged_action', ['hold', 'reject'] as const),
  },
  max_comment_length: {
    form: 'integer',
    doc: 'Longest comment accepted, in characters (1 to 100000).',
    parse: (raw) => {
      const value = /^\d+$/.test(raw) ? Number(raw) : Number.NaN;
      if (!Number.isInteger(value) || value < 1 || value > 100_000) {
        throw invalid('max_comment_length', 'max_comment_length must be an integer from 1 to 100000');
      }
      return value;
    },
  },
  rate_limits: {
    form: 'budgets',
    doc: "Requests per minute this site allows, overriding the server's `RATE_LIMITS` for the budgets it names: `reads=300,writes=30,auth=10,key=6000` (`off` for no limit; empty: the server's).",
    parse: (raw) => parseRateLimits(raw),
  },
  webhooks_allow_private: {
    form: 'flag',
    doc: "Whether webhook deliveries may go to private, loopback and link-local addresses (a receiver on the server's own network). Off: public addresses only. In SaaS mode, only the ranges the operator's `OUTBOUND_ALLOW_PRIVATE` allows.",
    parse: (raw) => bool('webhooks_allow_private', raw),
  },
};

const AUTH_METHOD = /^[a-z][a-z0-9_-]{0,30}$/;

export const isSettingName = (name: string): name is keyof SiteSettings => Object.hasOwn(SETTING_SPECS, name);

/** Settings with secrets replaced by `(set)` (or `''` when unset), for showing them anywhere. */
export const redactSettings = (settings: SiteSettings): Record<string, unknown> =>
  Object.fromEntries(
    Object.entries(settings).map(([name, value]) =>
      isSettingName(name) && SETTING_SPECS[name].secret ? [name, value ? '(set)' : ''] : [name, value],
    ),
  );

/**
 * A setting's value in the text form its parser reads back (what the CLI and
 * forms take): flags `on`/`off`, lists `a, b`, budgets `reads=300, key=off`,
 * nothing as the empty text.
 */
export function settingText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'boolean') return value ? 'on' : 'off';
  if (Array.isArray(value)) return value.join(', ');
  if (typeof value === 'object')
    return Object.entries(value as Record<string, unknown>)
      .map(([name, limit]) => `${name}=${String(limit)}`)
      .join(', ');
  return String(value);
}

/** Parses one setting from text, e.g. `threadkit site set moderation pre`. */
export function parseSetting<K extends keyof SiteSettings>(name: K, raw: string): SiteSettings[K] {
  return SETTING_SPECS[name].parse(raw.trim());
}

/** Stored settings with defaults for anything added since they were written. */
export const withDefaults = (stored: Partial<SiteSettings>): SiteSettings => ({
  ...DEFAULT_SETTINGS,
  ...stored,
});
