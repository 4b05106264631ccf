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

/** Languages written right to left, by base language, for browsers without `Intl.Locale` text info. */
const RTL = ['ar', 'ckb', 'dv', 'fa', 'he', 'iw', 'ps', 'sd', 'ug', 'ur', 'yi'];

type TextInfo = { direction?: string };

/** `rtl` or `ltr` for a language tag: from `Intl.Locale`'s text info where the browser has it, else the list above. */
export function direction(lang: string): 'ltr' | 'rtl' {
  try {
    const locale = new Intl.Locale(lang) as Intl.Locale & { getTextInfo?(): TextInfo; textInfo?: TextInfo };
    const info = locale.getTextInfo?.() ?? locale.textInfo;
    if (info?.direction) return info.direction === 'rtl' ? 'rtl' : 'ltr';
  } catch {
    // Not a valid tag: the list decides.
  }
  return RTL.includes(lang.split(/[-_]/)[0]!.toLowerCase()) ? 'rtl' : 'ltr';
}

/**
 * Overrides for the words, string by string: a string key takes a string, a
 * function key (counts, names, dates) a function, and a group (`sort`, `reasons`) any of its labels.
 */
export type StringOverrides = {
  [K in keyof Strings]?: Strings[K] extends string | ((...args: never[]) => string)
    ? Strings[K]
    : Partial<Strings[K]>;
};

/**
 * `base` with `overrides` applied on top, one string at a time. Keys we do not
 * have, and values of the wrong kind (e.g. a string for `comments`, which must be
 * a function), are left out with a warning, so a typo cannot break the widget.
 */
export function withOverrides(base: Strings, overrides: StringOverrides | null | undefined): Strings {
  // Nested groups (sort labels, report reasons) are copied too: overrides never touch `base`.
  const result: Record<string, unknown> = Object.fromEntries(
    Object.entries(base).map(([key, value]) => [
      key,
      value && typeof value === 'object' ? { ...value } : value,
    ]),
  );
  const apply = (target: Record<string, unknown>, source: Record<string, unknown>, path: string) => {
    for (const [key, value] of Object.entries(source)) {
      const current = Object.hasOwn(target, key) ? target[key] : undefined;
      if (current && typeof current === 'object' && value && typeof value === 'object') {
        apply(current as Record<string, unknown>, value as Record<string, unknown>, `${path}${key}.`);
      } else if (current !== undefined && typeof value === typeof current) {
        target[key] = value;
      } else {
        console.warn(`ThreadKit: ignored the string override "${path}${key}" (unknown key or wrong type).`);
      }
    }
  };
  if (overrides) apply(result, overrides as Record<string, unknown>, '');
  return result as Strings;
}
