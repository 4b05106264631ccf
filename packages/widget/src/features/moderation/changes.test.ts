import type { CommentView } from '@threadkit/core';
import { describe, expect, it } from 'vitest';
import { applyLive } from '../../live-thread.js';
import { emptyThread, loadPage, type ThreadState } from '../../thread.js';
import { comment, PAGE, page } from '../../thread.testing.js';
import type { LiveMessage } from '../../types.js';
import { publish, removeComment, setLocked, setPinned, withoutAuthor } from './changes.js';

/** A moderator's view: a published thread by Bo with Cy's reply and Bo's own reply, and Cy's held comment. */
function moderatorsView(): ThreadState {
  const thread = comment('01-root', {
    a: 'bo',
    r: [
      comment('02-cy-reply', { a: 'cy', pid: '01-root' }),
      comment('03-bo-reply', { a: 'bo', pid: '01-root' }),
    ],
  });
  const alone = comment('04-bo-alone', {
    a: 'bo',
    r: [comment('05-bo-self', { a: 'bo', pid: '04-bo-alone' })],
  });
  const held = comment('06-held', { a: 'cy', s: 'pending' });
  return loadPage(emptyThread('new'), page([thread, alone, held], { total: 5 }), false);
}

describe('approving', () => {
  it('publishes a held comment and counts it, once, whether or not its live echo came first', () => {
    const approved = publish(moderatorsView(), '06-held');
    expect(approved.byId['06-held']?.s).toBe('approved');
    expect(approved.total).toBe(6);
    // The echo after the answer changes nothing more.
    const echo: LiveMessage = {
      jsonrpc: '2.0',
      method: 'new_comment',
      params: { page_id: PAGE, comment: comment('06-held', { a: 'cy' }) as CommentView },
    };
    expect(applyLive(approved, echo, 'mod', 0).total).toBe(6);
    // The echo before the answer counts it; the answer then changes nothing more.
    const echoedFirst = applyLive(moderatorsView(), echo, 'mod', 0);
    expect(echoedFirst.total).toBe(6);
    expect(publish(echoedFirst, '06-held').total).toBe(6);
    expect(publish(approved, 'gone')).toBe(approved);
  });
});

describe('pins, deletions and locks', () => {
  it('pins to the top and unpins', () => {
    const pinned = setPinned(moderatorsView(), '04-bo-alone', true);
    expect(pinned.pinned).toEqual(['04-bo-alone']);
    expect(setPinned(setPinned(pinned, '01-root', true), '04-bo-alone', false).pinned).toEqual(['01-root']);
  });

  it('pins exactly as the live pin_update does for other readers', () => {
    const state = setPinned(moderatorsView(), '01-root', true);
    for (const [id, pinned] of [
      ['04-bo-alone', true],
      ['01-root', false],
    ] as const) {
      const live: LiveMessage = {
        jsonrpc: '2.0',
        method: 'pin_update',
        params: { page_id: PAGE, comment_id: id, pinned },
      };
      expect(setPinned(state, id, pinned)).toEqual(applyLive(state, live, null, 0));
    }
  });

  it('deletes a comment, keeping a placeholder while it has replies', () => {
    const state = removeComment(removeComment(moderatorsView(), '06-held'), '01-root');
    expect(state.byId['06-held']).toBeUndefined();
    expect(state.byId['01-root']?.s).toBe('deleted');
  });

  it('locks and unlocks the page', () => {
    expect(setLocked(moderatorsView(), true).locked).toBe(true);
    expect(setLocked(setLocked(moderatorsView(), true), false).locked).toBe(false);
  });
});

describe('banning with the comments taken down', () => {
  it("removes every comment of the author, keeping a placeholder only over others' replies", () => {
    const state = withoutAuthor(moderatorsView(), 'bo');
    expect(Object.values(state.byId).filter((c) => c.a === 'bo')).toEqual([]);
    // Cy's reply keeps its parent as a placeholder; Bo's thread with only Bo's reply is gone.
    expect(state.byId['01-root']?.s).toBe('deleted');
    expect(state.replies['01-root']).toEqual(['02-cy-reply']);
    expect(state.byId['04-bo-alone']).toBeUndefined();
    expect(state.roots).toEqual(['01-root', '06-held']);
  });
});
