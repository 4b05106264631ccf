import type { CommentStatus } from '../../types.js';
import { paragraphs } from '../content.js';
import type { ImportReader } from '../records.js';
import { childText, parseElement, rawAttribute, xmlElements } from './xml.js';

/** `comment_approved`: 1 published, 0 waiting, `spam` and `trash` are not for readers. */
const STATUSES: Record<string, CommentStatus> = {
  '1': 'approved',
  approve: 'approved',
  '0': 'pending',
  hold: 'pending',
  spam: 'rejected',
  trash: 'deleted',
};

/** A GMT date as WordPress writes it, `2024-01-31 12:34:56`. */
function gmtMs(text: string): number {
  return Date.parse(`${text.replace(' ', 'T')}Z`);
}

/**
 * A WordPress export (WXR): each `<item>` is a post or page (wp:post_id,
 * link, title, comment_status) with its `<wp:comment>`s (comment_id,
 * comment_parent (0: none), comment_author, _email, _url, comment_date_gmt,
 * comment_approved, comment_content, comment_type). Pingbacks and trackbacks
 * are not comments and are skipped. Streamed, one item at a time.
 */
export const readWordpress: ImportReader = async function* (source, skip) {
  for await (const { xml } of xmlElements(source, ['item'])) {
    const item = parseElement(xml);
    if (!item) {
      const id = /<wp:post_id>\s*(?:<!\[CDATA\[)?(\d+)/.exec(xml)?.[1] ?? rawAttribute(xml, 'id');
      skip({ kind: 'xml', ...(id ? { sourceId: id } : {}), reason: 'malformed XML (an item was skipped)' });
      continue;
    }
    const postId = childText(item, 'wp:post_id');
    const comments = item.children.filter((c) => c.name === 'wp:comment');
    if (!postId) {
      if (comments.length > 0) skip({ kind: 'page', reason: 'item without a wp:post_id' });
      continue;
    }
    if (comments.length === 0) continue;
    const link = childText(item, 'link');
    const title = childText(item, 'title');
    yield {
      kind: 'page',
      sourceId: postId,
      ...(link ? { url: link } : {}),
      ...(title ? { title } : {}),
      ...(childText(item, 'wp:comment_status') === 'closed' ? { locked: true } : {}),
    };
    for (const comment of comments) {
      const id = childText(comment, 'wp:comment_id');
      const type = childText(comment, 'wp:comment_type');
      if (!id) {
        skip({ kind: 'comment', reason: 'comment without a comment_id' });
        continue;
      }
      if (type === 'pingback' || type === 'trackback') {
        skip({ kind: 'comment', sourceId: id, reason: `${type}s are not comments` });
        continue;
      }
      const approved = childText(comment, 'wp:comment_approved');
      const status = STATUSES[approved];
      if (!status) {
        skip({ kind: 'comment', sourceId: id, reason: `unknown comment_approved "${approved}"` });
        continue;
      }
      const gmt = childText(comment, 'wp:comment_date_gmt');
      const local = childText(comment, 'wp:comment_date');
      const created = gmt && !gmt.startsWith('0000') ? gmtMs(gmt) : gmtMs(local);
      if (!Number.isFinite(created)) {
        skip({ kind: 'comment', sourceId: id, reason: 'comment without a valid date' });
        continue;
      }
      const name = childText(comment, 'wp:comment_author');
      const email = childText(comment, 'wp:comment_author_email');
      const url = childText(comment, 'wp:comment_author_url');
      const userId = childText(comment, 'wp:comment_user_id');
      // A registered WordPress user by their id; a visitor by their address, else by name.
      const authorId = userId && userId !== '0' ? `user:${userId}` : `visitor:${email.toLowerCase() || name}`;
      yield {
        kind: 'author',
        sourceId: authorId,
        name: name || 'Anonymous',
        ...(email ? { email } : {}),
        ...(url ? { url } : {}),
        ...(userId && userId !== '0' ? {} : { guest: true }),
      };
      const parent = childText(comment, 'wp:comment_parent');
      yield {
        kind: 'comment',
        sourceId: id,
        pageSourceId: postId,
        ...(parent && parent !== '0' ? { parentSourceId: parent } : {}),
        authorSourceId: authorId,
        createdMs: created,
        // WordPress shows paragraphs at blank lines and line breaks within them, around any HTML of the comment's.
        body: { html: paragraphs(childText(comment, 'wp:comment_content')) },
        status,
      };
    }
  }
};
