import { apiKeyKind, maskApiKey } from './api-keys.js';
import { ThreadKitError, unauthorized } from './errors.js';

/**
 * The refusals of a site key that only its owner can fix (a mistyped key, a
 * page on an origin the site does not allow, the secret key in a page), each
 * saying what is wrong and where the owner fixes it: the environment and the
 * CLI of a standalone server, or the dashboard in SaaS mode.
 */
export type KeyMode = 'standalone' | 'saas';

/** Real keys are 50 characters: anything much longer is shown masked, in answers and logs alike. */
const MAX_SHOWN_KEY_LENGTH = 64;

/** A key as answers and logs show it: a public key whole (it is in every page), a secret key masked. */
export function shownKey(apiKey: string): string {
  return apiKeyKind(apiKey) === 'public' && apiKey.length <= MAX_SHOWN_KEY_LENGTH
    ? apiKey
    : maskApiKey(apiKey);
}

const FIND_KEY: Record<KeyMode, string> = {
  standalone: '`threadkit site show` prints the public key',
  saas: "copy the public key from the site's embed code in the dashboard",
};

const ALLOW_ORIGIN: Record<KeyMode, string> = {
  standalone: 'add it to THREADKIT_ALLOWED_ORIGINS (comma-separated) and restart the server',
  saas: "add it to the site's allowed origins in the dashboard",
};

const ROTATE_KEYS: Record<KeyMode, string> = {
  standalone: 'rotate the keys with `threadkit site rotate-keys`',
  saas: 'rotate the keys in the dashboard',
};

/** Not a key at all (a placeholder left in the embed code, say). */
export const malformedKey = (): ThreadKitError =>
  unauthorized("The projectid header (the embed's data-project-id) must hold a tk_pub_ or tk_sec_ key.");

/** A well-formed key that no site has (a typo, an old key after a rotation). */
export const unknownKey = (apiKey: string, mode: KeyMode): ThreadKitError =>
  unauthorized(`Unknown key ${shownKey(apiKey)}: no site has it; ${FIND_KEY[mode]}.`);

/** A public key used from a page on an origin its site does not allow. */
export const originNotAllowed = (origin: string, apiKey: string, mode: KeyMode): ThreadKitError =>
  new ThreadKitError(
    'origin_not_allowed',
    `This page's origin ${origin} is not allowed for the key ${shownKey(apiKey)}: ${ALLOW_ORIGIN[mode]}.`,
  );

/** The secret key sent by a browser: it is exposed, so the fix is the public key in pages and new keys. */
export const secretKeyInBrowser = (mode: KeyMode): ThreadKitError =>
  new ThreadKitError(
    'forbidden',
    `Secret keys must never be used from a browser: put the site's public key (tk_pub_…) in pages, and ${ROTATE_KEYS[mode]}, as this one is exposed.`,
  );
