import { describe, expect, it } from 'vitest';
import { comment } from '../../thread.testing.js';
import { allowedOn } from './rules.js';

describe('allowedOn', () => {
  it('offers pinning an approved root comment, and deleting and banning someone else’s', () => {
    expect(allowedOn(comment('c1', { a: 'bo' }), 'mod', ['c1'])).toEqual({
      held: false,
      pinned: true,
      canPin: true,
      canDelete: true,
      canBan: true,
    });
  });

  it('offers neither deleting nor banning on the moderator’s own comment', () => {
    const own = allowedOn(comment('c1', { a: 'mod' }), 'mod', []);
    expect(own).toMatchObject({ canDelete: false, canBan: false, pinned: false });
  });

  it('pins no reply and no held comment; a held one can be approved', () => {
    expect(allowedOn(comment('c2', { a: 'bo', pid: 'c1' }), 'mod', []).canPin).toBe(false);
    expect(allowedOn(comment('c3', { a: 'bo', s: 'pending' }), 'mod', [])).toMatchObject({
      held: true,
      canPin: false,
    });
    expect(allowedOn(comment('c4', { a: 'bo', s: 'rejected' }), 'mod', []).held).toBe(true);
  });

  it('bans neither staff nor a deleted account', () => {
    expect(allowedOn(comment('c1', { a: 'bo', ro: 'moderator' }), 'mod', []).canBan).toBe(false);
    expect(allowedOn(comment('c1', { a: null }), 'mod', []).canBan).toBe(false);
  });
});
