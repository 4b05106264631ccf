import { describe, expect, it } from 'vitest';
import { applyLive } from './live-thread.js';
import { emptyThread, loadPage, revealUnseen, type ThreadState, TYPING_MS } from './thread.js';
import { comment, PAGE, page } from './thread.testing.js';
import { addComment, castVote, removeComment, replaceOwn, settleVote } from './thread-changes.js';
import type { LiveMessage } from './types.js';
import { typists } from './ui/Activity.js';

/** A message of the gateway about the page (`page_id` added); comments as the widget keeps them. */
const live = (method: LiveMessage['method'], params: Record<string, unknown>) =>
  ({ jsonrpc: '2.0', method, params: { page_id: PAGE, ...params } }) as LiveMessage;

function loaded(): ThreadState {
  const root = comment('a', { r: [comment('a1', { pid: 'a' })] });
  return loadPage(emptyThread('new'), page([root, comment('b')], { next_cursor: 'next' }), false);
}

describe('loading', () => {
  it('flattens the tree, keeps the order and the cursor; a later page appends', () => {
    const state = loaded();
    expect(state.roots).toEqual(['a', 'b']);
    expect(state.replies.a).toEqual(['a1']);
    expect(state.byId.a1?.pid).toBe('a');
    expect(state.nextCursor).toBe('next');
    const more = loadPage(state, page([comment('c')], { total: 3 }), true);
    expect(more.roots).toEqual(['a', 'b', 'c']);
    expect(more.nextCursor).toBeNull();
  });

  it('lists a comment announced live once a later page holds it, and takes it off the banner', () => {
    let state = loadPage(emptyThread('new'), page([comment('b')], { next_cursor: 'next' }), false);
    // Announced live (say, caught up on connecting) before the page that holds it came.
    state = applyLive(state, live('new_comment', { comment: comment('c') }), null, 0);
    expect(state.unseen).toEqual(['c']);
    expect(state.roots).toEqual(['b']);
    state = loadPage(state, page([comment('c')]), true);
    expect(state.roots).toEqual(['b', 'c']);
    expect(state.unseen).toEqual([]);
  });

  it('keeps the last live event seen across a reload, for catching up after a reconnect', () => {
    const seen = applyLive(
      loaded(),
      live('vote_update', { comment_id: 'a', upvotes: 1, downvotes: 0, event_id: '7-0' }),
      null,
      0,
    );
    const reloaded = loadPage(seen, page([comment('a', { u: 1 })]), false);
    expect(reloaded.lastEventId).toBe('7-0');
    expect(reloaded.roots).toEqual(['a']);
  });
});

