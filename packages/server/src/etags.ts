import { createHash } from 'node:crypto';

/** A weak validator made from the bytes an answer is built from: the same content, the same tag. */
export function contentEtag(content: string): string {
  return `W/"${createHash('sha256').update(content).digest('base64url').slice(0, 22)}"`;
}

/** Whether an `If-None-Match` header names `etag` (or `*`), compared weakly as RFC 9110 asks for GETs. */
export function matchesEtag(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  const bare = (tag: string) => tag.trim().replace(/^W\//, '');
  return header.split(',').some((tag) => tag.trim() === '*' || bare(tag) === bare(etag));
}
