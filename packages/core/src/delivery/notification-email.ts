import type { Email } from './mailer.js';
import { escapeHtml } from './templates.js';

/** Longest excerpt of the comment quoted in an e-mail, in characters. */
export const EMAIL_EXCERPT_LENGTH = 300;

/** The comment's Markdown source as one line of plain text, shortened. */
export function excerpt(markdown: string, max = EMAIL_EXCERPT_LENGTH): string {
  const line = markdown.replace(/\s+/g, ' ').trim();
  return line.length > max ? `${line.slice(0, max - 1).trimEnd()}…` : line;
}

/**
 * The e-mail telling a commenter of a reply or a mention, in plain text and
 * HTML, named after the site, with a one-click unsubscribe link (also in the
 * `List-Unsubscribe` headers of RFC 2369 and RFC 8058, which mail clients show
 * as an "Unsubscribe" button).
 */
export function notificationEmail(options: {
  to: string;
  site: string;
  type: 'reply' | 'mention';
  from: string;
  comment: string;
  pageUrl: string | null;
  unsubscribeUrl: string;
}): Email {
  const { site, from, pageUrl, unsubscribeUrl } = options;
  const quote = excerpt(options.comment);
  const subject =
    options.type === 'reply'
      ? `${from} replied to your comment on ${site}`
      : `${from} mentioned you on ${site}`;
  const lead =
    options.type === 'reply'
      ? `${from} replied to your comment on ${site}:`
      : `${from} mentioned you on ${site}:`;
  const footer = `You get these e-mails because you turned on e-mail notifications on ${site}.`;
  const text = [
    lead,
    '',
    `    ${quote}`,
    '',
    ...(pageUrl ? [`Read it and reply: ${pageUrl}`, ''] : []),
    footer,
    `Unsubscribe with one click: ${unsubscribeUrl}`,
    '',
    `— ${site}`,
    '',
  ].join('\n');
  const html = `<!doctype html><html><body style="font-family:system-ui,sans-serif;color:#1f2328">
<p>${escapeHtml(lead)}</p>
<blockquote style="margin:0 0 1em;padding:.5em 1em;border-left:3px solid #d0d7de;color:#1f2328">${escapeHtml(quote)}</blockquote>
${pageUrl ? `<p><a href="${escapeHtml(pageUrl)}">Read it and reply</a></p>\n` : ''}<p style="color:#59636e">${escapeHtml(footer)}
<a href="${escapeHtml(unsubscribeUrl)}">Unsubscribe</a></p>
<p style="color:#59636e">— ${escapeHtml(site)}</p>
</body></html>`;
  return {
    to: options.to,
    subject,
    text,
    html,
    headers: {
      'List-Unsubscribe': `<${unsubscribeUrl}>`,
      'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
    },
  };
}
