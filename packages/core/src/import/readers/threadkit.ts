import { createInterface } from 'node:readline';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import {
  EXPORT_FORMAT,
  EXPORT_FORMAT_VERSION,
  EXPORT_LINES,
  type ExportComment,
  type ExportLine,
  type ExportUser,
} from '../../export/format.js';
import type { Role, SiteSettings } from '../../types.js';
import type {
  ImportedAuthor,
  ImportedComment,
  ImportedPage,
  ImportedSite,
  ImportReader,
  ImportRecord,
  SkippedItem,
} from '../records.js';
import { openSource } from './xml.js';

/**
 * What ThreadKit's own export knows of a commenter beyond the common record:
 * an engine restoring onto ThreadKit may keep it, another may ignore it.
 */
export interface ThreadKitAuthor extends ImportedAuthor {
  role?: Exclude<Role, 'owner'>;
  emailVerified?: boolean;
  phone?: string;
  phoneVerified?: boolean;
  /** Unix ms. */
  createdMs?: number;
  karma?: number;
  banned?: boolean;
  shadowBanned?: boolean;
  emailNotifications?: boolean;
}

/** A page with what ThreadKit adds: its view counter and its thread's last change. */
export interface ThreadKitPage extends ImportedPage {
  views?: number;
  /** Unix ms. */
  updatedMs?: number;
}

/** A comment with what ThreadKit adds: why the spam checks held it. */
export interface ThreadKitComment extends ImportedComment {
  holdReason?: string;
  /** The author id of a comment whose account was erased (no user line): shown as "[deleted]". */
  erasedAuthorId?: string;
}

const checks = Object.fromEntries(
  Object.entries(EXPORT_LINES).map(([type, schema]) => [type, TypeCompiler.Compile(schema)]),
) as { [T in keyof typeof EXPORT_LINES]: ReturnType<typeof TypeCompiler.Compile<(typeof EXPORT_LINES)[T]>> };

const isLineType = (type: unknown): type is keyof typeof EXPORT_LINES =>
  typeof type === 'string' && Object.hasOwn(EXPORT_LINES, type);

/** An ISO 8601 time as Unix ms; throws on anything else. */
function ms(time: string): number {
  const value = Date.parse(time);
  if (Number.isNaN(value)) throw new Error(`not a time: ${JSON.stringify(time)}`);
  return value;
}

/**
 * Reads ThreadKit's export format (docs/export-format.md) back into records,
 * line by line: a site restored onto another instance (standalone or SaaS).
 * `source` is a stream of the file, or its whole text. A line that does not
 * parse or fit its type is reported through `skip` and the reading goes on;
 * a file that is not an export, or of a newer format version, is reported
 * once and yields nothing. Lines of types this version does not know are
 * passed over (a newer minor addition), as are fields it does not know.
 *
 * Comments keep their status, times, vote totals and pin; the body is the
 * Markdown ThreadKit stores. A comment whose author has no user line (an
 * erased account) comes without an author. The reader remembers the user ids
 * it has read (users come before comments) for that, and nothing else.
 */
export const readThreadKitExport: ImportReader = (source, skip) => read(source, skip);

