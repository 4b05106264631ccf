import { type CommentView, escapeHtml } from '@threadkit/core';
import type { PublicRead } from './public-thread.js';

/**
 * The server-rendered thread: the first page of a thread as an anonymous reader
 * sees it, as an HTML fragment a site puts in its page for crawlers and readers
 * without JavaScript. Semantic lists and articles, schema.org `Comment` microdata
 * (author, dateCreated, text, upvoteCount, parentItem), no script and no style:
 * the site's CSS dresses it, and the widget replaces it when it loads.
 */
export function threadHtml({ thread, pageUrl }: PublicRead): string {
  const link = (id: string) => `${pageUrl ? escapeHtml(pageUrl) : ''}#comment-${id}`;
  const list = (comments: CommentView[], parent: string | null): string =>
    comments.length === 0
      ? ''
      : `<ol class="threadkit-comments">${comments.map((c) => item(c, parent)).join('')}</ol>`;
  const item = (c: CommentView, parent: string | null): string => {
    const replies = list(c.r, c.i);
    // A deleted comment's placeholder keeps its replies' place, and says nothing of itself.
    if (c.s === 'deleted')
      return `<li id="comment-${c.i}" class="threadkit-deleted"><p>[deleted]</p>${replies}</li>`;
    const created = new Date(c.c * 1000).toISOString();
    const repliesProperty = parent === null ? '' : ' itemprop="comment"';
    return (
      `<li id="comment-${c.i}"${repliesProperty} itemscope itemtype="https://schema.org/Comment">` +
      '<article><header>' +
      `<span itemprop="author" itemscope itemtype="https://schema.org/Person"><span itemprop="name">${escapeHtml(c.n)}</span></span> ` +
      `<a itemprop="url" href="${link(c.i)}"><time itemprop="dateCreated" datetime="${created}">${created.slice(0, 10)}</time></a>` +
      (parent === null ? '' : `<link itemprop="parentItem" href="${link(parent)}">`) +
      '</header>' +
      // Sanitised when it was written: the HTML the widget shows.
      `<div itemprop="text">${c.h}</div>` +
      `<meta itemprop="upvoteCount" content="${c.u}"><meta itemprop="downvoteCount" content="${c.d}">` +
      `</article>${replies}</li>`
    );
  };
  const count = thread.total === 1 ? '1 comment' : `${thread.total} comments`;
  return (
    `<section class="threadkit-thread" data-threadkit-page="${thread.page_id}" aria-label="Comments">` +
    `<p class="threadkit-count">${count}</p>${list(thread.tree.comments, null)}</section>`
  );
}
