import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * The signature of a webhook delivery (`docs/webhooks.md`): the header
 * `ThreadKit-Signature: t=<unix seconds>,v1=<hex>`, where the hex is
 * HMAC-SHA256, keyed with the endpoint's secret (its text, UTF-8), of
 * `<t>.<body>`. The timestamp is signed too, so an old delivery replayed later
 * is told apart by its age.
 */
export const SIGNATURE_HEADER = 'ThreadKit-Signature';

/** A new signing secret: 32 random bytes, prefixed so it is recognised in a leak. */
export const newWebhookSecret = (): string => `whsec_${randomBytes(32).toString('base64url')}`;

const digest = (secret: string, timestamp: number, body: string) =>
  createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');

/** The header value for a body sent at `timestamp` (unix seconds). */
export function signatureHeader(secret: string, timestamp: number, body: string): string {
  return `t=${timestamp},v1=${digest(secret, timestamp, body)}`;
}

/**
 * Whether a header signs this body with this secret, no older than
 * `toleranceSeconds` at `nowSeconds`: what a receiver checks, written here so
 * the tests check deliveries the way the documented snippet does.
 */
export function verifySignature(
  secret: string,
  header: string,
  body: string,
  nowSeconds: number,
  toleranceSeconds = 300,
): boolean {
  const parts = new Map(header.split(',').map((part) => part.split('=', 2) as [string, string]));
  const timestamp = Number(parts.get('t'));
  const given = parts.get('v1') ?? '';
  if (!Number.isInteger(timestamp) || Math.abs(nowSeconds - timestamp) > toleranceSeconds) return false;
  const expected = Buffer.from(digest(secret, timestamp, body), 'hex');
  const actual = Buffer.from(given, 'hex');
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}
