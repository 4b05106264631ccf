import { afterEach, describe, expect, it, vi } from 'vitest';
import { en } from './en.js';
import { direction, plainlyEnglish } from './index.js';
import { mergeStrings, withOverrides } from './overrides.js';
import { matchLanguage, pickLanguage } from './pick.js';

describe('plainlyEnglish', () => {
  it('is English only where pickLanguage would choose English', () => {
    const cases: [string | null | undefined, string[]][] = [
      [undefined, ['en-GB', 'fr']],
      ['en', ['de']],
      ['EN_us', []],
      [undefined, []],
      ['', ['en']],
      [undefined, ['de-DE', 'en']],
      ['fr', ['en-US']],
      ['english', ['en']],
      [undefined, ['eng']],
    ];
    for (const [requested, browser] of cases) {
      if (plainlyEnglish(requested, browser))
        expect(pickLanguage(requested, browser), String(requested)).toBe('en');
    }
    expect(cases.map(([requested, browser]) => plainlyEnglish(requested, browser))).toEqual([
      true,
      true,
      true,
      true,
      true,
      false,
      false,
      false,
      false,
    ]);
  });
});

describe('pickLanguage', () => {
  it('takes the requested language (data-lang) over the browser’s', () => {
    expect(pickLanguage('fr', ['de-DE', 'en'])).toBe('fr');
    expect(pickLanguage('ar', [])).toBe('ar');
    expect(pickLanguage('pt-BR', ['en-US'])).toBe('pt');
  });

  it('falls back to the browser’s languages, in order, when none or an unknown one is requested', () => {
    expect(pickLanguage(undefined, ['de-DE', 'fr'])).toBe('de');
    expect(pickLanguage('', ['ja-JP'])).toBe('ja');
    expect(pickLanguage('it', ['it-IT', 'es-MX', 'en'])).toBe('es');
    expect(pickLanguage(null, ['sv', 'nl', 'fr-CA'])).toBe('fr');
  });

  it('tries each browser language exactly, then by base language, before the next one', () => {
    // The reader prefers Canadian French to German: French, although German would match exactly.
    expect(pickLanguage(undefined, ['fr-CA', 'de'])).toBe('fr');
  });

  it('defaults to English', () => {
    expect(pickLanguage(undefined, [])).toBe('en');
    expect(pickLanguage('xx', ['sv-SE', 'ko'])).toBe('en');
    expect(pickLanguage(undefined, ['en-GB', 'fr'])).toBe('en');
  });

  it('chooses Simplified Chinese only for Simplified tags', () => {
    for (const tag of ['zh', 'zh-CN', 'zh-cn', 'zh_CN', 'zh-SG', 'zh-Hans', 'zh-Hans-CN', 'zh-Hans-HK']) {
      expect(pickLanguage(tag, []), tag).toBe('zh-CN');
    }
    for (const tag of ['zh-TW', 'zh-HK', 'zh-MO', 'zh-Hant', 'zh-Hant-CN']) {
      expect(pickLanguage(tag, []), tag).toBe('en');
    }
    // Traditional is skipped, not a dead end: the reader's next language still counts.
    expect(pickLanguage(undefined, ['zh-TW', 'ja'])).toBe('ja');
  });

  it('matches tags regardless of case and separator', () => {
    expect(matchLanguage('AR')).toBe('ar');
    expect(matchLanguage('ar-EG')).toBe('ar');
    expect(matchLanguage(' es-419 ')).toBe('es');
    expect(matchLanguage('pt_PT')).toBe('pt');
    expect(matchLanguage('english')).toBe(null);
  });
});

describe('direction', () => {
  it('is right to left for Arabic and other RTL scripts, left to right otherwise', () => {
    expect(direction('ar')).toBe('rtl');
    expect(direction('he-IL')).toBe('rtl');
    expect(direction('fa')).toBe('rtl');
    for (const lang of ['en', 'fr', 'de', 'pt', 'es', 'zh-CN', 'ja']) expect(direction(lang)).toBe('ltr');
  });

  it('is left to right for anything else', () => {
    expect(direction('ur-PK')).toBe('rtl');
    expect(direction('not a tag!')).toBe('ltr');
    expect(direction('')).toBe('ltr');
  });
});

describe('withOverrides', () => {
  afterEach(() => vi.restoreAllMocks());

  it('replaces strings one by one and keeps the rest of the language', () => {
    const words = withOverrides(en, { placeholder: 'Say something…', sort: { new: 'Latest' } });
    expect(words.placeholder).toBe('Say something…');
    expect(words.sort).toEqual({ ...en.sort, new: 'Latest' });
    expect(words.reply).toBe('Reply');
    expect(en.sort.new).toBe('Newest');
  });

  it("leaves the lazy features' groups to the features, which apply them to their own words", () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const overrides = { reply: 'Answer', reportForm: { send: 'Tell the moderators', nope: 'x' } };
    const words = withOverrides(en, overrides);
    expect(words.reply).toBe('Answer');
    expect('reportForm' in words).toBe(false);
    const feature = mergeStrings(
      { send: 'Send report', thanks: 'Thanks' },
      overrides.reportForm,
      'reportForm.',
    );
    expect(feature).toEqual({ send: 'Tell the moderators', thanks: 'Thanks' });
    expect(warn).toHaveBeenCalledOnce();
    expect(warn.mock.calls[0]![0]).toContain('"reportForm.nope"');
  });

  it('takes functions for counted phrases', () => {
    const words = withOverrides(en, { comments: (n) => `${n} replies` });
    expect(words.comments(3)).toBe('3 replies');
  });

  it('ignores unknown keys and values of the wrong kind, with a warning', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const overrides = JSON.parse(
      '{"comments": "lots", "nope": "x", "sort": {"new": 1, "old": "Earliest"}, "__proto__": {"x": 1}, "reply": "Answer"}',
    );
    const words = withOverrides(en, overrides);
    expect(words.comments(2)).toBe('2 comments');
    expect(words.sort.new).toBe('Newest');
    expect(words.sort.old).toBe('Earliest');
    expect(words.reply).toBe('Answer');
    expect('nope' in words).toBe(false);
    expect(({} as Record<string, unknown>).x).toBeUndefined();
    expect(warn).toHaveBeenCalledTimes(4);
  });

  it('accepts nothing', () => {
    expect(withOverrides(en, undefined)).toEqual(en);
  });
});
