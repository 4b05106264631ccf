import MarkdownIt from 'markdown-it';
import sanitizeHtml from 'sanitize-html';

export interface RenderedContent {
  html: string;
}

// Built once at module load: rendering is on the hot path (hundreds of comments/s per core).
// `html: false` makes markdown-it escape any raw HTML in the source instead of passing it through.
const md = new MarkdownIt({ html: false, linkify: true, breaks: true, typographer: false });

// Pipe tables would only be stripped back to run-together cell text by the allow-list below;
// leaving the source literal keeps what the commenter typed readable.
md.disable('table');

// Page-level headings in a comment would fight the host page's outline, so any heading
// (ATX `#` or setext `===`) keeps its emphasis but loses its rank.
md.renderer.rules.heading_open = () => '<p><strong>';
md.renderer.rules.heading_close = () => '</strong></p>\n';

// Never emit <img>: loading a third-party image leaks every reader's IP to its host.
// The image becomes a plain link the reader can choose to follow.
md.renderer.rules.image = (tokens, idx, options, env, self) => {
  const token = tokens[idx]!;
  const src = String(token.attrGet('src') ?? '');
  const text = md.utils.escapeHtml(self.renderInlineAsText(token.children ?? [], options, env) || src);
  // `[![alt](img)](url)` would otherwise nest an <a> inside an <a>, which browsers split apart.
  let depth = 0;
  for (let i = 0; i < idx; i++) {
    const type = tokens[i]!.type;
    if (type === 'link_open') depth++;
    else if (type === 'link_close') depth--;
  }
  return depth > 0 ? text : `<a href="${md.utils.escapeHtml(src)}">${text}</a>`;
};

// The sanitiser is the second line of defence: whatever markdown-it (or a future plugin)
// emits, only this allow-list reaches the browser.
const sanitizeOptions: sanitizeHtml.IOptions = {
  allowedTags: [
    'p',
    'br',
    'strong',
    'em',
    'del',
    's',
    'code',
    'pre',
    'blockquote',
    'ul',
    'ol',
    'li',
    'a',
    'hr',
  ],
  allowedAttributes: { a: ['href', 'rel', 'target'], ol: ['start'] },
  allowedClasses: {},
  allowedStyles: {},
  // Unknown schemes (javascript:, vbscript:, data:, …) make sanitize-html drop the href;
  // it strips whitespace/control characters first, so obfuscated schemes are caught too.
  allowedSchemes: ['http', 'https', 'mailto'],
  allowedSchemesByTag: {},
  allowedSchemesAppliedToAttributes: ['href'],
  allowProtocolRelative: true,
  disallowedTagsMode: 'discard',
  // Transforms run before attribute filtering, so this overrides any rel/target already present
  // while the href is still checked against the scheme allow-list afterwards.
  transformTags: {
    a: (tagName, attribs) => ({
      tagName,
      attribs: { ...attribs, rel: 'nofollow ugc noopener', target: '_blank' },
    }),
  },
};

/** Renders commenter-supplied Markdown to HTML that is safe to embed in a host page. */
export function renderMarkdown(source: string): string {
  if (source.trim() === '') return '';
  return sanitizeHtml(md.render(source), sanitizeOptions).trim();
}

/**
 * Sanitises HTML from elsewhere (an imported comment) with the allow-list a
 * posted comment's rendering passes: what is left is what a posted comment
 * could hold.
 */
export function sanitizeCommentHtml(html: string): string {
  return sanitizeHtml(html, sanitizeOptions).trim();
}

const escapeText = (text: string) =>
  text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');

/**
 * What `renderMarkdown` makes of text without any Markdown in it: paragraphs
 * and line breaks. Most comments are such text, so the store keeps a comment's
 * HTML only when `renderMarkdown` says something else (`storedHtml`), and this
 * rebuilds it on reading: it is a few string operations, where the full
 * renderer and sanitiser cost a hundred times more.
 */
export function plainHtml(source: string): string {
  const paragraphs = source.trim().split(/\n[ \t]*(?:\n[ \t]*)+/);
  return paragraphs
    .map(
      (paragraph) =>
        `<p>${paragraph
          .split('\n')
          .map((line) => escapeText(line.trim()))
          .join('<br />\n')}</p>`,
    )
    .join('\n');
}

/** The HTML to store beside Markdown: '' when reading can rebuild it with `plainHtml`. */
export const storedHtml = (source: string, html: string): string => (html === plainHtml(source) ? '' : html);
