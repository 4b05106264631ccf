import { describe, expect, it } from 'vitest';
import { findMentions } from './mentions.js';

const people = [
  { id: 'ann', name: 'Ann' },
  { id: 'ann-lee', name: 'Ann Lee' },
  { id: 'bob', name: 'bob_42' },
  { id: 'zoe', name: 'Zoë' },
];

describe('findMentions', () => {
  it('finds @names case-insensitively, each once, in order of first mention', () => {
    expect(findMentions('@BOB_42 and @ann, then @bob_42 again', people)).toEqual(['bob', 'ann']);
  });

  it('prefers the longest name at an @, so names with spaces work', () => {
    expect(findMentions('thanks @Ann Lee!', people)).toEqual(['ann-lee']);
    expect(findMentions('thanks @Ann Lees', people)).toEqual(['ann']);
  });

  it('needs a word boundary after the name and none before the @', () => {
    expect(findMentions('@Anna is not Ann', people)).toEqual([]);
    expect(findMentions('write to ann@example.com or x.@Ann', people)).toEqual([]);
    expect(findMentions('(@Zoë)', people)).toEqual(['zoe']);
  });

  it('ignores text without a known name', () => {
    expect(findMentions('@nobody here', people)).toEqual([]);
    expect(findMentions('no at sign', people)).toEqual([]);
    expect(findMentions('@', people)).toEqual([]);
  });
});