describe('live events', () => {
  it("holds others' new threads behind the banner, shows one's own at once, and replies in place", () => {
    let state = applyLive(loaded(), live('new_comment', { comment: comment('x'), event_id: '5-0' }), 'me', 0);
    expect(state.roots).toEqual(['a', 'b']);
    expect(state.unseen).toEqual(['x']);
    expect(state.lastEventId).toBe('5-0');
    expect(state.total).toBe(3);
    state = revealUnseen(state);
    expect(state.roots).toEqual(['x', 'a', 'b']);
    expect(state.unseen).toEqual([]);

    state = applyLive(state, live('new_comment', { comment: comment('mine', { a: 'me' }) }), 'me', 0);
    expect(state.roots[0]).toBe('mine');
    state = applyLive(state, live('new_comment', { comment: comment('b1', { pid: 'b' }) }), 'me', 0);
    expect(state.replies.b).toEqual(['b1']);
    expect(state.unseen).toEqual([]);
  });

  it('takes an echo of a comment it already has as an update, not a second copy', () => {
    const own = addComment(loaded(), comment('mine', { a: 'me', s: 'pending' }), true);
    const echoed = applyLive(
      own,
      live('new_comment', { comment: comment('mine', { a: 'me', s: 'approved' }) }),
      'me',
      0,
    );
    expect(echoed.roots.filter((id) => id === 'mine')).toHaveLength(1);
    expect(echoed.byId.mine?.s).toBe('approved');
  });

  it('applies edits, votes and pins in place', () => {
    let state = applyLive(
      loaded(),
      live('edit_comment', { comment_id: 'a', content: 'new', content_html: '<p>new</p>' }),
      null,
      0,
    );
    expect(state.byId.a).toMatchObject({ t: 'new', h: '<p>new</p>', e: true });
    state = applyLive(state, live('vote_update', { comment_id: 'b', upvotes: 4, downvotes: 1 }), null, 0);
    expect(state.byId.b).toMatchObject({ u: 4, d: 1 });
    state = applyLive(state, live('pin_update', { comment_id: 'b', pinned: true }), null, 0);
    expect(state.pinned).toEqual(['b']);
    state = applyLive(state, live('pin_update', { comment_id: 'b', pinned: false }), null, 0);
    expect(state.pinned).toEqual([]);
  });

  it('closes and reopens the comment box when the page is locked and unlocked', () => {
    let state = applyLive(loaded(), live('lock_update', { locked: true, event_id: '9-0' }), null, 0);
    expect(state.locked).toBe(true);
    expect(state.lastEventId).toBe('9-0');
    expect(state.roots).toEqual(['a', 'b']);
    state = applyLive(state, live('lock_update', { locked: false }), null, 0);
    expect(state.locked).toBe(false);
    // Another page's lock is not this one's.
    const elsewhere: LiveMessage = {
      jsonrpc: '2.0',
      method: 'lock_update',
      params: { page_id: 'other', locked: true },
    };
    expect(applyLive(state, elsewhere, null, 0).locked).toBe(false);
  });

  it('turns a deleted comment with replies into a placeholder and removes one without', () => {
    let state = applyLive(loaded(), live('delete_comment', { comment_id: 'a' }), null, 0);
    expect(state.byId.a).toMatchObject({ s: 'deleted', t: '', h: '' });
    expect(state.roots).toContain('a');
    state = applyLive(state, live('delete_comment', { comment_id: 'b' }), null, 0);
    expect(state.roots).toEqual(['a']);
    expect(state.byId.b).toBeUndefined();
    state = applyLive(state, live('delete_comment', { comment_id: 'a1' }), null, 0);
    expect(state.replies.a).toEqual([]);
  });

  it('counts a deleted comment out of the total, placeholder or not', () => {
    const root = comment('a', { r: [comment('a1', { pid: 'a' })] });
    let state = loadPage(emptyThread('new'), page([root, comment('b')], { total: 3 }), false);
    state = applyLive(state, live('delete_comment', { comment_id: 'a' }), null, 0);
    expect(state.total).toBe(2);
    state = applyLive(state, live('delete_comment', { comment_id: 'a1' }), null, 0);
    expect(state.total).toBe(1);
  });

  it('counts one’s own held comment once it is approved, and only once', () => {
    let state = loadPage(emptyThread('new'), page([comment('b')]), false);
    state = addComment(state, comment('mine', { a: 'me', s: 'pending' }), true);
    expect(state.total).toBe(1);
    const approved = live('new_comment', { comment: comment('mine', { a: 'me', s: 'approved' }) });
    state = applyLive(state, approved, 'me', 0);
    expect(state.byId.mine?.s).toBe('approved');
    expect(state.total).toBe(2);
    expect(applyLive(state, approved, 'me', 0).total).toBe(2);
  });

  it('ignores events of other pages', () => {
    const state = loaded();
    expect(
      applyLive(
        state,
        {
          jsonrpc: '2.0',
          method: 'vote_update',
          params: { page_id: 'other', comment_id: 'a', upvotes: 9, downvotes: 0 },
        },
        null,
        0,
      ),
    ).toBe(state);
  });
});

describe('presence and typing', () => {
  it('follows counts and users, and lets typing expire after 3 s', () => {
    const ann = { id: 'u1', name: 'Ann', avatar_url: null };
    let state = applyLive(loaded(), live('presence', { users: [], count: 2 }), null, 0);
    state = applyLive(state, live('user_joined', { user: ann, count: 3 }), null, 0);
    expect(state.presence).toEqual({ count: 3, users: [ann] });
    state = applyLive(state, live('typing', { user: ann, reply_to: null }), null, 1000);
    expect(typists(state, 1000 + TYPING_MS - 1)).toEqual(['Ann']);
    expect(typists(state, 1000 + TYPING_MS)).toEqual([]);
    state = applyLive(state, live('user_left', { user_id: 'u1', count: 2 }), null, 1500);
    expect(state.presence).toEqual({ count: 2, users: [] });
    expect(typists(state, 1500)).toEqual([]);
  });
});

describe('votes', () => {
  it('applies a vote at once (toggle and switch) and settles on the server answer', () => {
    let state = castVote(loaded(), 'a', 'up');
    expect(state.byId.a).toMatchObject({ u: 1, d: 0, v: 'up' });
    state = castVote(state, 'a', 'down');
    expect(state.byId.a).toMatchObject({ u: 0, d: 1, v: 'down' });
    state = castVote(state, 'a', 'down');
    expect(state.byId.a).toMatchObject({ u: 0, d: 0, v: null });
    state = settleVote(state, 'a', { upvotes: 7, downvotes: 2, user_vote: 'up' });
    expect(state.byId.a).toMatchObject({ u: 7, d: 2, v: 'up' });
  });
});

