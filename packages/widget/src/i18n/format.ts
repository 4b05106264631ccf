/**
 * What the language files share: plural rules, lists and dates from `Intl`, so
 * each language gets its own grammar without shipping any locale data. English
 * uses these too, so they sit in the first-load chunk and the lazy language
 * chunks import them from there.
 */

/** The forms of a counted phrase by CLDR plural category; `#` stands for the number. A `0` form wins for exactly zero. */
type PluralForms = { [category in Intl.LDMLPluralRule]?: string } & { other: string; 0?: string };

/** `count(n, forms)`: the form `lang`'s plural rules pick for `n` (e.g. Arabic: zero, one, two, few, many, other). */
export function plural(lang: string): (n: number, forms: PluralForms) => string {
  const rules = new Intl.PluralRules(lang);
  return (n, forms) =>
    ((n === 0 ? forms[0] : undefined) ?? forms[rules.select(n)] ?? forms.other).replace('#', String(n));
}

/** "A, B and C" in `lang`'s words and punctuation. */
export function list(lang: string): (items: string[]) => string {
  const format = typeof Intl.ListFormat === 'function' ? new Intl.ListFormat(lang) : null;
  return (items) => (format ? format.format(items) : items.join(', '));
}

/** A comment's date and time (Unix seconds), e.g. "Mar 5, 2025, 2:07 PM" or "5 mars 2025, 14:07". */
export function dateTime(lang: string): (seconds: number) => string {
  const format = new Intl.DateTimeFormat(lang, { dateStyle: 'medium', timeStyle: 'short' });
  return (seconds) => format.format(seconds * 1000);
}
