import { invalid } from './errors.js';

export const MAX_NAME_LENGTH = 50;

/**
 * Characters that show nothing yet change what is around them: format
 * characters (bidi overrides, isolates and marks, zero-width space and joiners,
 * the byte order mark, soft hyphen, tags), the other default-ignorable ones
 * (Hangul fillers, variation selectors), and lone surrogates. In a name they
 * only serve to make it pass for another, or to show it backwards.
 */
const INVISIBLE = /[\p{Cf}\p{Default_Ignorable_Code_Point}\p{Cs}]/gu;

/**
 * A display name as it is stored and shown: control characters become spaces,
 * invisible ones go, the rest is composed (NFC), whitespace collapses to one
 * space, and the ends are trimmed. May be empty.
 */
export function cleanName(raw: string): string {
  return raw
    .replace(/\p{Cc}/gu, ' ')
    .replace(INVISIBLE, '')
    .normalize('NFC')
    .replace(/\s+/g, ' ')
    .trim();
}

/** A cleaned name that is not empty and fits; `invalid` on `name` otherwise. */
export function validateName(raw: string): string {
  const name = cleanName(raw);
  if (name.length === 0) throw invalid('name', 'name must not be empty (or only invisible characters)');
  if (name.length > MAX_NAME_LENGTH)
    throw invalid('name', `name must be at most ${MAX_NAME_LENGTH} characters`);
  return name;
}

/** A map from the first character of each pair to the second: `'Αa Βb'`. */
const pairs = (list: string) => new Map(list.split(' ').map((pair) => [...pair] as [string, string]));

/**
 * Letters of other scripts that look like Latin ones. Capitals first, before
 * lower-casing, for those whose small letter looks different (Greek Η is an H,
 * η is not); then small letters, and Latin letters and digits that pass for one
 * another. A few common ones, not Unicode's whole table (UTS #39): enough for
 * names, which are short and read by people.
 */
const CAPITALS = pairs(
  'Αa Βb Εe Ζz Ηh Ιi Κk Μm Νn Οo Ρp Τt Υy Χx Аa Вb Еe Кk Мm Нh Оo Рp Сc Тt Уy Хx Іi Јj Ѕs Ԁd Һh Ӏl',
);
const SMALL = pairs(
  'αa εe ιl κk νv οo ρp τt υu χx ωw аa еe оo рp сc уy хx іl јj ѕs ԁd һh ӏl ԛq ԝw ɡg 0o 1l il |l !l',
);

/**
 * What a name looks like, roughly: compatibility forms folded (NFKC: fullwidth
 * and mathematical letters), invisible characters, accents, case, spaces and
 * punctuation dropped, and look-alike letters mapped to one Latin letter.
 * Two names with the same skeleton can pass for each other.
 */
function nameSkeleton(name: string): string {
  const folded = name.normalize('NFKC').replace(INVISIBLE, '').normalize('NFD').replace(/\p{M}/gu, '');
  let skeleton = '';
  for (const char of folded) {
    const small = CAPITALS.get(char) ?? char.toUpperCase().toLowerCase();
    skeleton += SMALL.get(small) ?? small;
  }
  return skeleton
    .replace(/[\p{Z}\p{P}\s]/gu, '')
    .replace(/rn/g, 'm')
    .replace(/vv/g, 'w');
}

/** Whether two names could pass for each other. */
export const looksAlike = (a: string, b: string): boolean => nameSkeleton(a) === nameSkeleton(b);
