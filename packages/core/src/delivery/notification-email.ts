import type { Email } from './mailer.js';
import { escapeHtml } from './templates.js';

/** Longest excerpt of the comment quoted in an e-mail, in characters. */
const EMAIL_EXCERPT_LENGTH = 300;

/** The comment's Markdown source as one line of plain text, shortened. */
export function excerpt(markdown: string, max = EMAIL_EXCERPT_LENGTH): string {
  const line = markdown.replace(/\s+/g, ' ').trim();
  return line.length > max ? `${line.slice(0, max - 1).trimEnd()}…` : line;
}

/** How the footer names the throttle: "at most one e-mail every 10 minutes". */
const describeWindow = (windowMs: number): string => {
  const minutes = Math.round(windowMs / 60_000);
  if (minutes >= 1) return minutes === 1 ? 'every minute' : `every ${minutes} minutes`;
  const seconds = Math.max(1, Math.round(windowMs / 1000));
  return seconds === 1 ? 'every second' : `every ${seconds} seconds`;
};

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
  const lead = `${subject}:`;
  const footer = `You get these e-mails because you turned on e-mail notifications on ${site}.`;
  return notificationMessage({
    to: options.to,
    site,
    subject,
    lead,
    footer,
    unsubscribeUrl,
    text: [`    ${quote}`, '', ...(pageUrl ? [`Read it and reply: ${pageUrl}`, ''] : [])],
    html: `<blockquote style="${QUOTE_STYLE};margin:0 0 1em">${escapeHtml(quote)}</blockquote>
${readLink(pageUrl)}`,
  });
}

const QUOTE_STYLE = 'padding:.5em 1em;border-left:3px solid #d0d7de;color:#1f2328';
const readLink = (pageUrl: string | null) =>
  pageUrl ? `<p><a href="${escapeHtml(pageUrl)}">Read it and reply</a></p>\n` : '';

/** A notification e-mail around its body: lead, footer, signature and the one-click unsubscribe. */
function notificationMessage(options: {
  to: string;
  site: string;
  subject: string;
  lead: string;
  footer: string;
  unsubscribeUrl: string;
  /** The body's lines of plain text, and its HTML. */
  text: string[];
  html: string;
}): Email {
  const { site, lead, footer, unsubscribeUrl } = options;
  const text = [
    lead,
    '',
    ...options.text,
    footer,
    `Unsubscribe with one click: ${unsubscribeUrl}`,
    '',
    `— ${site}`,
    '',
  ].join('\n');
  const html = `<!doctype html><html><body style="font-family:system-ui,sans-serif;color:#1f2328">
<p>${escapeHtml(lead)}</p>
${options.html}<p style="color:#59636e">${escapeHtml(footer)}
<a href="${escapeHtml(unsubscribeUrl)}">Unsubscribe</a></p>
<p style="color:#59636e">— ${escapeHtml(site)}</p>
</body></html>`;
  return {
    to: options.to,
    subject: options.subject,
    text,
    html,
    headers: {
      'List-Unsubscribe': `<${unsubscribeUrl}>`,
      'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
    },
  };
}

/** One reply or mention in a digest. */
export interface DigestEntry {
  type: 'reply' | 'mention';
  from: string;
  /** Already shortened (`excerpt`). */
  excerpt: string;
  pageUrl: string | null;
}

/**
 * The e-mail that gathers the replies and mentions that came while a recipient's
 * window was open (at most one e-mail per window): each with who wrote it, its
 * words and its link; those beyond the list only counted. A digest of one is
 * that one's own e-mail.
 */
export function notificationDigest(options: {
  to: string;
  site: string;
  entries: DigestEntry[];
  /** Notifications beyond `entries`, not listed. */
  more: number;
  windowMs: number;
  unsubscribeUrl: string;
}): Email {
  const { site, entries, more, unsubscribeUrl } = options;
  const [only] = entries;
  if (entries.length === 1 && more === 0 && only) {
    return notificationEmail({
      to: options.to,
      site,
      type: only.type,
      from: only.from,
      comment: only.excerpt,
      pageUrl: only.pageUrl,
      unsubscribeUrl,
    });
  }
  const count = entries.length + more;
  const subject = `${count} new replies and mentions on ${site}`;
  const lead = `You have ${count} new replies and mentions on ${site}:`;
  const what = (entry: DigestEntry) =>
    entry.type === 'reply' ? `${entry.from} replied to your comment:` : `${entry.from} mentioned you:`;
  const footer = `You get these e-mails because you turned on e-mail notifications on ${site}, at most one e-mail ${describeWindow(options.windowMs)}.`;
  const rest = more > 0 ? `…and ${more} more.` : null;
  return notificationMessage({
    to: options.to,
    site,
    subject,
    lead,
    footer,
    unsubscribeUrl,
    text: [
      ...entries.flatMap((entry) => [
        what(entry),
        `    ${entry.excerpt}`,
        ...(entry.pageUrl ? [`Read it and reply: ${entry.pageUrl}`] : []),
        '',
      ]),
      ...(rest ? [rest, ''] : []),
    ],
    html: `${entries
      .map(
        (entry) => `<p>${escapeHtml(what(entry))}</p>
<blockquote style="${QUOTE_STYLE};margin:0 0 .5em">${escapeHtml(entry.excerpt)}</blockquote>
${readLink(entry.pageUrl)}`,
      )
      .join('')}${rest ? `<p>${escapeHtml(rest)}</p>\n` : ''}`,
  });
}
