import { LRUCache } from 'lru-cache';
import { invalid } from '../errors.js';
import { ACCEPT, hold, type ModerationStep, reject } from './verdict.js';

/**
 * The site's own list of words and phrases (`word_filter`), matched as whole
 * words, case-insensitively, in any script: "ass" catches "ASS!" but not
 * "class". A match blocks the comment or holds it, as `word_filter_action` says.
 */
export function wordFilter(): ModerationStep {
  return {
    name: 'word_filter',
    async check({ site, content, html }) {
      const words = site.settings.word_filter;
      if (words.length === 0) return ACCEPT;
      const matcher = compile(words);
      if (!matcher) return ACCEPT;
      // The source and the rendered text: `b**a**d` shows as "bad".
      const found = findIn(matcher, content) ?? findIn(matcher, textOf(html));
      if (found === null) return ACCEPT;
      if (site.settings.word_filter_action === 'hold') return hold(`word_filter: "${found}"`);
      // Not naming the word: the list is the site's business.
      return reject(invalid('content', 'Your comment contains a word or phrase this site does not allow.'));
    },
  };
}

// Letters, digits and marks of any script continue a word; anything else ends it.
const WORD_CHAR = String.raw`[\p{L}\p{N}\p{M}_]`;

/** Compatibility forms (full-width letters, ligatures) and case folded away. */
const normalize = (text: string) => text.normalize('NFKC').toLowerCase();

// Only the syntax characters: other escapes are errors in a Unicode (`u`) expression.
const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

// Settings change rarely and every request carries the same list: compile once per list.
const compiled = new LRUCache<string, RegExp | 'none'>({ max: 1000 });

function compile(words: readonly string[]): RegExp | null {
  const key = words.join('\n');
  let matcher = compiled.get(key);
  if (matcher === undefined) {
    const alternatives = words
      .map((word) => normalize(word).trim())
      .filter(Boolean)
      // Longest first, so a phrase wins over a word it starts with.
      .sort((a, b) => b.length - a.length)
      .map((word) => word.split(/\s+/).map(escapeRegExp).join(String.raw`\s+`));
    matcher =
      alternatives.length === 0
        ? 'none'
        : new RegExp(`(?<!${WORD_CHAR})(?:${alternatives.join('|')})(?!${WORD_CHAR})`, 'iu');
    compiled.set(key, matcher);
  }
  return matcher === 'none' ? null : matcher;
}

function findIn(matcher: RegExp, text: string): string | null {
  const match = matcher.exec(normalize(text));
  return match ? match[0].replace(/\s+/g, ' ') : null;
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'", nbsp: ' ' };

/** The visible text of the sanitised HTML: blocks and line breaks separate words, inline tags do not. */
function textOf(html: string): string {
  return html
    .replace(/<\/?(?:p|br|li|ul|ol|blockquote|pre|hr)\b[^>]*>/gi, ' ')
    .replace(/<[^>]*>/g, '')
    .replace(/&(amp|lt|gt|quot|#39|nbsp);/g, (_, name: string) => ENTITIES[name] ?? '');
}
