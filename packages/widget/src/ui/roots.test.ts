import { describe, expect, it } from 'vitest';
import { emptyThread, loadPage } from '../thread.js';
import { comment, page } from '../thread.testing.js';
import { shownRoots } from './roots.js';

const thread = (pinned: string[]) =>
  loadPage(emptyThread('new'), page([comment('a'), comment('b'), comment('c')], { pinned }), false);

describe('the order of root comments', () => {
  it('is the thread’s order when nothing is pinned', () => {
    expect(shownRoots(thread([]))).toEqual(['a', 'b', 'c']);
  });

  it('puts pinned comments first, in the order the thread pins them, each once', () => {
    expect(shownRoots(thread(['c', 'b']))).toEqual(['c', 'b', 'a']);
  });

  it('leaves out a pinned comment the thread does not hold (deleted, or on a later page)', () => {
    expect(shownRoots(thread(['gone', 'b']))).toEqual(['b', 'a', 'c']);
  });
});
