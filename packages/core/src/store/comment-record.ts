import { Packr, Unpackr } from 'msgpackr';
import { plainHtml } from '../markdown.js';
import type { CommentStatus, StoredComment } from '../types.js';

const STATUS: Record<string, CommentStatus> = { a: 'approved', p: 'pending', r: 'rejected', d: 'deleted' };

// Creation times in ms need 64-bit integers; they fit a double exactly.
const unpackr = new Unpackr({ int64AsType: 'number', mapsAsObjects: true });

type Fields = [
  page: string,
  parent: string,
  author: string,
  markdown: string,
  html: string,
  upvotes: number,
  downvotes: number,
  createdMs: number,
  modified: number,
  status: string,
  replies: number,
  listed: number,
  holdReason: string,
  edited: number,
];

/**
 * Reads a comment record: the MessagePack array the Lua scripts write
 * (`lua/prelude.lua`, `save_comment`). The id is the key's, so it is not in
 * the record; the HTML is rebuilt from the Markdown when the record leaves it
 * out (`storedHtml`).
 */
export function decodeComment(id: string, record: Buffer): StoredComment {
  const [pg, pid, a, t, h, u, d, cm, m, s, rc, l, hr, e] = unpackr.unpack(record) as Fields;
  const status = STATUS[s]!;
  return {
    i: id,
    pg,
    pid,
    a,
    t,
    h: h || (status === 'deleted' ? '' : plainHtml(t)),
    u,
    d,
    c: Math.floor(cm / 1000),
    cm,
    m,
    s: status,
    e,
    rc,
    listed: l === 1,
    ...(hr ? { hr } : {}),
  };
}

const packr = new Packr({ useRecords: false });
const STATUS_CODE: Record<CommentStatus, string> = {
  approved: 'a',
  pending: 'p',
  rejected: 'r',
  deleted: 'd',
};

/** The same record, saying whether the comment is listed (the migration places comments after writing them). */
export function relisted(record: Buffer, listed: boolean): Buffer {
  const fields = unpackr.unpack(record) as Fields;
  fields[11] = listed ? 1 : 0;
  return packr.pack(fields);
}

/**
 * Writes a comment record as `save_comment` in `lua/prelude.lua` does, for
 * code that fills Redis without the scripts (the layout migration). `html`
 * is what to store: '' where the plain rendering rebuilds it.
 */
export function encodeComment(comment: Omit<StoredComment, 'i' | 'c'>, html: string): Buffer {
  return packr.pack([
    comment.pg,
    comment.pid,
    comment.a,
    comment.t,
    html,
    comment.u,
    comment.d,
    comment.cm,
    comment.m,
    STATUS_CODE[comment.s],
    comment.rc,
    comment.listed ? 1 : 0,
    comment.hr ?? '',
    comment.e,
  ]);
}
