import { describe } from 'vitest';
import { COUNTS, checkTranslations } from '../../../i18n/translations.testing.js';
import { loaders } from './index.js';

const counts = (fn: (arg: never) => string) => COUNTS.map((n) => fn(n as never));
const named = (fn: (arg: never) => string) => [fn('Ana' as never)];
const dated = (fn: (arg: never) => string) => [fn('5 Mar 2025, 14:07' as never)];

describe("the notifications panel's and the profile's words", () =>
  checkTranslations(loaders, {
    reply: named,
    mention: named,
    unread: counts,
    karma: (fn) => [...counts(fn), fn(-1 as never), fn(-5 as never)],
    since: dated,
    endSession: dated,
  }));
