import { languageLoaders } from '../../../i18n/index.js';
import { en, type SignInStrings } from './en.js';

export const loaders = languageLoaders<SignInStrings>(
  en,
  import.meta.glob(['./??.ts', './??-??.ts', '!./en.ts']),
);
