import { expect, it } from 'vitest';
import { LANGUAGES, type LanguageLoaders } from './index.js';

/** Every key, nested ones as `group.key`. */
function keysOf(strings: object, prefix = ''): string[] {
  return Object.entries(strings)
    .flatMap(([key, value]) =>
      value && typeof value === 'object' ? keysOf(value, `${prefix}${key}.`) : [`${prefix}${key}`],
    )
    .sort();
}

/** Sample calls for a function string: the texts it gives for typical arguments. */
export type Calls = Record<string, (fn: (arg: never) => string) => string[]>;
export const COUNTS = [0, 1, 2, 5, 11, 100];

/**
 * Registers the checks every lazy feature's words must pass: each language has
 * exactly English's keys, and every string (and every sample call of a
 * function string) is non-empty and fully filled in.
 */
export function checkTranslations<T extends object>(loaders: LanguageLoaders<T>, calls: Calls): void {
  const load = (lang: (typeof LANGUAGES)[number]) =>
    lang === 'en' ? Promise.resolve(loaders.en) : loaders[lang]();

  it.each([...LANGUAGES])('%s has exactly the keys English has, every one filled in', async (lang) => {
    const strings = await load(lang);
    expect(keysOf(strings)).toEqual(keysOf(loaders.en));
    const check = (group: object, path: string) => {
      for (const [key, value] of Object.entries(group)) {
        if (typeof value === 'function') {
          const call = calls[key];
          expect(call, `no sample call for the function "${path}${key}"`).toBeDefined();
          for (const text of call!(value)) {
            expect(typeof text).toBe('string');
            expect(text.trim(), key).not.toBe('');
            expect(text, key).not.toMatch(/#|undefined|NaN/);
          }
        } else if (value && typeof value === 'object') check(value, `${path}${key}.`);
        else expect(String(value).trim(), `${path}${key}`).not.toBe('');
      }
    };
    check(strings, '');
  });
}
