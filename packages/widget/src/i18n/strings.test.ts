import { describe, expect, it } from 'vitest';
import { ar } from './ar.js';
import { de } from './de.js';
import { en, type Strings } from './en.js';
import { es } from './es.js';
import { relativeTime } from './format.js';
import { fr } from './fr.js';
import { LANGUAGES } from './index.js';
import { ja } from './ja.js';
import { pt } from './pt.js';
import { loadStrings } from './words.js';
import { zhCN } from './zh-CN.js';

const ALL: Record<(typeof LANGUAGES)[number], Strings> = { en, es, fr, de, pt, 'zh-CN': zhCN, ja, ar };
const COUNTS = [0, 1, 2, 5, 11, 100];

/** Every key, nested ones as `sort.new`. */
function keys(strings: object, prefix = ''): string[] {
  return Object.entries(strings)
    .flatMap(([key, value]) =>
      value && typeof value === 'object' ? keys(value, `${prefix}${key}.`) : [`${prefix}${key}`],
    )
    .sort();
}

/** How each function is called; a new function key in `en` must be added here. */
const CALLS: Record<string, (fn: (arg: never) => string) => string[]> = {
  comments: (fn) => COUNTS.map((n) => fn(n as never)),
  showReplies: (fn) => COUNTS.map((n) => fn(n as never)),
  here: (fn) => COUNTS.map((n) => fn(n as never)),
  newComments: (fn) => COUNTS.map((n) => fn(n as never)),
  score: (fn) => [...COUNTS, -1, -2, -5].map((n) => fn(n as never)),
  typing: (fn) => COUNTS.map((n) => fn(Array.from({ length: n }, (_, i) => `Reader ${i}`) as never)),
  signedInAs: (fn) => [fn('Ana' as never)],
  notifications: (fn) => COUNTS.map((n) => fn(n as never)),
  time: (fn) => [fn(1_741_183_620 as never)],
  ago: (fn) => {
    const now = Date.now() / 1000;
    return [0, 5, 600, 7200, 90_000, 30 * 86_400].map((past) => fn((now - past) as never));
  },
};

describe('the translations', () => {
  it('cover every language the widget offers', () => {
    expect(Object.keys(ALL).sort()).toEqual([...LANGUAGES].sort());
  });

  it.each(Object.entries(ALL))(
    '%s has exactly the keys English has, and the plan limit English leaves to the server',
    (_lang, strings) => {
      const extra = strings === en ? [] : ['planLimit'];
      expect(keys(strings).sort()).toEqual([...keys(en), ...extra].sort());
      if (strings !== en) expect(strings.planLimit).toMatch(/\S/);
    },
  );

  it.each(Object.entries(ALL))('%s gives a non-empty string for every key and count', (_lang, strings) => {
    for (const [key, value] of Object.entries(strings)) {
      if (typeof value === 'function') {
        const call = CALLS[key];
        expect(call, `no test call for the function "${key}"`).toBeDefined();
        for (const text of call!(value)) {
          expect(typeof text).toBe('string');
          expect(text.trim(), key).not.toBe('');
          expect(text, key).not.toContain('#');
          expect(text, key).not.toContain('undefined');
        }
      } else if (typeof value === 'object') {
        for (const label of Object.values(value)) expect((label as string).trim()).not.toBe('');
      } else {
        expect((value as string).trim(), key).not.toBe('');
      }
    }
  });

  it.each(Object.entries(ALL))(
    '%s shows larger counts and negative scores with their number',
    (_lang, strings) => {
      for (const n of [5, 11, 100]) {
        expect(strings.comments(n)).toContain(String(n));
        expect(strings.newComments(n)).toContain(String(n));
        expect(strings.showReplies(n)).toContain(String(n));
        expect(strings.score(n)).toContain(String(n));
      }
      for (const n of [-1, -2, -11]) expect(strings.score(n)).toContain(String(n));
      expect(strings.signedInAs('Ana')).toContain('Ana');
      expect(strings.typing(['Ana', 'Bo'])).toContain('Ana');
      expect(strings.typing(['Ana', 'Bo'])).toContain('Bo');
    },
  );

  it('English keeps its phrasing', () => {
    expect(en.comments(0)).toBe('0 comments');
    expect(en.comments(1)).toBe('1 comment');
    expect(en.comments(2)).toBe('2 comments');
    expect(en.here(2)).toBe('2 people here');
    expect(en.newComments(1)).toBe('Show 1 new comment');
    expect(en.score(1)).toBe('1 point');
    expect(en.score(-3)).toBe('-3 points');
    expect(en.typing(['Ana'])).toBe('Ana is typing…');
    expect(en.typing(['Ana', 'Bo', 'Cy'])).toBe('Ana, Bo, and Cy are typing…');
  });

  it('says how long ago, in words up to a week and as a date after', () => {
    const now = Date.UTC(2026, 2, 14, 12, 0, 0);
    const ago = relativeTime('en', () => now);
    const at = (secondsAgo: number) => ago(now / 1000 - secondsAgo);
    expect([at(-30), at(0), at(59), at(60), at(3599), at(3600), at(86_399)]).toEqual([
      'now',
      'now',
      'now',
      '1 minute ago',
      '59 minutes ago',
      '1 hour ago',
      '23 hours ago',
    ]);
    expect([at(86_400), at(2 * 86_400), at(7 * 86_400 - 1)]).toEqual([
      'yesterday',
      '2 days ago',
      '6 days ago',
    ]);
    expect(at(7 * 86_400)).toBe('Mar 7, 2026');
    expect(relativeTime('fr', () => now)(now / 1000 - 180)).toBe('il y a 3 minutes');
  });

  it('Arabic uses all six plural categories', () => {
    expect(COUNTS.map((n) => ar.comments(n))).toEqual([
      'لا توجد تعليقات',
      'تعليق واحد',
      'تعليقان',
      '5 تعليقات',
      '11 تعليقًا',
      '100 تعليق',
    ]);
    expect(ar.score(-1)).toBe('-1 نقطة');
    expect(ar.typing(['أ', 'ب'])).toMatch(/يكتبان…$/);
  });

  it('French counts zero and one in the singular; Portuguese says zero in the plural', () => {
    expect(fr.comments(0)).toBe('0 commentaire');
    expect(fr.comments(1)).toBe('1 commentaire');
    expect(fr.comments(2)).toBe('2 commentaires');
    expect(pt.comments(0)).toBe('0 comentários');
    expect(pt.comments(1)).toBe('1 comentário');
    expect(pt.comments(2)).toBe('2 comentários');
    expect(de.newComments(1)).toBe('1 neuen Kommentar anzeigen');
    expect(es.comments(11)).toBe('11 comentarios');
  });

  it('Chinese and Japanese have one form for every count', () => {
    expect(zhCN.comments(1)).toBe('1 条评论');
    expect(zhCN.comments(5)).toBe('5 条评论');
    expect(ja.comments(1)).toBe('1件のコメント');
    expect(ja.comments(5)).toBe('5件のコメント');
  });

  it('formats dates in the language', () => {
    const at = Date.UTC(2025, 2, 5, 14, 7) / 1000;
    const expected = (lang: string) =>
      new Intl.DateTimeFormat(lang, { dateStyle: 'medium', timeStyle: 'short' }).format(at * 1000);
    for (const [lang, strings] of Object.entries(ALL)) expect(strings.time(at)).toBe(expected(lang));
    expect(fr.time(at)).toContain('2025');
  });

  it('loads each language from its own module', async () => {
    for (const lang of LANGUAGES) expect(await loadStrings(lang)).toBe(ALL[lang]);
  });
});
