import { en, type Language, languageLoaders, type StringOverrides, type Strings } from './index.js';

export { pickLanguage } from './pick.js';

/*
 * The widget's words when they are not plainly the built-in English: choosing
 * the language, loading its chunk, and the site's overrides. A chunk of its
 * own, so that a page in English with the widget's own words loads none of this.
 */

const loaders = languageLoaders<Strings>(en, import.meta.glob(['./??.ts', './??-??.ts', '!./en.ts']));

/** The words for `lang` (English at once; the others from their chunk). */
export function loadStrings(lang: Language): Promise<Strings> {
  return lang === 'en' ? Promise.resolve(en) : loaders[lang]();
}

/**
 * The language shown, its words with the site's overrides on top, and the
 * overrides (for the lazy features). English when the language's chunk fails.
 */
export async function wordsFor(
  lang: Language,
  overrides: StringOverrides | undefined,
  overridesJson: string | undefined,
): Promise<{ lang: Language; strings: Strings; overrides?: StringOverrides }> {
  const words = loadStrings(lang).catch((error: unknown) => {
    console.warn(`ThreadKit: could not load the "${lang}" words; using English.`, error);
    return null;
  });
  // Only sites that change the words download the code that does it.
  const overriding = overrides || overridesJson ? import('./overrides.js') : null;
  const [strings, merge] = await Promise.all([words, overriding]);
  const base = strings ?? en;
  const shown = strings ? lang : 'en';
  const given = merge && (overrides ?? merge.parseStrings(overridesJson!));
  return given
    ? { lang: shown, strings: merge.withOverrides(base, given), overrides: given }
    : { lang: shown, strings: base };
}
