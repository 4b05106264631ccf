import { languageLoaders } from '../../../i18n/index.js';
import { en, type PreviewStrings } from './en.js';

export type { PreviewStrings };

// English comes with the feature; every other language is its own small chunk.
export const loaders = languageLoaders<PreviewStrings>(
  en,
  import.meta.glob(['./??.ts', './??-??.ts', '!./en.ts']),
);
