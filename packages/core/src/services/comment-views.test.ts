import { describe, expect, it } from 'vitest';
import type { AuthorRow } from '../store/comment-store.js';
import type { CommentView, StoredComment } from '../types.js';
import { buildTree, DELETED_NAME, toView } from './comment-views.js';

const PAGE = 'page-1';

function stored(overrides: Partial<StoredComment> & { i: string }): StoredComment {
  return {
    pg: PAGE,
    pid: '',
    a: 'user-ada',
    t: `text of ${overrides.i}`,
    h: `<p>text of ${overrides.i}</p>`,
    u: 0,
    d: 0,
    c: 1_705_315_800,
    cm: 1_705_315_800_000,
    m: 0,
    s: 'approved',
    e: 0,
    rc: 0,
    listed: true,
    ...overrides,
  };
}

const ADA: AuthorRow = { name: 'Ada', avatar: 'https://cdn.example.com/ada.png', karma: 42 };
const BOB: AuthorRow = { name: 'Bob', avatar: null, karma: -3 };
const AUTHORS = new Map<string, AuthorRow>([
  ['user-ada', ADA],
  ['user-bob', BOB],
]);

/** Ids of a tree, nested: [id, [children…]]. */
type Shape = [string, Shape[]];
const shape = (views: CommentView[]): Shape[] => views.map((v) => [v.i, shape(v.r)]);

describe('toView', () => {
  it('maps a stored comment to the compact wire form', () => {
    const comment = stored({ i: 'c1', pid: 'c0', u: 5, d: 1, m: 1_705_316_000, e: 1 });
    expect(toView(comment, ADA)).toEqual({
      i: 'c1',
      a: 'user-ada',
      n: 'Ada',
      p: 'https://cdn.example.com/ada.png',
      k: 42,
      t: 'text of c1',
      h: '<p>text of c1</p>',
      u: 5,
      d: 1,
      c: 1_705_315_800,
      m: 1_705_316_000,
      r: [],
      s: 'approved',
      pid: 'c0',
      e: true,
      rc: 0,
    });
  });

  it('gives null for an unmodified time and a root parent, false for unedited', () => {
    const view = toView(stored({ i: 'c1' }), ADA);
    expect(view.m).toBeNull();
    expect(view.pid).toBeNull();
    expect(view.e).toBe(false);
  });

  it('does not leak storage-only fields', () => {
    const view = toView(stored({ i: 'c1', rc: 3 }), ADA) as unknown as Record<string, unknown>;
    for (const field of ['pg', 'cm', 'listed', 'hr']) expect(view).not.toHaveProperty(field);
    // The stored count includes hidden replies: what a reader may load is the tree builder's to say.
    expect(view.rc).toBe(0);
  });

  it('hides the author, name, avatar and karma of a deleted placeholder', () => {
    const view = toView(stored({ i: 'c1', s: 'deleted', t: '', h: '', rc: 1 }), ADA, 'up');
    expect(view.a).toBeNull();
    expect(view.n).toBe(DELETED_NAME);
    expect(view.n).toBe('[deleted]');
    expect(view.p).toBeNull();
    expect(view.k).toBe(0);
    expect(view.s).toBe('deleted');
    expect(JSON.stringify(view)).not.toContain('Ada');
    expect(JSON.stringify(view)).not.toContain('user-ada');
    expect(JSON.stringify(view)).not.toContain('ada.png');
  });

  it('shows an erased author as [deleted] with no avatar or karma', () => {
    const view = toView(stored({ i: 'c1' }), undefined);
    expect(view.n).toBe(DELETED_NAME);
    expect(view.p).toBeNull();
    expect(view.k).toBe(0);
    expect(view.t).toBe('text of c1');
  });

  it('gives a null avatar when the author has none', () => {
    expect(toView(stored({ i: 'c1', a: 'user-bob' }), BOB)).toMatchObject({ n: 'Bob', p: null, k: -3 });
  });

  it('includes v only when a vote (or null) is passed', () => {
    expect(toView(stored({ i: 'c1' }), ADA)).not.toHaveProperty('v');
    expect(toView(stored({ i: 'c1' }), ADA, null)).toHaveProperty('v', null);
    expect(toView(stored({ i: 'c1' }), ADA, 'down')).toHaveProperty('v', 'down');
  });

  it('gives each view its own replies array', () => {
    const a = toView(stored({ i: 'a' }), ADA);
    const b = toView(stored({ i: 'b' }), ADA);
    a.r.push(b);
    expect(b.r).toEqual([]);
  });
});

