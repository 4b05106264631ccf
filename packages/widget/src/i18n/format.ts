/**
 * What the language files share: plural rules, lists and dates from `Intl`, so
 * each language gets its own grammar without shipping any locale data. English
 * uses these too, so they sit in the first-load chunk and the lazy language
 * chunks import them from there.
 */

/**
 * `make()`, built on its first use and kept: an `Intl` object costs milliseconds to
 * build (its locale data loads then), and a thread may never need some of them.
 */
function once<T>(make: () => T): () => T {
  let made: T | undefined;
  return () => (made ??= make());
}

/** The forms of a counted phrase by CLDR plural category; `#` stands for the number. A `0` form wins for exactly zero. */
type PluralForms = { [category in Intl.LDMLPluralRule]?: string } & { other: string; 0?: string };

/** `count(n, forms)`: the form `lang`'s plural rules pick for `n` (e.g. Arabic: zero, one, two, few, many, other). */
export function plural(lang: string): (n: number, forms: PluralForms) => string {
  const rules = once(() => new Intl.PluralRules(lang));
  return (n, forms) =>
    ((n === 0 ? forms[0] : undefined) ?? forms[rules().select(n)] ?? forms.other).replace('#', String(n));
}

/** "A, B and C" in `lang`'s words and punctuation. */
export function list(lang: string): (items: string[]) => string {
  const format = once(() => (typeof Intl.ListFormat === 'function' ? new Intl.ListFormat(lang) : null));
  return (items) => format()?.format(items) ?? items.join(', ');
}

/** A comment's date and time (Unix seconds), e.g. "Mar 5, 2025, 2:07 PM" or "5 mars 2025, 14:07". */
export function dateTime(lang: string): (seconds: number) => string {
  const format = once(() => new Intl.DateTimeFormat(lang, { dateStyle: 'medium', timeStyle: 'short' }));
  return (seconds) => format().format(seconds * 1000);
}

/**
 * How long ago a moment was (Unix seconds), in `lang`'s words: "now", "3 minutes
 * ago", "yesterday", up to a week; the date after that. `now` is for tests.
 */
export function relativeTime(lang: string, now = () => Date.now()): (seconds: number) => string {
  const words = once(() => new Intl.RelativeTimeFormat(lang, { numeric: 'auto' }));
  const date = once(() => new Intl.DateTimeFormat(lang, { dateStyle: 'medium' }));
  return (seconds) => {
    // A clock a little ahead of the server's still says "now".
    const past = Math.max(0, now() / 1000 - seconds);
    for (const [unit, size, below] of STEPS) {
      if (past < below) return words().format(-Math.floor(past / size), unit);
    }
    return date().format(seconds * 1000);
  };
}

/** Each unit, its length in seconds, and up to when it is used. */
const STEPS: [Intl.RelativeTimeFormatUnit, number, number][] = [
  ['second', 60, 60],
  ['minute', 60, 3600],
  ['hour', 3600, 86_400],
  ['day', 86_400, 7 * 86_400],
];
