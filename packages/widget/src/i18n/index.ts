import { en, type Strings } from './en.js';

export { en, type Strings };

/** The languages the widget speaks. English is built in; the others are lazy chunks. */
export const LANGUAGES = ['en', 'es', 'fr', 'de', 'pt', 'zh-CN', 'ja', 'ar'] as const;
export type Language = (typeof LANGUAGES)[number];

/** English at hand, and a loader for each other language: each its own chunk, fetched only when picked. */
export type LanguageLoaders<T> = { en: T } & Record<Exclude<Language, 'en'>, () => Promise<T>>;

/**
 * The loaders of a set of words from its folder's language files (`fr.ts`,
 * `zh-CN.ts`, …, each exporting its words), as `import.meta.glob` finds them.
 * A missing language fails when it is loaded, which the translation tests do for every one.
 */
export function languageLoaders<T>(
  en: T,
  // Each file declares its words' type (`export const fr: Strings`), so `unknown` loses nothing.
  files: Record<string, () => Promise<unknown>>,
): LanguageLoaders<T> {
  const loaders: Record<string, unknown> = { en };
  for (const lang of LANGUAGES) {
    const load = files[`./${lang}.ts`];
    if (lang !== 'en' && load)
      loaders[lang] = () => load().then((module) => Object.values(module as object)[0]);
  }
  return loaders as LanguageLoaders<T>;
}

/**
 * Whether the widget speaks English without choosing further: English is asked
 * for, or nothing is and it is the browser's first language. Anything else is
 * decided by `pickLanguage` (`pick.ts`), which loads with the other languages.
 */
export function plainlyEnglish(
  requested: string | null | undefined,
  browserLanguages: readonly string[],
): boolean {
  return /^en([-_]|$)/i.test((requested || browserLanguages[0] || 'en').trim());
}

/** Languages written right to left, by base language (scripts such as Arabic, Hebrew, Persian, Urdu). */
const RTL = ['ar', 'ckb', 'dv', 'fa', 'he', 'iw', 'ps', 'sd', 'ug', 'ur', 'yi'];

/** `rtl` or `ltr` for a language tag (a list rather than `Intl.Locale` text info, which browsers name differently). */
export function direction(lang: string): 'ltr' | 'rtl' {
  return RTL.includes(lang.split(/[-_]/)[0]!.toLowerCase()) ? 'rtl' : 'ltr';
}

/**
 * The lazy features' words live in their own chunks, one per feature and
 * language; overrides for them go under the feature's name
 * (`{ "signIn": { "title": "Log in" } }`).
 */
export type Feature = 'signIn' | 'account' | 'moderation' | 'preview' | 'reportForm';

/**
 * Overrides for the words, string by string: a string key takes a string, a
 * function key (counts, names, dates) a function, and a group (`sort`, a
 * feature's words) any of its labels.
 */
export type StringOverrides = {
  [K in keyof Strings]?: Strings[K] extends string | ((...args: never[]) => string)
    ? Strings[K]
    : Partial<Strings[K]>;
} & { [F in Feature]?: Record<string, unknown> };
