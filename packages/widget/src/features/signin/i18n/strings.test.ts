import { describe, expect, it } from 'vitest';
import { COUNTS, checkTranslations } from '../../../i18n/translations.testing.js';
import { ar } from './ar.js';
import { en } from './en.js';
import { loaders } from './index.js';

const sample = (fn: (arg: never) => string) => [fn('GitHub' as never), fn('ada@example.com' as never)];

describe("the sign-in dialog's words", () => {
  checkTranslations(loaders, {
    continueWith: sample,
    codeSent: sample,
    resetSent: sample,
    waiting: sample,
    oauthDenied: sample,
    oauthFailed: sample,
    validFor: (fn) => COUNTS.map((n) => fn(n as never)),
  });

  it('counts minutes by each language’s plural rules', () => {
    expect(en.validFor(1)).toBe('It works for 1 minute.');
    expect(en.validFor(10)).toBe('It works for 10 minutes.');
    expect(ar.validFor(2)).toBe('الرمز صالح لمدة دقيقتين.');
    expect(ar.validFor(10)).toBe('الرمز صالح لمدة 10 دقائق.');
    expect(ar.validFor(11)).toBe('الرمز صالح لمدة 11 دقيقة.');
  });
});
