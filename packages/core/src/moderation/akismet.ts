import { forbidden } from '../errors.js';
import { parseOrigin } from '../origins.js';
import { callOut, type OutboundOptions, Unusable } from './outbound.js';
import { ACCEPT, hold, type ModerationInput, type ModerationStep, reject, type Verdict } from './verdict.js';

export const AKISMET_API_URL = 'https://rest.akismet.com';

/**
 * Akismet's comment check (`POST /1.1/comment-check`), when the site turned
 * `akismet_enabled` on and set its `akismet_key`. `true` is spam: held or
 * refused as `flagged_action` says; with `X-akismet-pro-tip: discard` (blatant
 * spam) it is always refused. `false` is ham. Anything else fails open.
 */
export function akismet(options: OutboundOptions & { apiUrl?: string }): ModerationStep {
  const url = `${(options.apiUrl ?? AKISMET_API_URL).replace(/\/+$/, '')}/1.1/comment-check`;
  const step = 'akismet';
  return {
    name: step,
    paid: true,
    async check(input) {
      const { settings } = input.site;
      if (!settings.akismet_enabled || !settings.akismet_key) return ACCEPT;
      const verdict = await callOut(
        options,
        { site: input.site.id, step },
        {
          url,
          headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
          body: commentCheckForm(input, settings.akismet_key).toString(),
        },
        ({ headers, body }): Verdict => {
          const answer = body.trim();
          if (answer === 'false') return ACCEPT;
          if (answer !== 'true') {
            // `invalid` (a wrong key) or an error text; Akismet explains in a debug header.
            const help = headers.get('x-akismet-debug-help') ?? headers.get('x-akismet-alert-msg');
            throw new Unusable(`answered "${answer.slice(0, 100)}"${help ? `: ${help}` : ''}`);
          }
          if (
            headers.get('x-akismet-pro-tip')?.toLowerCase() === 'discard' ||
            settings.flagged_action === 'reject'
          )
            return reject(forbidden('Your comment looks like spam and was not posted.'));
          return hold('akismet: spam');
        },
      );
      return verdict ?? ACCEPT;
    },
  };
}

/** The fields Akismet documents for a comment check. */
export function commentCheckForm(input: ModerationInput, apiKey: string): URLSearchParams {
  const { author, page, client, content } = input;
  const form = new URLSearchParams({
    api_key: apiKey,
    blog: blogUrl(input),
    user_ip: client.ip ?? '',
    user_agent: client.userAgent ?? '',
    referrer: client.referrer ?? '',
    permalink: page.url ?? '',
    comment_type: 'comment',
    comment_author: author.name,
    comment_content: content,
    comment_date_gmt: new Date().toISOString(),
    blog_charset: 'UTF-8',
  });
  if (author.email) form.set('comment_author_email', author.email);
  return form;
}

/** The site's front page: its domain, else the origin of the page or the referrer. */
function blogUrl({ site, page, client }: ModerationInput): string {
  if (site.domain) return parseOrigin(site.domain)?.origin ?? `https://${site.domain}`;
  for (const url of [page.url, client.referrer]) {
    const origin = url ? parseOrigin(url)?.origin : undefined;
    if (origin) return origin;
  }
  return '';
}
