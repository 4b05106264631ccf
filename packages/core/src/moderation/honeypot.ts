import { forbidden } from '../errors.js';
import { ACCEPT, type ModerationStep, reject } from './verdict.js';

/**
 * Two cheap bot traps for guests (accounts have proven more already): the
 * widget's hidden `website` field, which people never fill, and the time from
 * the first focus in its form to sending, which for people is more than a few
 * seconds. Either refuses the comment with the same plain message, so a bot
 * learns nothing about which trap it fell into. A client that sends neither
 * field (an older widget, a site's own API client) is not checked: a script
 * calling the API could send any values, so requiring them would stop none.
 */
export function honeypot(): ModerationStep {
  return {
    name: 'honeypot',
    async check({ site, author, form }) {
      if (!author.guest) return ACCEPT;
      if (form.honeypot !== undefined && form.honeypot.trim() !== '') return reject(refusal());
      const minMs = site.settings.min_submit_seconds * 1000;
      if (form.elapsedMs !== undefined && form.elapsedMs < minMs) return reject(refusal());
      return ACCEPT;
    },
  };
}

const refusal = () => forbidden('Your comment could not be posted. Please try again.');
