import { describe, expect, it } from 'vitest';
import type { AuthorRow } from '../store/comment-store.js';
import type { CommentView, StoredComment, VoteDirection } from '../types.js';
import { buildTree, DELETED_NAME, toView } from './comment-views.js';

const PAGE = 'page-1';

function stored(overrides: Partial<StoredComment> & { i: string }): StoredComment {
  return {
    pg: PAGE,
    pid: '',
    rt: '',
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
    const comment = stored({ i: 'c1', pid: 'c0', rt: 'c0', u: 5, d: 1, m: 1_705_316_000, e: 1 });
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
    for (const field of ['pg', 'rt', 'cm', 'rc']) expect(view).not.toHaveProperty(field);
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
  const comments = [
    stored({ i: 'r1' }),
    stored({ i: 'x1', pid: 'r1', rt: 'r1', a: 'user-bob' }),
    stored({ i: 'y1', pid: 'x1', rt: 'r1' }),
    stored({ i: 'x2', pid: 'r1', rt: 'r1' }),
    stored({ i: 'r2', a: 'user-bob' }),
    stored({ i: 'r3' }),
    stored({ i: 'z1', pid: 'r3', rt: 'r3' }),
  ];

  it('nests replies under their parents, keeping the listed order', () => {
    expect(shape(buildTree(comments, AUTHORS, null))).toEqual([
      [
        'r1',
        [
          ['x1', [['y1', []]]],
          ['x2', []],
        ],
      ],
      ['r2', []],
      ['r3', [['z1', []]]],
    ]);
  });

  it('keeps roots in the listed (sort) order rather than re-sorting them', () => {
    const reordered = [comments[5]!, comments[6]!, comments[4]!, ...comments.slice(0, 4)];
    expect(buildTree(reordered, AUTHORS, null).map((v) => v.i)).toEqual(['r3', 'r2', 'r1']);
  });

  it('fills in authors per comment', () => {
    const [r1, r2] = buildTree(comments, AUTHORS, null);
    expect(r1!.n).toBe('Ada');
    expect(r1!.r[0]!.n).toBe('Bob');
    expect(r2!.n).toBe('Bob');
  });

  it('leaves v out everywhere when no votes map is given', () => {
    const json = JSON.stringify(buildTree(comments, AUTHORS, null));
    expect(json).not.toContain('"v"');
  });

  it('gives every comment v from the votes map, null where the viewer has not voted', () => {
    const votes = new Map<string, VoteDirection>([
      ['r1', 'up'],
      ['y1', 'down'],
    ]);
    const [r1, r2] = buildTree(comments, AUTHORS, votes);
    expect(r1!.v).toBe('up');
    expect(r1!.r[0]!.v).toBeNull();
    expect(r1!.r[0]!.r[0]!.v).toBe('down');
    expect(r2).toHaveProperty('v', null);
  });

  it('keeps a deleted placeholder in place with its replies, author hidden', () => {
    const tree = buildTree(
      [
        stored({ i: 'r1', s: 'deleted', t: '', h: '', rc: 1 }),
        stored({ i: 'x1', pid: 'r1', rt: 'r1', a: 'user-bob' }),
      ],
      AUTHORS,
      null,
    );
    expect(shape(tree)).toEqual([['r1', [['x1', []]]]]);
    expect(tree[0]).toMatchObject({ a: null, n: DELETED_NAME, p: null, k: 0, s: 'deleted' });
    expect(tree[0]!.r[0]).toMatchObject({ a: 'user-bob', n: 'Bob' });
  });

  it('gives an empty list for no comments', () => {
    expect(buildTree([], AUTHORS, null)).toEqual([]);
  });
});
