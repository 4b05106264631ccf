import { createInterface } from 'node:readline';
import type { ImportReader, ImportRecord } from '../records.js';
import { openSource } from './xml.js';

/** The first line of a Remark42 backup: the site's users and posts (pages) with their flags. */
interface Remark42Meta {
  version?: number;
  posts?: { url?: string; read_only?: boolean }[];
}

/** One comment line of a Remark42 backup (`store.Comment`). */
interface Remark42Comment {
  id?: string;
  pid?: string;
  /** The rendered HTML. */
  text?: string;
  /** The Markdown as written, when the backup keeps it. */
  orig?: string;
  user?: { id?: string; name?: string; picture?: string; admin?: boolean };
  locator?: { site?: string; url?: string };
  time?: string;
  edit?: { time?: string };
  pin?: boolean;
  delete?: boolean;
  score?: number;
  /** Voter id → true for an upvote, false for a downvote. */
  votes?: Record<string, boolean>;
}

/**
 * A Remark42 backup (`remark42 backup`, or the admin's export): JSON lines,
 * the first the meta record (version, users, posts with `read_only`), then
 * one comment per line (id, pid, text, orig, user, locator, time, edit,
 * pin, delete, score, votes). Read line by line; a line that is not JSON is
 * skipped and reported. Pages are named by their URL.
 */
export const readRemark42: ImportReader = async function* (source, skip) {
  const lines = createInterface({ input: openSource(source), crlfDelay: Number.POSITIVE_INFINITY });
  const readOnly = new Set<string>();
  let lineNumber = 0;
  let lastPage = '';
  for await (const line of lines) {
    lineNumber++;
    if (line.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      skip({ kind: 'comment', sourceId: `line ${lineNumber}`, reason: 'a line that is not JSON' });
      continue;
    }
    if (!value || typeof value !== 'object') continue;
    if (lineNumber === 1 && !('locator' in value)) {
      for (const post of (value as Remark42Meta).posts ?? [])
        if (post.url && post.read_only) readOnly.add(post.url);
      continue;
    }
    yield* comment(value as Remark42Comment, readOnly, skip, lastPage);
    lastPage = (value as Remark42Comment).locator?.url ?? lastPage;
  }
};

function* comment(
  c: Remark42Comment,
  readOnly: Set<string>,
  skip: Parameters<ImportReader>[1],
  lastPage: string,
): Generator<ImportRecord> {
  const url = c.locator?.url;
  if (!c.id || !url) {
    skip({
      kind: 'comment',
      ...(c.id ? { sourceId: c.id } : {}),
      reason: 'comment without an id or a locator URL',
    });
    return;
  }
  const created = Date.parse(c.time ?? '');
  if (!Number.isFinite(created)) {
    skip({ kind: 'comment', sourceId: c.id, reason: 'comment without a valid time' });
    return;
  }
  if (url !== lastPage)
    yield { kind: 'page', sourceId: url, url, ...(readOnly.has(url) ? { locked: true } : {}) };
  const userId = c.user?.id;
  if (userId) {
    yield {
      kind: 'author',
      sourceId: userId,
      name: c.user?.name || userId,
      ...(c.user?.picture ? { avatarUrl: c.user.picture } : {}),
      ...(userId.startsWith('anonymous_') ? { guest: true } : {}),
    };
  }
  const votes = Object.values(c.votes ?? {});
  const up = votes.length > 0 ? votes.filter(Boolean).length : Math.max(0, c.score ?? 0);
  const down = votes.length > 0 ? votes.length - up : Math.max(0, -(c.score ?? 0));
  const edited = Date.parse(c.edit?.time ?? '');
  yield {
    kind: 'comment',
    sourceId: c.id,
    pageSourceId: url,
    ...(c.pid ? { parentSourceId: c.pid } : {}),
    ...(userId ? { authorSourceId: userId } : {}),
    createdMs: created,
    ...(Number.isFinite(edited) && edited > created ? { editedMs: edited } : {}),
    body: c.orig?.trim() ? { markdown: c.orig } : { html: c.text ?? '' },
    status: c.delete ? 'deleted' : 'approved',
    ...(up ? { upvotes: up } : {}),
    ...(down ? { downvotes: down } : {}),
    ...(c.pin ? { pinned: true } : {}),
  };
}
