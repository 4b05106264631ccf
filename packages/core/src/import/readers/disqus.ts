import type { ImportedAuthor, ImportReader, ImportRecord } from '../records.js';
import { child, childText, isTrue, parseElement, rawAttribute, xmlElements } from './xml.js';

/**
 * Disqus's export (XML): `<thread dsq:id>` elements (link, identifier `<id>`,
 * title, isClosed) and `<post dsq:id>` elements (message HTML, createdAt,
 * isDeleted, isSpam, author, thread, parent), in any order. Streamed, one
 * element at a time. A post's author is inline: it becomes an author record
 * named by the Disqus username, or for an anonymous one by its e-mail or name.
 */
export const readDisqus: ImportReader = async function* (source, skip) {
  for await (const { name, xml } of xmlElements(source, ['thread', 'post'])) {
    const node = parseElement(xml);
    const id = node?.attributes['dsq:id'] ?? rawAttribute(xml, 'dsq:id');
    if (!node) {
      skip({ kind: 'xml', ...(id ? { sourceId: id } : {}), reason: `malformed XML (a ${name} was skipped)` });
      continue;
    }
    if (!id) {
      skip({ kind: name === 'post' ? 'comment' : 'page', reason: `${name} without a dsq:id` });
      continue;
    }
    if (name === 'thread') {
      const link = childText(node, 'link');
      const key = childText(node, 'id');
      const title = childText(node, 'title');
      yield {
        kind: 'page',
        sourceId: id,
        ...(link ? { url: link } : {}),
        ...(key ? { key } : {}),
        ...(title ? { title } : {}),
        ...(isTrue(childText(node, 'isClosed')) ? { locked: true } : {}),
      };
      continue;
    }
    yield* post(node, id, skip);
  }
};

function* post(
  node: NonNullable<ReturnType<typeof parseElement>>,
  id: string,
  skip: Parameters<ImportReader>[1],
): Generator<ImportRecord> {
  const thread = child(node, 'thread')?.attributes['dsq:id'];
  if (!thread) {
    skip({ kind: 'comment', sourceId: id, reason: 'post without a thread' });
    return;
  }
  const created = Date.parse(childText(node, 'createdAt'));
  if (!Number.isFinite(created)) {
    skip({ kind: 'comment', sourceId: id, reason: 'post without a valid createdAt' });
    return;
  }
  const author = authorOf(child(node, 'author'));
  if (author) yield author;
  const parent = child(node, 'parent')?.attributes['dsq:id'];
  const status = isTrue(childText(node, 'isDeleted'))
    ? 'deleted'
    : isTrue(childText(node, 'isSpam'))
      ? 'rejected'
      : 'approved';
  yield {
    kind: 'comment',
    sourceId: id,
    pageSourceId: thread,
    ...(parent ? { parentSourceId: parent } : {}),
    ...(author ? { authorSourceId: author.sourceId } : {}),
    createdMs: created,
    body: { html: child(node, 'message')?.text ?? '' },
    status,
  };
}

function authorOf(node: ReturnType<typeof child>): ImportedAuthor | null {
  if (!node) return null;
  const name = childText(node, 'name');
  const username = childText(node, 'username');
  const email = childText(node, 'email');
  const anonymous = isTrue(childText(node, 'isAnonymous')) || !username;
  const sourceId = anonymous ? `anonymous:${email.toLowerCase() || name}` : `user:${username}`;
  if (!name && !username && !email) return null;
  return {
    kind: 'author',
    sourceId,
    name: name || username,
    ...(email ? { email } : {}),
    ...(anonymous ? { guest: true } : {}),
  };
}
