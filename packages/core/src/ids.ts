import { randomBytes } from 'node:crypto';
import { v5 as uuidv5, v7 as uuidv7 } from 'uuid';

/**
 * Ids are 128-bit values (UUIDs underneath: v7 for things ThreadKit creates,
 * v5 for pages) written as 22 characters of a base-64 alphabet in ASCII order.
 * They are 14 bytes shorter than the UUID text, which matters because an id is
 * written about ten times per comment across keys, records and indexes; and
 * since the alphabet sorts like the bits it encodes, v7 ids still sort by
 * creation time, which the indexes rely on for tie-breaks.
 *
 * The 22 characters hold 132 bits: the first carries 4 zero bits and the id's
 * top 2, written as a digit from 0 to 3. Every character is unreserved in URLs
 * and allowed in CSS identifiers (`#comment-<id>`).
 */
const ALPHABET = '-0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz';
/** The first character holds 2 bits: a digit, so no id starts with `-`, which an option parser would take for a flag. */
const FIRST = '0123';
const ID_PATTERN = /^[0-3][-0-9A-Za-z_]{21}$/;
const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const VALUES = new Map([...ALPHABET].map((char, value) => [char, value]));

/** The id of 16 bytes (a UUID's bytes). */
function idFromBytes(bytes: Uint8Array): string {
  // 132 bits = 33 hex digits; every 3 of them (12 bits) make 2 characters.
  const hex = `0${Buffer.from(bytes.buffer, bytes.byteOffset, 16).toString('hex')}`;
  let id = '';
  for (let i = 0; i < 33; i += 3) {
    const group = Number.parseInt(hex.slice(i, i + 3), 16);
    id += (i === 0 ? FIRST : ALPHABET)[group >> 6]! + ALPHABET[group & 63]!;
  }
  return id;
}

/** The 16 bytes an id stands for. */
function idToBytes(id: string): Buffer {
  let hex = '';
  for (let i = 0; i < 22; i += 2) {
    const high = i === 0 ? FIRST.indexOf(id[0]!) : VALUES.get(id[i]!)!;
    const group = (high << 6) | VALUES.get(id[i + 1]!)!;
    hex += group.toString(16).padStart(3, '0');
  }
  return Buffer.from(hex.slice(1), 'hex');
}

/** The UUID text of an id (page ids are UUID v5 names under the site's UUID). */
export function idToUuid(id: string): string {
  const hex = idToBytes(id).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export const idFromUuid = (uuid: string): string => idFromBytes(Buffer.from(uuid.replaceAll('-', ''), 'hex'));

/** A new id: UUID v7, so ids sort by creation time. */
export const newId = (): string => {
  const bytes = new Uint8Array(16);
  uuidv7(undefined, bytes);
  return idFromBytes(bytes);
};

/** A new id with nothing but randomness in it, for things whose creation time is nobody's business (sessions). */
export const newRandomId = (): string => idFromBytes(randomBytes(16));

/** The stable id of a name within a namespace id (UUID v5): the same page always gets the same id. */
export const nameId = (name: string, namespaceId: string): string => {
  const bytes = new Uint8Array(16);
  uuidv5(name, idToUuid(namespaceId), bytes);
  return idFromBytes(bytes);
};

export const isId = (value: string): boolean => ID_PATTERN.test(value);

export const isUuid = (value: string): boolean => UUID_PATTERN.test(value);

/**
 * An id in either form: layout 1 wrote ids as UUIDs, and tokens made then
 * (access and refresh tokens, unsubscribe links) still carry them.
 */
export const normalizeId = (value: string): string => (isUuid(value) ? idFromUuid(value) : value);

/** JSON-schema pattern of an id, for the API's schemas. */
export const ID_SCHEMA_PATTERN = '^[0-3][-0-9A-Za-z_]{21}$';
