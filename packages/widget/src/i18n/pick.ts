import { LANGUAGES, type Language } from './index.js';

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
