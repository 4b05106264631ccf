import { expectInvalid } from '@threadkit/testing';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_SETTINGS,
  isSettingName,
  parseSetting,
  redactSettings,
  SETTING_SPECS,
  withDefaults,
} from './settings.js';
import type { SiteSettings } from './types.js';

describe('parseSetting: moderation', () => {
  it.each(['none', 'pre', 'post'] as const)('accepts %s', (mode) => {
    expect(parseSetting('moderation', mode)).toBe(mode);
  });

  it.each(['', 'PRE', 'strict'])('rejects %j', (raw) => {
    expectInvalid(() => parseSetting('moderation', raw), 'moderation');
  });

  it('ignores surrounding whitespace', () => {
    expect(parseSetting('moderation', ' pre ')).toBe('pre');
  });
});

describe.each(['allow_guests', 'allow_localhost'] as const)('parseSetting: %s', (name) => {
  it.each(['true', '1', 'yes', 'on', 'TRUE', 'Yes', 'ON'])('reads %j as true', (raw) => {
    expect(parseSetting(name, raw)).toBe(true);
  });

  it.each(['false', '0', 'no', 'off', 'FALSE', 'No', 'Off'])('reads %j as false', (raw) => {
    expect(parseSetting(name, raw)).toBe(false);
  });

  it.each(['', 'maybe', '2', 'y', 'truthy'])('rejects %j', (raw) => {
    expectInvalid(() => parseSetting(name, raw), name);
  });
});

describe('parseSetting: allowed_origins', () => {
  it('splits on commas, trims and drops empty entries', () => {
    expect(parseSetting('allowed_origins', ' https://example.com , *.example.com,,localhost:3000 ')).toEqual([
      'https://example.com',
      '*.example.com',
      'localhost:3000',
    ]);
  });

  it('reads an empty value as no origins', () => {
    expect(parseSetting('allowed_origins', '')).toEqual([]);
    expect(parseSetting('allowed_origins', ' , ')).toEqual([]);
  });

  it.each([
    ['https://example.com/path', 'https://example.com/path'],
    ['*.com', '*.com'],
    ['exa mple.com', 'exa mple.com'],
    ['example.com, ftp://example.com', 'ftp://example.com'],
  ])('rejects %j, naming the bad entry', (raw, bad) => {
    const error = expectInvalid(() => parseSetting('allowed_origins', raw), 'allowed_origins');
    expect(error.message).toContain(`"${bad}"`);
  });
});

describe('parseSetting: max_comment_length', () => {
  it.each([
    ['1', 1],
    ['10000', 10_000],
    ['100000', 100_000],
  ])('accepts %s', (raw, value) => {
    expect(parseSetting('max_comment_length', raw)).toBe(value);
  });

  it.each(['0', '-5', '100001', '12.5', 'abc', '', 'NaN', 'Infinity'])('rejects %j', (raw) => {
    expectInvalid(() => parseSetting('max_comment_length', raw), 'max_comment_length');
  });
});

describe('isSettingName', () => {
  it('is true for every setting', () => {
    for (const name of Object.keys(DEFAULT_SETTINGS)) expect(isSettingName(name)).toBe(true);
  });

  it.each(['', 'Moderation', 'max-comment-length', 'toString', '__proto__', 'constructor', 'hasOwnProperty'])(
    'is false for %j',
    (name) => {
      expect(isSettingName(name)).toBe(false);
    },
  );

  it('has a spec with documentation for exactly the default settings', () => {
    expect(Object.keys(SETTING_SPECS).sort()).toEqual(Object.keys(DEFAULT_SETTINGS).sort());
    for (const spec of Object.values(SETTING_SPECS)) expect(spec.doc.length).toBeGreaterThan(10);
  });
});

describe('DEFAULT_SETTINGS', () => {
  it('has the documented defaults (10 000 character limit, no moderation, guests and localhost on)', () => {
    expect(DEFAULT_SETTINGS).toEqual({
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
    });
  });
});

describe('withDefaults', () => {
  it('fills every missing setting from the defaults', () => {
    expect(withDefaults({})).toEqual(DEFAULT_SETTINGS);
  });

  it('keeps stored values over the defaults', () => {
    const stored: Partial<SiteSettings> = {
      moderation: 'pre',
      allow_guests: false,
      allowed_origins: ['a.com'],
    };
    expect(withDefaults(stored)).toEqual({
      ...DEFAULT_SETTINGS,
      moderation: 'pre',
      allow_guests: false,
      allowed_origins: ['a.com'],
    });
  });

  it('keeps falsy stored values', () => {
    const result = withDefaults({ allow_localhost: false, allowed_origins: [] });
    expect(result.allow_localhost).toBe(false);
    expect(result.allowed_origins).toEqual([]);
  });

  it('returns a new object and leaves the defaults untouched', () => {
    const result = withDefaults({ moderation: 'post' });
    expect(result).not.toBe(DEFAULT_SETTINGS);
    expect(DEFAULT_SETTINGS.moderation).toBe('none');
  });
});

