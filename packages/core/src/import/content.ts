import { renderMarkdown, sanitizeCommentHtml, storedHtml } from '../markdown.js';
import type { ImportedComment } from './records.js';

/** A comment's text as the store keeps it: the Markdown source and its HTML ('' when `plainHtml` rebuilds it). */
export interface StoredText {
  markdown: string;
  html: string;
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' };

/** Character references of sanitised HTML back to text (sanitize-html escapes only these and numeric ones). */
function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, name: string) => {
    if (name[0] === '#') {
      const code =
        name[1] === 'x' || name[1] === 'X' ? Number.parseInt(name.slice(2), 16) : Number(name.slice(1));
      return Number.isFinite(code) && code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
    }
    return ENTITIES[name.toLowerCase()] ?? whole;
  });
}

/**
 * A plain-text rendering of sanitised comment HTML, kept as the comment's
 * source: paragraphs become blank lines, line breaks newlines, list items
 * lines, and a link whose text is not its address `[text](address)`. It is
 * what an author who edits the comment starts from.
 */
export function htmlToText(html: string): string {
  const text = html
    .replace(/<a\s[^>]*href="([^"]*)"[^>]*>([\s\S]*?)<\/a>/gi, (_, href: string, inner: string) => {
      const label = inner.replace(/<[^>]+>/g, '');
      return decodeEntities(label) === decodeEntities(href) ? label : `[${label}](${href})`;
    })
    .replace(/<br\s*\/?>\n?/gi, '\n')
    .replace(/<li[^>]*>/gi, '\n- ')
    .replace(/<\/(p|blockquote|pre|ul|ol)>/gi, '\n\n')
    .replace(/<[^>]+>/g, '');
  return decodeEntities(text)
    .split('\n')
    .map((line) => line.trimEnd())
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

/** Paragraphs at blank lines and line breaks within them, as Markdown renders plain text. */
export function paragraphs(text: string): string {
  const trimmed = text.trim();
  if (trimmed === '') return '';
  return trimmed
    .split(/\n\s*\n/)
    .map((paragraph) => `<p>${paragraph.trim().replaceAll('\n', '<br />\n')}</p>`)
    .join('\n');
}

/**
 * What an imported comment's text is stored as. Markdown goes through the
 * renderer a posted comment goes through. HTML goes through the same
 * sanitiser (so no script, no image, no `javascript:` link survives) and is
 * kept as the comment's HTML, with a plain-text rendering of it as the
 * source. Empty text (nothing left once sanitised) is null.
 */
export function storedText(body: ImportedComment['body']): StoredText | null {
  if ('markdown' in body) {
    const markdown = body.markdown.trim();
    if (markdown === '') return null;
    return { markdown, html: storedHtml(markdown, renderMarkdown(markdown)) };
  }
  // Text without any block (a Disqus message typed as plain lines) gets the paragraphs a posted comment has.
  const source = /<(p|blockquote|pre|ul|ol|hr)\b/i.test(body.html) ? body.html : paragraphs(body.html);
  // Presentational bold and italics are what the allow-list calls strong and em.
  const html = sanitizeCommentHtml(
    source.replace(/<(\/?)b(\s[^>]*)?>/gi, '<$1strong>').replace(/<(\/?)i(\s[^>]*)?>/gi, '<$1em>'),
  );
  const markdown = htmlToText(html);
  if (markdown === '') return null;
  return { markdown, html: storedHtml(markdown, html) };
}
