import { en, type Strings } from './en.js';

export { en, type Strings };

/** The languages the widget speaks. English is built in; the others are lazy chunks. */
export const LANGUAGES = ['en', 'es', 'fr', 'de', 'pt', 'zh-CN', 'ja', 'ar'] as const;
export type Language = (typeof LANGUAGES)[number];

// One dynamic import per language: Vite makes each its own chunk, fetched only when picked.
const loaders: Record<Exclude<Language, 'en'>, () => Promise<Strings>> = {
  es: () => import('./es.js').then((m) => m.es),
  fr: () => import('./fr.js').then((m) => m.fr),
  de: () => import('./de.js').then((m) => m.de),
  pt: () => import('./pt.js').then((m) => m.pt),
  'zh-CN': () => import('./zh-CN.js').then((m) => m.zhCN),
  ja: () => import('./ja.js').then((m) => m.ja),
  ar: () => import('./ar.js').then((m) => m.ar),
};

/** The words for `lang` (English at once; the others from their chunk). */
export function loadStrings(lang: Language): Promise<Strings> {
  return lang === 'en' ? Promise.resolve(en) : loaders[lang]();
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