describe('parseSetting: spam and abuse settings', () => {
  it('reads word_filter as comma-separated words and phrases, trimmed, spaces collapsed, once each', () => {
    expect(parseSetting('word_filter', ' spam , buy   cheap  watches,,SPAM,spam ')).toEqual([
      'spam',
      'buy cheap watches',
      'SPAM',
    ]);
    expect(parseSetting('word_filter', '')).toEqual([]);
  });

  it.each([
    ['word_filter_action', ['block', 'hold'], ['', 'reject', 'BLOCK']],
    ['flagged_action', ['hold', 'reject'], ['', 'block', 'Hold']],
  ] as const)('%s takes only its values', (name, good, bad) => {
    for (const raw of good) expect(parseSetting(name, raw)).toBe(raw);
    for (const raw of bad) expectInvalid(() => parseSetting(name, raw), name);
  });

  it.each([
    ['max_links', 0, 1000],
    ['min_submit_seconds', 0, 600],
  ] as const)('%s is an integer from %i to %i', (name, min, max) => {
    expect(parseSetting(name, String(min))).toBe(min);
    expect(parseSetting(name, String(max))).toBe(max);
    for (const raw of [String(max + 1), '-1', '2.5', 'five', ''])
      expectInvalid(() => parseSetting(name, raw), name);
  });

  it.each(['akismet_enabled', 'moderation_api_enabled'] as const)('%s is a boolean', (name) => {
    expect(parseSetting(name, 'on')).toBe(true);
    expect(parseSetting(name, 'off')).toBe(false);
    expectInvalid(() => parseSetting(name, 'maybe'), name);
  });

  it.each(['akismet_key', 'moderation_api_key'] as const)('%s is one printable word, or empty', (name) => {
    expect(parseSetting(name, ' sk-abc_123.XYZ ')).toBe('sk-abc_123.XYZ');
    expect(parseSetting(name, '')).toBe('');
    expectInvalid(() => parseSetting(name, 'two words'), name);
    expectInvalid(() => parseSetting(name, 'ké'), name);
  });

  it('moderation_api_url must be https (http only on this machine), without query or credentials', () => {
    expect(parseSetting('moderation_api_url', 'https://api.openai.com/')).toBe('https://api.openai.com');
    expect(parseSetting('moderation_api_url', 'https://gw.example.com/openai/v1')).toBe(
      'https://gw.example.com/openai/v1',
    );
    expect(parseSetting('moderation_api_url', 'http://127.0.0.1:11434')).toBe('http://127.0.0.1:11434');
    for (const raw of [
      'http://api.example.com',
      'ftp://api.example.com',
      'https://u:p@api.example.com',
      'https://api.example.com?x=1',
      'api.openai.com',
      '',
    ])
      expectInvalid(() => parseSetting('moderation_api_url', raw), 'moderation_api_url');
  });

  it('moderation_api_model is a model name or empty', () => {
    expect(parseSetting('moderation_api_model', 'omni-moderation-2024-09-26')).toBe(
      'omni-moderation-2024-09-26',
    );
    expect(parseSetting('moderation_api_model', '')).toBe('');
    expectInvalid(() => parseSetting('moderation_api_model', 'a model'), 'moderation_api_model');
  });
});

describe('redactSettings', () => {
  it('shows secrets as (set) or empty, and everything else as it is', () => {
    const settings = { ...DEFAULT_SETTINGS, akismet_key: 'abc123def456', moderation_api_key: '' };
    const shown = redactSettings(settings);
    expect(shown).toEqual({ ...settings, akismet_key: '(set)', moderation_api_key: '' });
    expect(JSON.stringify(shown)).not.toContain('abc123def456');
  });

  it('marks exactly the API keys as secret', () => {
    const secret = Object.entries(SETTING_SPECS)
      .filter(([, spec]) => 'secret' in spec && spec.secret)
      .map(([name]) => name);
    expect(secret.sort()).toEqual(['akismet_key', 'moderation_api_key']);
  });
});