describe('buildTree', () => {
  // Roots r1, r2, r3 in sort order; r1 has replies x1, x2 (x1 has y1); r3 has z1.
  const roots = [stored({ i: 'r1' }), stored({ i: 'r2', a: 'user-bob' }), stored({ i: 'r3' })];
  const replies = [
    stored({ i: 'x1', pid: 'r1', a: 'user-bob', cm: 1 }),
    stored({ i: 'y1', pid: 'x1', cm: 2 }),
    stored({ i: 'x2', pid: 'r1', cm: 3 }),
    stored({ i: 'z1', pid: 'r3', cm: 4 }),
  ];
  const tree = (input: Partial<Parameters<typeof buildTree>[0]> = {}) =>
    buildTree({
      roots,
      replies,
      authors: AUTHORS,
      replyCounts: new Map(),
      cursorAfter: (reply) => `after:${reply.i}`,
      ...input,
    });

  it('nests replies under their parents, oldest first, whatever order they come in', () => {
    const expected: Shape[] = [
      [
        'r1',
        [
          ['x1', [['y1', []]]],
          ['x2', []],
        ],
      ],
      ['r2', []],
      ['r3', [['z1', []]]],
    ];
    expect(shape(tree())).toEqual(expected);
    expect(shape(tree({ replies: [...replies].reverse() }))).toEqual(expected);
  });

  it('keeps roots in the given (sort) order rather than re-sorting them', () => {
    expect(tree({ roots: [roots[2]!, roots[1]!, roots[0]!] }).map((v) => v.i)).toEqual(['r3', 'r2', 'r1']);
  });

  it('leaves out a reply whose parent is not there', () => {
    const orphan = stored({ i: 'o1', pid: 'gone' });
    expect(JSON.stringify(tree({ replies: [...replies, orphan] }))).not.toContain('o1');
  });

  it('fills in authors per comment', () => {
    const [r1, r2] = tree();
    expect(r1!.n).toBe('Ada');
    expect(r1!.r[0]!.n).toBe('Bob');
    expect(r2!.n).toBe('Bob');
  });

  it('counts replies, and says where those not shown start', () => {
    const [r1, r2, r3] = tree({
      replyCounts: new Map([
        ['r1', 5],
        ['r3', 1],
      ]),
    });
    expect(r1).toMatchObject({ rc: 5, rx: 'after:x2' });
    expect(r1!.r[0]).toMatchObject({ rc: 1 });
    expect(r1!.r[0]).not.toHaveProperty('rx');
    expect(r2).toMatchObject({ rc: 0 });
    expect(r3).toMatchObject({ rc: 1 });
    expect(r3).not.toHaveProperty('rx');
    // None shown of three: the rest start at the beginning.
    const [alone] = tree({ roots: [roots[1]!], replies: [], replyCounts: new Map([['r2', 3]]) });
    expect(alone).toMatchObject({ rc: 3, rx: '' });
  });

  it('leaves v out: votes travel beside the tree', () => {
    expect(JSON.stringify(tree())).not.toContain('"v"');
  });

  it('keeps a deleted placeholder in place with its replies, author hidden', () => {
    const [placeholder] = tree({
      roots: [stored({ i: 'r1', s: 'deleted', t: '', h: '', rc: 1 })],
      replies: [stored({ i: 'x1', pid: 'r1', a: 'user-bob' })],
    });
    expect(shape([placeholder!])).toEqual([['r1', [['x1', []]]]]);
    expect(placeholder).toMatchObject({ a: null, n: DELETED_NAME, p: null, k: 0, s: 'deleted' });
    expect(placeholder!.r[0]).toMatchObject({ a: 'user-bob', n: 'Bob' });
  });

  it('gives an empty list for no comments', () => {
    expect(tree({ roots: [], replies: [] })).toEqual([]);
  });
});
