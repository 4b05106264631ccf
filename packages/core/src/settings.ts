import { invalid } from './errors.js';
import { checkOriginPattern } from './origins.js';
import type { ModerationMode, SiteSettings } from './types.js';

export const DEFAULT_SETTINGS: SiteSettings = {
  moderation: 'none',
  allow_guests: true,
  allowed_origins: [],
  allow_localhost: true,
  max_comment_length: 10_000,
  auth_methods: ['password', 'email_code', 'google', 'github'],
  require_verified: false,
};

const MODERATION_MODES: readonly ModerationMode[] = ['none', 'pre', 'post'];

const bool = (key: string, raw: string): boolean => {
  if (['true', '1', 'yes', 'on'].includes(raw.toLowerCase())) return true;
  if (['false', '0', 'no', 'off'].includes(raw.toLowerCase())) return false;
  throw invalid(key, `${key} must be true or false`);
};

/** Each setting: how to read it from text (CLI, environment) and what it means. */
export const SETTING_SPECS: {
  [K in keyof SiteSettings]: { doc: string; parse: (raw: string) => SiteSettings[K] };
} = {
  moderation: {
    doc: '`none` publishes at once, `pre` holds every new comment for approval, `post` publishes and queues for review.',
    parse: (raw) => {
      if (!MODERATION_MODES.includes(raw as ModerationMode))
        throw invalid('moderation', 'moderation must be none, pre or post');
      return raw as ModerationMode;
    },
  },
  allow_guests: {
    doc: 'Whether readers may comment as guests, with only a name.',
    parse: (raw) => bool('allow_guests', raw),
  },
  allowed_origins: {
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
    doc: 'Whether pages on localhost may use the public key (handy in development).',
    parse: (raw) => bool('allow_localhost', raw),
  },
  auth_methods: {
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
    doc: 'Whether accounts must verify their e-mail or phone before posting (guests are governed by allow_guests).',
    parse: (raw) => bool('require_verified', raw),
  },
  max_comment_length: {
    doc: 'Longest comment accepted, in characters (1 to 100000).',
    parse: (raw) => {
      const value = /^\d+$/.test(raw) ? Number(raw) : Number.NaN;
      if (!Number.isInteger(value) || value < 1 || value > 100_000) {
        throw invalid('max_comment_length', 'max_comment_length must be an integer from 1 to 100000');
      }
      return value;
    },
  },
};

const AUTH_METHOD = /^[a-z][a-z0-9_-]{0,30}$/;

export const isSettingName = (name: string): name is keyof SiteSettings => Object.hasOwn(SETTING_SPECS, name);

/** Parses one setting from text, e.g. `threadkit site set moderation pre`. */
export function parseSetting<K extends keyof SiteSettings>(name: K, raw: string): SiteSettings[K] {
  return SETTING_SPECS[name].parse(raw.trim());
}

/** Stored settings with defaults for anything added since they were written. */
export const withDefaults = (stored: Partial<SiteSettings>): SiteSettings => ({
  ...DEFAULT_SETTINGS,
  ...stored,
});
