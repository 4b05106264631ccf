/**
 * Just enough MIME to read the messages the server sends (RFC 5322 headers,
 * RFC 2047 encoded words, multipart bodies, quoted-printable and base64), so
 * tests need no mail-parsing dependency.
 */

interface ParsedMessage {
  /** Header names lower-cased, values unfolded and decoded; repeated headers keep the first. */
  headers: Map<string, string>;
  /** The text/plain part, decoded ('' when there is none). */
  text: string;
  /** The text/html part, decoded ('' when there is none). */
  html: string;
}

/** Parses a message, given as its raw bytes or as text. */
export function parseMessage(raw: Buffer | string): ParsedMessage {
  const message: ParsedMessage = { headers: new Map(), text: '', html: '' };
  // One character per byte from here on, so 8-bit bodies decode with their own charset.
  const bytes = typeof raw === 'string' ? Buffer.from(raw, 'utf8') : raw;
  const { headers, body } = splitEntity(bytes.toString('latin1'));
  for (const [name, value] of headers) {
    message.headers.set(name, decodeWords(Buffer.from(value, 'latin1').toString('utf8')));
  }
  collectParts(headers, body, message);
  return message;
}

/** Headers (raw values, unfolded) and the body of one entity. */
function splitEntity(raw: string): { headers: Map<string, string>; body: string } {
  const text = raw.replace(/\r\n/g, '\n');
  const end = text.search(/\n\n|^\n/);
  const head = end === -1 ? text : text.slice(0, end);
  const body = end === -1 ? '' : text.slice(end).replace(/^\n\n?/, '');
  const headers = new Map<string, string>();
  for (const line of head.replace(/\n[ \t]+/g, ' ').split('\n')) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    if (!headers.has(name)) headers.set(name, line.slice(colon + 1).trim());
  }
  return { headers, body };
}

function collectParts(headers: Map<string, string>, body: string, into: ParsedMessage): void {
  const type = headers.get('content-type') ?? 'text/plain';
  const mediaType = type.split(';', 1)[0]!.trim().toLowerCase();
  if (mediaType.startsWith('multipart/')) {
    const boundary = parameter(type, 'boundary');
    if (!boundary) return;
    for (const part of splitMultipart(body, boundary)) {
      const entity = splitEntity(part);
      collectParts(entity.headers, entity.body, into);
    }
    return;
  }
  if (mediaType !== 'text/plain' && mediaType !== 'text/html') return;
  const decoded = decodeBody(
    body,
    headers.get('content-transfer-encoding') ?? '7bit',
    parameter(type, 'charset'),
  );
  if (mediaType === 'text/plain' && !into.text) into.text = decoded;
  if (mediaType === 'text/html' && !into.html) into.html = decoded;
}

function splitMultipart(body: string, boundary: string): string[] {
  const parts: string[] = [];
  let current: string[] | null = null;
  for (const line of body.split('\n')) {
    const trimmed = line.trimEnd();
    if (trimmed === `--${boundary}--`) break;
    if (trimmed === `--${boundary}`) {
      if (current) parts.push(current.join('\n'));
      current = [];
    } else if (current) {
      current.push(line);
    }
  }
  if (current) parts.push(current.join('\n'));
  return parts;
}

/** A parameter of a structured header value (`boundary`, `charset`), unquoted. */
function parameter(value: string, name: string): string | null {
  const match = new RegExp(`;\\s*${name}\\s*=\\s*(?:"([^"]*)"|([^;\\s]+))`, 'i').exec(value);
  return match ? (match[1] ?? match[2] ?? null) : null;
}

function decodeBody(body: string, encoding: string, charset: string | null): string {
  switch (encoding.trim().toLowerCase()) {
    case 'quoted-printable':
      return bytesToText(quotedPrintableBytes(body), charset);
    case 'base64':
      return bytesToText(Buffer.from(body.replace(/\s+/g, ''), 'base64'), charset);
    default:
      return bytesToText(Buffer.from(body, 'latin1'), charset);
  }
}

function quotedPrintableBytes(body: string): Buffer {
  // Soft line breaks join lines; `=XX` is one byte; everything else is literal.
  const joined = body.replace(/=[ \t]*\r?\n/g, '').replace(/[ \t]+$/gm, '');
  const bytes: number[] = [];
  for (let i = 0; i < joined.length; i++) {
    const hex = joined.slice(i + 1, i + 3);
    if (joined[i] === '=' && /^[0-9A-Fa-f]{2}$/.test(hex)) {
      bytes.push(Number.parseInt(hex, 16));
      i += 2;
    } else {
      bytes.push(joined.charCodeAt(i) & 0xff);
    }
  }
  return Buffer.from(bytes);
}

function bytesToText(bytes: Buffer, charset: string | null): string {
  try {
    return new TextDecoder(charset ?? 'utf-8').decode(bytes);
  } catch {
    return bytes.toString('utf8');
  }
}

/** Decodes RFC 2047 encoded words (`=?UTF-8?Q?...?=`, `=?UTF-8?B?...?=`) in a header value. */
export function decodeWords(value: string): string {
  return value
    .replace(/(=\?[^?]+\?[bBqQ]\?[^?]*\?=)\s+(?==\?[^?]+\?[bBqQ]\?[^?]*\?=)/g, '$1')
    .replace(/=\?([^?]+)\?([bBqQ])\?([^?]*)\?=/g, (_word, charset: string, kind: string, text: string) => {
      const bytes =
        kind.toLowerCase() === 'b'
          ? Buffer.from(text, 'base64')
          : quotedPrintableBytes(text.replace(/_/g, ' '));
      return bytesToText(bytes, charset.split('*', 1)[0]!);
    });
}
