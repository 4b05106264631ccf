import { describe, expect, it } from 'vitest';
import { listedComments, type Placeable } from './listing.js';

const c = (i: string, pid: string, s: Placeable['s'] = 'approved', a = 'ada'): Placeable => ({
  i,
  pid,
  s,
  a,
});

describe('listedComments', () => {
  it('lists published comments of authors in good standing', () => {
    const listed = listedComments(
      [c('r1', ''), c('r2', '', 'pending'), c('r3', '', 'rejected'), c('r4', '', 'approved', 'troll')],
      new Set(['troll']),
    );
    expect([...listed]).toEqual(['r1']);
  });

  it('lists a deleted placeholder exactly while one of its replies is listed, all the way up', () => {
    const comments = [
      c('root', '', 'deleted'),
      c('mid', 'root', 'deleted'),
      c('leaf', 'mid'),
      c('other', '', 'deleted'),
      c('held', 'other', 'pending'),
    ];
    expect(listedComments(comments, new Set()).has('root')).toBe(true);
    expect(listedComments(comments, new Set()).has('mid')).toBe(true);
    expect(listedComments(comments, new Set()).has('other')).toBe(false);
    expect(listedComments(comments, new Set(['ada'])).has('root')).toBe(false);
  });

  it('decides a chain thousands of levels deep without recursion', () => {
    const chain: Placeable[] = [c('n0', '', 'deleted')];
    for (let i = 1; i < 5000; i++) chain.push(c(`n${i}`, `n${i - 1}`, i === 4999 ? 'approved' : 'deleted'));
    expect(listedComments(chain.reverse(), new Set()).size).toBe(5000);
  });
});
