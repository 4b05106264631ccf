import { languageLoaders } from '../../../i18n/index.js';
import { en, type ModerationStrings } from './en.js';

export type { ModerationStrings };

// English comes with the feature; every other language is its own small chunk.
export const loaders = languageLoaders<ModerationStrings>(
  en,
  import.meta.glob(['./??.ts', './??-??.ts', '!./en.ts']),
);
