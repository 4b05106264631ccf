import type { Feature, StringOverrides, Strings } from './index.js';

const FEATURES: readonly Feature[] = ['signIn', 'account', 'moderation', 'preview', 'reportForm'];

// Loaded only when a site overrides words (`data-strings`, `strings`), so other sites never download it.

/** The first-load words with `overrides` on top (the features' groups are applied by each feature). */
export function withOverrides(base: Strings, overrides: StringOverrides | null | undefined): Strings {
  const own = Object.fromEntries(
    Object.entries(overrides ?? {}).filter(([key]) => !FEATURES.includes(key as Feature)),
  );
  return mergeStrings(base, own, '');
}

/**
 * `base` with `overrides` applied on top, one string at a time. Keys we do not
 * have, and values of the wrong kind (e.g. a string for `comments`, which must be
 * a function), are left out with a warning, so a typo cannot break the widget.
 */
export function mergeStrings<T extends object>(
  base: T,
  overrides: object | null | undefined,
  prefix: string,
): T {
  // Nested groups (sort labels, report reasons) are copied too: overrides never touch `base`.
  const result: Record<string, unknown> = Object.fromEntries(
    Object.entries(base).map(([key, value]) => [
      key,
      value && typeof value === 'object' ? { ...value } : value,
    ]),
  );
  const apply = (target: Record<string, unknown>, source: Record<string, unknown>, path: string) => {
    for (const [key, value] of Object.entries(source)) {
      const current = Object.hasOwn(target, key) ? target[key] : undefined;
      if (current && typeof current === 'object' && value && typeof value === 'object') {
        apply(current as Record<string, unknown>, value as Record<string, unknown>, `${path}${key}.`);
      } else if (current !== undefined && typeof value === typeof current) {
        target[key] = value;
      } else {
        console.warn(`ThreadKit: ignored the string override "${path}${key}" (unknown key or wrong type).`);
      }
    }
  };
  if (overrides) apply(result, overrides as Record<string, unknown>, prefix);
  return result as T;
}

/** `data-strings`: a JSON object of overrides. Plain strings only; functions go through `ThreadKit.render`. */
export function parseStrings(json: string): StringOverrides {
  try {
    const value: unknown = JSON.parse(json);
    if (value && typeof value === 'object' && !Array.isArray(value)) return value as StringOverrides;
  } catch {
    // Reported below.
  }
  console.warn('ThreadKit: data-strings must be a JSON object such as {"placeholder": "Say something…"}.');
  return {};
}
