import { createHash, randomBytes } from 'node:crypto';

/** A secret handed to a browser or an e-mail: 256 random bits, URL-safe. */
export const newSecret = (): string => randomBytes(32).toString('base64url');

/** What the database keeps of a secret: its SHA-256, so a dump signs nobody in. */
export const digestOf = (secret: string): string => createHash('sha256').update(secret).digest('base64url');
