import { describe, expect, it } from 'vitest';
import type { Me } from '../api.js';
import { oneMoreUnread, shownViewer } from './session.js';

const viewer = { id: 'u1', name: 'Old name', guest: false };

function account(extra: Partial<Me> = {}): Me {
  return {
    id: 'u1',
    name: 'New name',
    email: null,
    phone: null,
    avatar_url: null,
    email_verified: false,
    phone_verified: false,
    karma: 0,
    role: 'user',
    guest: false,
    created_at: 1_700_000_000,
    unread_notifications: 2,
    email_notifications: true,
    ...extra,
  };
}

describe('the viewer the account bar shows', () => {
  it('takes the account’s name once the account is read, keeping the rest', () => {
    expect(shownViewer(viewer, account())).toEqual({ id: 'u1', name: 'New name', guest: false });
  });

  it('is the token’s viewer until then, and nobody when nobody is signed in', () => {
    expect(shownViewer(viewer, null)).toBe(viewer);
    expect(shownViewer(null, account())).toBeNull();
  });
});

describe('a notification arriving live', () => {
  it('counts one more unread, and changes nothing else', () => {
    const before = account();
    const after = oneMoreUnread(before);
    expect(after).toEqual({ ...before, unread_notifications: 3 });
    expect(before.unread_notifications).toBe(2);
  });

  it('leaves an account not read yet as it is', () => {
    expect(oneMoreUnread(null)).toBeNull();
  });
});
