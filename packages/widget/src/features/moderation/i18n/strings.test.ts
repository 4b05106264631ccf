import { describe } from 'vitest';
import { COUNTS, checkTranslations } from '../../../i18n/translations.testing.js';
import { loaders } from './index.js';

const NAMES = ['Ada', 'محمد', '李雷'];

describe('moderator tools words', () => {
  checkTranslations(loaders, {
    confirmBan: (fn) => NAMES.map((name) => fn(name as never)),
    confirmShadowBan: (fn) => NAMES.map((name) => fn(name as never)),
    banned: (fn) => NAMES.map((name) => fn(name as never)),
    bannedAndCleared: (fn) => NAMES.map((name) => fn(name as never)),
    shadowBanned: (fn) => NAMES.map((name) => fn(name as never)),
    pinLimit: (fn) => [...COUNTS, 10].map((n) => fn(n as never)),
  });
});
