import { expectInvalid } from '@threadkit/testing';
import { describe, expect, it } from 'vitest';
import { cleanName, looksAlike, MAX_NAME_LENGTH, validateName } from './names.js';

describe('cleanName', () => {
  it('drops bidi controls and zero-width characters, which could make a name pass for another', () => {
    const cases: [string, string][] = [
      // RIGHT-TO-LEFT OVERRIDE: "Ada" then "ecalevoL" shown backwards, as "Lovelace".
      ['Ada \u202EecalevoL', 'Ada ecalevoL'],
      // Isolates, embeddings, marks.
      ['\u2067Ada\u2069 \u202ALovelace\u202C\u200F', 'Ada Lovelace'],
      // Zero-width space, joiner and non-joiner, word joiner, byte order mark, soft hyphen.
      ['A\u200Bd\u200Ca\u200D \u2060Love\uFEFFla\u00ADce', 'Ada Lovelace'],
      // Tag characters and the Hangul filler, which show nothing either.
      ['Ada\u{E0041}\u{E007F}\u3164', 'Ada'],
    ];
    for (const [raw, clean] of cases) expect(cleanName(raw), JSON.stringify(raw)).toBe(clean);
  });

  it('composes (NFC), collapses whitespace and controls to one space, and trims', () => {
    expect(cleanName('Zoe\u0308')).toBe('Zoë');
    expect(cleanName('Zoe\u0308')).toHaveLength(3);
    expect(cleanName('  Ada \t\n Lovelace\u00A0\u3000')).toBe('Ada Lovelace');
    expect(cleanName('Ada\u0000Lovelace\u0007')).toBe('Ada Lovelace');
    // A format character between a letter and its accent no longer keeps them apart.
    expect(cleanName('Jose\u200B\u0301')).toBe('José');
  });

  it('keeps names in every script, and emoji', () => {
    for (const name of ['José Martí', 'محمد علي', '山田 太郎', 'Ελένη', 'Дарья', 'Ada 🙂', 'O’Brien-Smith']) {
      expect(cleanName(name)).toBe(name);
    }
  });
});

describe('validateName', () => {
  it('refuses a name that is empty once cleaned', () => {
    for (const raw of ['', '   ', '\u202E\u200B\u2066 \u2069', '\u00AD\uFEFF']) {
      expect(expectInvalid(() => validateName(raw), 'name').message).toMatch(/empty|visible/);
    }
  });

  it('counts the length after cleaning', () => {
    expect(MAX_NAME_LENGTH).toBe(50);
    expect(validateName(`${'x'.repeat(50)}\u200B\u200B`)).toBe('x'.repeat(50));
    expectInvalid(() => validateName('x'.repeat(51)), 'name');
  });
});

describe('looksAlike', () => {
  it('matches names that read the same', () => {
    const pairs: [string, string][] = [
      ['Ada Lovelace', 'ada lovelace'],
      ['Ada Lovelace', 'ADA  LOVELACE'],
      ['Ada Lovelace', 'AdaLovelace'],
      ['Ada Lovelace', 'Ada Lovelace.'],
      // Cyrillic А and е, Greek ο.
      ['Ada Lovelace', '\u0410da Lov\u0435lace'],
      ['Bob', 'B\u03BFb'],
      // Capitals whose small letters look different: Cyrillic В Н, Greek Η Ρ.
      ['BOB', '\u0412OB'],
      ['HOPPER', '\u0397O\u03A1\u03A1ER'],
      // Accents.
      ['Ada', 'Ádà'],
      // Fullwidth and mathematical letters (NFKC).
      ['Ada', '\uFF21\uFF44\uFF41'],
      ['Ada', '\u{1D400}\u{1D41D}\u{1D41A}'],
      // Digits and letters that pass for one another.
      ['Bill', 'BiII'],
      ['Bill', 'Bi11'],
      ['Bob', 'B0b'],
      ['Mary', 'rnary'],
      ['Walt', 'VVait'],
    ];
    for (const [a, b] of pairs) expect(looksAlike(a, b), `${a} / ${b}`).toBe(true);
  });

  it('tells different names apart', () => {
    const pairs: [string, string][] = [
      ['Ada', 'Adam'],
      ['Ada', 'Ava'],
      ['Bob', 'Rob'],
      ['Ada Lovelace', 'Ada Lovelace 🙂'],
      ['Дарья', 'Марья'],
    ];
    for (const [a, b] of pairs) expect(looksAlike(a, b), `${a} / ${b}`).toBe(false);
  });
});