describe("the viewer's own edits and deletions", () => {
  it('takes the edited comment from the server, and removes or keeps a placeholder on delete', () => {
    let state = replaceOwn(loaded(), comment('b', { t: 'fixed', h: '<p>fixed</p>', e: true, m: 5 }));
    expect(state.byId.b).toMatchObject({ t: 'fixed', h: '<p>fixed</p>', e: true, m: 5, a: 'author-b' });
    state = removeComment(state, 'b');
    expect(state.roots).toEqual(['a']);
    state = removeComment(state, 'a');
    expect(state.byId.a?.s).toBe('deleted');
  });
});

describe("the viewer's own edit held for review", () => {
  it('shows it awaiting approval, out of the total, whatever order the answer and the live messages come in', () => {
    const held = comment('b', { t: 'links', h: '<p>links</p>', e: true, s: 'pending' });
    const messages = [
      live('delete_comment', { comment_id: 'b' }),
      live('new_comment', { comment: held }),
    ] as Parameters<typeof applyLive>[1][];
    const answerFirst = messages.reduce(
      (state, message) => applyLive(state, message, 'author-b', 0),
      replaceOwn(loaded(), held),
    );
    const answerLast = replaceOwn(
      messages.reduce((state, message) => applyLive(state, message, 'author-b', 0), loaded()),
      held,
    );
    // Without a live connection the answer alone says so.
    const answerOnly = replaceOwn(loaded(), held);
    for (const state of [answerOnly, answerFirst, answerLast]) {
      expect(state.byId.b).toMatchObject({ s: 'pending', t: 'links' });
      expect(state.roots).toContain('b');
      expect(state.total).toBe(loaded().total - 1);
    }
  });
});

describe('replies in pages', () => {
  const partial = () =>
    loadPage(
      emptyThread('new'),
      page([
        comment('a', {
          rc: 4,
          rx: 'after-a2',
          r: [comment('a1', { pid: 'a' }), comment('a2', { pid: 'a' })],
        }),
      ]),
      false,
    );

  it('loads the next replies after those shown, and forgets the cursor on the last page', async () => {
    const { loadReplies } = await import('./features/replies.js');
    let state = loadReplies(partial(), {
      comment_id: 'a',
      comments: [comment('a3', { pid: 'a' })],
      next_cursor: 'after-a3',
    });
    expect(state.replies.a).toEqual(['a1', 'a2', 'a3']);
    expect(state.byId.a?.rx).toBe('after-a3');
    state = loadReplies(state, {
      comment_id: 'a',
      // A reply already shown (say, one's own) is not listed twice.
      comments: [
        comment('a3', { pid: 'a' }),
        comment('a4', { pid: 'a', r: [comment('a4x', { pid: 'a4' })] }),
      ],
      next_cursor: null,
    });
    expect(state.replies.a).toEqual(['a1', 'a2', 'a3', 'a4']);
    expect(state.replies.a4).toEqual(['a4x']);
    expect(state.byId.a).not.toHaveProperty('rx');
  });

  it('leaves a live reply under replies not all loaded to come with the rest, in order', async () => {
    const { loadReplies } = await import('./features/replies.js');
    let state = applyLive(
      partial(),
      live('new_comment', { comment: comment('a9', { pid: 'a', c: 1_700_000_900 }) }),
      'me',
      0,
    );
    expect(state.replies.a).toEqual(['a1', 'a2']);
    // One's own reply shows at once, at the end.
    state = addComment(state, comment('mine', { pid: 'a', a: 'me', c: 1_700_000_950 }), true);
    expect(state.replies.a).toEqual(['a1', 'a2', 'mine']);
    state = loadReplies(state, {
      comment_id: 'a',
      comments: [
        comment('a3', { pid: 'a', c: 1_700_000_300 }),
        comment('a9', { pid: 'a', c: 1_700_000_900 }),
        comment('mine', { pid: 'a', a: 'me', c: 1_700_000_950 }),
      ],
      next_cursor: null,
    });
    expect(state.replies.a).toEqual(['a1', 'a2', 'a3', 'a9', 'mine']);
  });

  it("takes a signed-in reader's votes from beside the thread", () => {
    const state = loadPage(
      emptyThread('new'),
      page([comment('a'), comment('b')], { votes: { b: 'down' } }),
      false,
    );
    expect(state.byId.a?.v).toBeNull();
    expect(state.byId.b?.v).toBe('down');
    const anonymous = loadPage(emptyThread('new'), page([comment('a')]), false);
    expect(anonymous.byId.a).not.toHaveProperty('v');
  });
});
