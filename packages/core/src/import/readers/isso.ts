import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type { CommentStatus } from '../../types.js';
import type { ImportReader } from '../records.js';

/** `comments.mode`: 1 accepted, 2 waiting for moderation, 4 deleted (kept for its replies). */
const MODES: Record<number, CommentStatus> = { 1: 'approved', 2: 'pending', 4: 'deleted' };

async function bytesOf(source: NodeJS.ReadableStream | string): Promise<Uint8Array> {
  if (typeof source === 'string') return readFile(source);
  const chunks: Buffer[] = [];
  for await (const chunk of source)
    chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string));
  return Buffer.concat(chunks);
}

/**
 * An Isso database (SQLite): `threads(id, uri, title)` and `comments(tid, id,
 * parent, created, modified, mode, remote_addr, text, author, email, website,
 * likes, dislikes, …)`. Read with sql.js (SQLite compiled to WebAssembly, no
 * native build), loaded only for this format; SQLite needs the whole file, so
 * it is read into memory, and the rows are taken one at a time. Isso keeps a
 * page's path (`/blog/post/`), not its URL: give `--origin` to make URLs of
 * them, or the path is the page key. Text is Markdown.
 */
export const readIsso: ImportReader = async function* (source, skip) {
  // Not for bundlers: the dashboard bundles this package, and runs imports on the comment server.
  const { default: initSqlJs } = await import(/* turbopackIgnore: true */ /* webpackIgnore: true */ 'sql.js');
  // The WebAssembly file ships beside sql.js's script.
  const wasm = createRequire(import.meta.url).resolve(
    /* turbopackIgnore: true */ 'sql.js/dist/sql-wasm.wasm',
  );
  const SQL = await initSqlJs({ locateFile: () => wasm });
  let db: InstanceType<typeof SQL.Database>;
  try {
    db = new SQL.Database(await bytesOf(source));
    db.exec('SELECT 1 FROM threads LIMIT 1; SELECT 1 FROM comments LIMIT 1');
  } catch (error) {
    throw new Error(`Not an Isso database: ${(error as Error).message}`);
  }
  try {
    const threads = db.prepare('SELECT id, uri, title FROM threads');
    while (threads.step()) {
      const [id, uri, title] = threads.get() as [number, string | null, string | null];
      if (!uri) {
        skip({ kind: 'page', sourceId: String(id), reason: 'thread without a uri' });
        continue;
      }
      yield { kind: 'page', sourceId: String(id), url: uri, ...(title ? { title } : {}) };
    }
    threads.free();
    const comments = db.prepare(
      'SELECT tid, id, parent, created, modified, mode, text, author, email, website, likes, dislikes FROM comments',
    );
    while (comments.step()) {
      const [tid, id, parent, created, modified, mode, text, author, email, website, likes, dislikes] =
        comments.get() as [
          number,
          number,
          number | null,
          number,
          number | null,
          number,
          string | null,
          string | null,
          string | null,
          string | null,
          number | null,
          number | null,
        ];
      const status = MODES[mode];
      if (!status) {
        skip({ kind: 'comment', sourceId: String(id), reason: `unknown mode ${mode}` });
        continue;
      }
      // Isso has no accounts: a commenter is their e-mail address, else their name.
      const name = author?.trim() || '';
      const address = email?.trim() || '';
      const authorId = address || name ? `${address.toLowerCase() || `name:${name}`}` : undefined;
      if (authorId)
        yield {
          kind: 'author',
          sourceId: authorId,
          name: name || 'Anonymous',
          ...(address ? { email: address } : {}),
          ...(website ? { url: website } : {}),
          guest: true,
        };
      yield {
        kind: 'comment',
        sourceId: String(id),
        pageSourceId: String(tid),
        ...(parent ? { parentSourceId: String(parent) } : {}),
        ...(authorId ? { authorSourceId: authorId } : {}),
        createdMs: created * 1000,
        ...(modified ? { editedMs: modified * 1000 } : {}),
        body: { markdown: text ?? '' },
        status,
        ...(likes ? { upvotes: likes } : {}),
        ...(dislikes ? { downvotes: dislikes } : {}),
      };
    }
    comments.free();
  } finally {
    db.close();
  }
};