async function* read(
  source: NodeJS.ReadableStream | string,
  skip: (item: SkippedItem) => void,
): AsyncGenerator<ImportRecord> {
  const input = openSource(source);
  const lines = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
  const users = new Set<string>();
  const counts = { users: 0, pages: 0, comments: 0 };
  let number = 0;
  let header = false;
  let ended = false;
  try {
    for await (const text of lines) {
      number++;
      if (text.trim() === '') continue;
      const fail = (reason: string, kind = 'line', sourceId?: string) =>
        skip({ kind, ...(sourceId ? { sourceId } : {}), reason: `line ${number}: ${reason}` });
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch {
        fail('not JSON');
        continue;
      }
      const type = (value as { type?: unknown } | null)?.type;
      if (!header) {
        if (type !== 'header' || !checks.header.Check(value) || value.format !== EXPORT_FORMAT) {
          fail(
            `not a ThreadKit export: the first line must be its header ("format": "${EXPORT_FORMAT}")`,
            'file',
          );
          return;
        }
        if (value.format_version > EXPORT_FORMAT_VERSION) {
          fail(
            `format version ${value.format_version} is newer than this reader's (${EXPORT_FORMAT_VERSION}): use a newer ThreadKit`,
            'file',
          );
          return;
        }
        header = true;
        continue;
      }
      // A line type of a later version of the format: nothing this version can use.
      if (!isLineType(type)) continue;
      const id =
        typeof (value as { id?: unknown }).id === 'string' ? (value as { id: string }).id : undefined;
      const kind = type === 'user' ? 'author' : type;
      if (!checks[type].Check(value)) {
        const error = checks[type].Errors(value).First();
        fail(error ? `${error.path || type} ${error.message}` : `not a valid ${type} line`, kind, id);
        continue;
      }
      const line = value as ExportLine;
      try {
        switch (line.type) {
          case 'header':
            fail('a second header', 'file');
            break;
          case 'site':
            yield {
              kind: 'site',
              name: line.name,
              domain: line.domain,
              settings: line.settings as Partial<SiteSettings>,
            } satisfies ImportedSite;
            break;
          case 'user': {
            const author = toAuthor(line);
            users.add(line.id);
            counts.users++;
            yield author;
            break;
          }
          case 'page': {
            const page: ThreadKitPage = {
              kind: 'page',
              sourceId: line.id,
              ...(line.url ? { url: line.url } : {}),
              ...(line.key ? { key: line.key } : {}),
              locked: line.locked,
              views: line.views,
              ...(line.updated_at ? { updatedMs: ms(line.updated_at) } : {}),
            };
            counts.pages++;
            yield page;
            break;
          }
          case 'comment': {
            const comment = toComment(line, users);
            counts.comments++;
            yield comment;
            break;
          }
          case 'end':
            ended = true;
            if (
              line.users !== counts.users ||
              line.pages !== counts.pages ||
              line.comments !== counts.comments
            )
              fail(
                `the export says ${line.users} users, ${line.pages} pages and ${line.comments} comments; ` +
                  `${counts.users}, ${counts.pages} and ${counts.comments} were read`,
                'file',
              );
            break;
        }
      } catch (error) {
        fail((error as Error).message, kind, id);
      }
    }
    if (!header) skip({ kind: 'file', reason: 'empty: not a ThreadKit export' });
    else if (!ended)
      skip({ kind: 'file', reason: 'no end line: the export was cut short, and what follows is missing' });
  } finally {
    lines.close();
  }
}

function toAuthor(line: ExportUser): ThreadKitAuthor {
  return {
    kind: 'author',
    sourceId: line.id,
    name: line.name,
    ...(line.email ? { email: line.email, emailVerified: line.email_verified } : {}),
    ...(line.phone ? { phone: line.phone, phoneVerified: line.phone_verified } : {}),
    ...(line.avatar_url ? { avatarUrl: line.avatar_url } : {}),
    guest: line.guest,
    role: line.role,
    ...(line.created_at ? { createdMs: ms(line.created_at) } : {}),
    karma: line.karma,
    banned: line.banned,
    shadowBanned: line.shadow_banned,
    emailNotifications: line.email_notifications,
  };
}

function toComment(line: ExportComment, users: ReadonlySet<string>): ThreadKitComment {
  return {
    kind: 'comment',
    sourceId: line.id,
    pageSourceId: line.page_id,
    ...(line.parent_id ? { parentSourceId: line.parent_id } : {}),
    ...(line.author_id
      ? users.has(line.author_id)
        ? { authorSourceId: line.author_id }
        : { erasedAuthorId: line.author_id }
      : {}),
    createdMs: ms(line.created_at),
    ...(line.edited_at ? { editedMs: ms(line.edited_at) } : {}),
    body: { markdown: line.markdown },
    status: line.status,
    upvotes: line.upvotes,
    downvotes: line.downvotes,
    pinned: line.pinned,
    ...(line.hold_reason ? { holdReason: line.hold_reason } : {}),
  };
}
