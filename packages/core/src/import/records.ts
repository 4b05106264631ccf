/**
 * What every import format is read into before anything is written: a stream
 * of records, in whatever order the source file holds them. A reader (Disqus,
 * WordPress, Remark42, Isso, ThreadKit's own export) only parses; the import
 * engine resolves references, rewrites URLs, sanitises and writes.
 *
 * Ids here are the source's own (`sourceId`), unique per kind within one file;
 * the engine maps them to ThreadKit ids, the same way on every run, which is
 * what makes an import idempotent.
 */

import type { CommentStatus, SiteSettings } from '../types.js';

/** The site's own name and settings (ThreadKit's export only). */
export interface ImportedSite {
  kind: 'site';
  name?: string;
  domain?: string | null;
  settings?: Partial<SiteSettings>;
}

/** A page (a Disqus thread, a WordPress post). */
export interface ImportedPage {
  kind: 'page';
  sourceId: string;
  /** Where the page lives; rewritten by the URL mapping. Absent when the source has none. */
  url?: string;
  /** The site's own identifier for the page (Disqus `<id>`, a ThreadKit page key). */
  key?: string;
  title?: string;
  /** Closed to new comments. */
  locked?: boolean;
}

/** Someone who wrote comments in the source system. */
export interface ImportedAuthor {
  kind: 'author';
  sourceId: string;
  name: string;
  /** Lower-cased by the engine; a commenter who later proves this address claims the author. */
  email?: string;
  /** Their website (WordPress, Isso). */
  url?: string;
  avatarUrl?: string;
  /** No account in the source (Disqus anonymous, a WordPress visitor). */
  guest?: boolean;
}

/** One comment. */
export interface ImportedComment {
  kind: 'comment';
  sourceId: string;
  pageSourceId: string;
  /** The comment replied to; the engine attaches a reply whose parent never appears as a root, and reports it. */
  parentSourceId?: string;
  /** An `ImportedAuthor`'s `sourceId`; absent for a comment with no known author (shown as anonymous). */
  authorSourceId?: string;
  /** Created, Unix ms. */
  createdMs: number;
  /** Last edited, Unix ms, when the source says. */
  editedMs?: number;
  /** The text, in the form the source keeps it: HTML is sanitised on the way in exactly as posted comments are. */
  body: { markdown: string } | { html: string };
  status: CommentStatus;
  /** Vote totals (votes themselves are not imported). */
  upvotes?: number;
  downvotes?: number;
  pinned?: boolean;
}

export type ImportRecord = ImportedSite | ImportedPage | ImportedAuthor | ImportedComment;

/** Something a reader or the engine could not take, and why (reported at the end, never fatal). */
export interface SkippedItem {
  /** What it was: 'page', 'comment', 'author' or 'xml' for a part of the file that did not parse. */
  kind: string;
  sourceId?: string;
  reason: string;
}

/**
 * A reader: parses one source into records, reporting what it had to skip.
 * The source is a stream of the file's bytes, or the file's path.
 */
export type ImportReader = (
  source: NodeJS.ReadableStream | string,
  skip: (item: SkippedItem) => void,
) => AsyncIterable<ImportRecord>;
