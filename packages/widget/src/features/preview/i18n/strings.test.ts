import { describe } from 'vitest';
import { checkTranslations } from '../../../i18n/translations.testing.js';
import { loaders } from './index.js';

describe('preview words', () => {
  checkTranslations(loaders, {});
});
