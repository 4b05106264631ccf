import { ACCEPT, hold, type ModerationStep } from './verdict.js';

/**
 * Holds a comment with more links than `max_links` (0: any link). It counts the
 * links readers would see in the rendered HTML, so Markdown links, `<…>`
 * autolinks, bare `http(s)://` URLs (linkified) and images (shown as links)
 * all count; a URL inside `code`, or a domain without a scheme, is not a link.
 */
export function linkLimit(): ModerationStep {
  return {
    name: 'link_limit',
    async check({ site, html }) {
      const max = site.settings.max_links;
      const links = countLinks(html);
      return links > max ? hold(`link_limit: ${links} links, more than ${max}`) : ACCEPT;
    },
  };
}

export const countLinks = (html: string): number => html.match(/<a\s/gi)?.length ?? 0;
