import { createRequire } from 'node:module';
import { type Static, type TSchema, Type } from '@sinclair/typebox';

/**
 * ThreadKit's own export format (docs/export-format.md): JSON lines, one
 * object each, told apart by `type`. The writer (`services/site-export.ts`)
 * and the reader (`import/readers/threadkit.ts`) share these schemas, and the
 * documentation lists the same fields.
 *
 * `EXPORT_FORMAT_VERSION` changes only when a reader of the previous version
 * would misread a file: new fields and new line types are added without it,
 * and readers ignore what they do not know.
 */
export const EXPORT_FORMAT = 'threadkit-export';
export const EXPORT_FORMAT_VERSION = 1;

/** The version of the ThreadKit that wrote an export (the packages share one version). */
export const THREADKIT_VERSION: string = (
  createRequire(import.meta.url)('../../package.json') as { version: string }
).version;

const Id = Type.String({ minLength: 1, maxLength: 64, description: 'A ThreadKit id (22 characters).' });
const Time = Type.String({ description: 'ISO 8601, UTC, to the millisecond.' });
const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

export const ExportHeaderLine = Type.Object({
  type: Type.Literal('header'),
  format: Type.Literal(EXPORT_FORMAT),
  format_version: Type.Integer({ minimum: 1 }),
  threadkit_version: Type.String(),
  exported_at: Time,
  site_id: Id,
});

export const ExportSiteLine = Type.Object({
  type: Type.Literal('site'),
  id: Id,
  name: Type.String(),
  domain: Nullable(Type.String()),
  created_at: Nullable(Time),
  /** The site's settings without its secrets (`akismet_key`, `moderation_api_key` are left out). */
  settings: Type.Record(Type.String(), Type.Unknown()),
});

export const ExportUserLine = Type.Object({
  type: Type.Literal('user'),
  id: Id,
  name: Type.String(),
  avatar_url: Nullable(Type.String()),
  role: Type.Union([Type.Literal('user'), Type.Literal('moderator'), Type.Literal('admin')]),
  guest: Type.Boolean(),
  created_at: Nullable(Time),
  karma: Type.Integer(),
  email: Nullable(Type.String()),
  email_verified: Type.Boolean(),
  phone: Nullable(Type.String()),
  phone_verified: Type.Boolean(),
  email_notifications: Type.Boolean(),
  banned: Type.Boolean(),
  shadow_banned: Type.Boolean(),
});

export const ExportPageLine = Type.Object({
  type: Type.Literal('page'),
  id: Id,
  url: Nullable(Type.String()),
  key: Nullable(Type.String()),
  locked: Type.Boolean(),
  comment_count: Type.Integer({ minimum: 0 }),
  views: Type.Integer({ minimum: 0 }),
  updated_at: Nullable(Time),
});

export const ExportCommentLine = Type.Object({
  type: Type.Literal('comment'),
  id: Id,
  page_id: Id,
  parent_id: Nullable(Id),
  author_id: Nullable(Id),
  created_at: Time,
  edited_at: Nullable(Time),
  status: Type.Union([
    Type.Literal('approved'),
    Type.Literal('pending'),
    Type.Literal('rejected'),
    Type.Literal('deleted'),
  ]),
  markdown: Type.String(),
  html: Type.String(),
  upvotes: Type.Integer({ minimum: 0 }),
  downvotes: Type.Integer({ minimum: 0 }),
  pinned: Type.Boolean(),
  hold_reason: Nullable(Type.String()),
});

export const ExportEndLine = Type.Object({
  type: Type.Literal('end'),
  users: Type.Integer({ minimum: 0 }),
  pages: Type.Integer({ minimum: 0 }),
  comments: Type.Integer({ minimum: 0 }),
});

export type ExportHeader = Static<typeof ExportHeaderLine>;
export type ExportSite = Static<typeof ExportSiteLine>;
export type ExportUser = Static<typeof ExportUserLine>;
export type ExportPage = Static<typeof ExportPageLine>;
export type ExportComment = Static<typeof ExportCommentLine>;
export type ExportEnd = Static<typeof ExportEndLine>;
export type ExportLine = ExportHeader | ExportSite | ExportUser | ExportPage | ExportComment | ExportEnd;

/** Every line type by its `type`. */
export const EXPORT_LINES = {
  header: ExportHeaderLine,
  site: ExportSiteLine,
  user: ExportUserLine,
  page: ExportPageLine,
  comment: ExportCommentLine,
  end: ExportEndLine,
} as const;

/** Unix ms as the format writes times; null for 0 (never). */
export const isoTime = (ms: number): string | null => (ms > 0 ? new Date(ms).toISOString() : null);
