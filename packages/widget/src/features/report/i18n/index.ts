import { languageLoaders } from '../../../i18n/index.js';
import { en, type ReportStrings } from './en.js';

export const loaders = languageLoaders<ReportStrings>(
  en,
  import.meta.glob(['./??.ts', './??-??.ts', '!./en.ts']),
);
