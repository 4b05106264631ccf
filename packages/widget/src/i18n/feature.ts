import { useEffect, useState } from 'preact/hooks';
import type { Feature, Language, LanguageLoaders, StringOverrides } from './index.js';
import { mergeStrings } from './overrides.js';

/**
 * A lazy feature's words in the widget's language, with the site's overrides
 * for that feature on top; null while the language's chunk loads (English on failure).
 */
export function useFeatureStrings<T extends object>(
  feature: Feature,
  loaders: LanguageLoaders<T>,
  lang: Language,
  overrides: StringOverrides | undefined,
): T | null {
  const [strings, setStrings] = useState<T | null>(null);
  useEffect(() => {
    let current = true;
    const words = lang === 'en' ? Promise.resolve(loaders.en) : loaders[lang]().catch(() => loaders.en);
    void words.then((base) => {
      if (current) setStrings(mergeStrings(base, overrides?.[feature], `${feature}.`));
    });
    return () => {
      current = false;
    };
  }, [lang, overrides]);
  return strings;
}
