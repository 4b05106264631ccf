import { languageLoaders } from '../../../i18n/index.js';
import { type AccountStrings, en } from './en.js';

export type { AccountStrings };

export const loaders = languageLoaders<AccountStrings>(
  en,
  import.meta.glob(['./??.ts', './??-??.ts', '!./en.ts']),
);
