/**
 * A person's name inside a sentence, isolated from it (U+2068 … U+2069), so a
 * Latin name in an Arabic sentence, or the other way round, cannot reorder the
 * words and punctuation around it.
 */
export const isolate = (name: string) => `\u2068${name}\u2069`;
