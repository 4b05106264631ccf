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
 * Which of our languages a BCP 47 tag asks for, or null: an exact match (any
 * case, `_` or `-`), else its base language (`pt-BR` → `pt`, `fr-CA` → `fr`).
 * Chinese only in Simplified script (`zh`, `zh-CN`, `zh-SG`, `zh-Hans…`);
 * Traditional (`zh-Hant…`, `zh-TW`, `zh-HK`, `zh-MO`) has no translation yet.
 */
export function matchLanguage(tag: string): Language | null {
  const parts = tag.trim().replace(/_/g, '-').toLowerCase().split('-');
  const exact = LANGUAGES.find((lang) => lang.toLowerCase() === parts.join('-'));
  if (exact) return exact;
  const [base, ...rest] = parts;
  if (base === 'zh') {
    const script = rest.find((part) => part.length === 4);
    if (script) return script === 'hans' ? 'zh-CN' : null;
    return rest.some((part) => part === 'tw' || part === 'hk' || part === 'mo') ? null : 'zh-CN';
  }
  return LANGUAGES.find((lang) => lang === base) ?? null;
}

/**
 * The language to show: the requested one (`data-lang` / `options.lang`) when we
 * have it; otherwise the first of the browser's languages, in the reader's order,
 * that we have; otherwise English. Each tag is tried exactly, then by base language,
 * before the next tag is looked at.
 */
export function pickLanguage(
  requested: string | null | undefined,
  browserLanguages: readonly string[],
): Language {
  for (const tag of [requested, ...browserLanguages]) {
    const match = tag ? matchLanguage(tag) : null;
    if (match) return match;
  }
  return 'en';
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
