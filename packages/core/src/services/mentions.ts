/** Characters that continue a word: an `@` after one is part of an address, a name before one is cut short. */
const WORD = /[\p{L}\p{N}_]/u;

/**
 * The candidates whose names follow an `@` in the text, each once, in order of
 * first mention. Names may contain spaces (`@Ada Lovelace`), so at each `@` the
 * longest candidate name that matches (case-insensitively) wins, and a match
 * must end where a word does: `@Ann` is not a mention of "Anna". An `@` inside
 * a word (`ann@example.com`) is not a mention.
 */
export function findMentions(text: string, candidates: readonly { id: string; name: string }[]): string[] {
  const byLength = candidates
    .filter((c) => c.name.length > 0)
    .map((c) => ({ id: c.id, name: c.name.toLowerCase(), length: c.name.length }))
    .sort((a, b) => b.length - a.length);
  const found: string[] = [];
  for (let at = text.indexOf('@'); at !== -1; at = text.indexOf('@', at + 1)) {
    if (at > 0 && (WORD.test(text[at - 1]!) || text[at - 1] === '.')) continue;
    for (const candidate of byLength) {
      const end = at + 1 + candidate.length;
      if (text.slice(at + 1, end).toLowerCase() !== candidate.name) continue;
      if (end < text.length && WORD.test(text[end]!)) continue;
      if (!found.includes(candidate.id)) found.push(candidate.id);
      break;
    }
  }
  return found;
}
