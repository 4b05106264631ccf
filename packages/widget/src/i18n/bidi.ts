/**
 * A value inside a sentence (a person's name, an e-mail address, a provider's
 * name), isolated from it (U+2068 … U+2069), so a Latin name in an Arabic
 * sentence, or the other way round, keeps its own direction and cannot reorder
 * the words and punctuation around it.
 */
export const isolate = (text: string): string => `\u2068${text}\u2069`;
