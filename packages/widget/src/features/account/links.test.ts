import { describe, expect, it } from 'vitest';
import { type AccountNotification, commentLink, isShownPage, notificationsPath } from './links.js';

const notification = (page_url: string | null): AccountNotification => ({
  id: '0190a000-0000-7000-8000-000000000001',
  type: 'reply',
  comment_id: '0190a000-0000-7000-8000-0000000000c1',
  page_url,
  from_user: { id: 'u1', name: 'Bo', avatar_url: null },
  excerpt: 'Agreed.',
  read: false,
  created_at: 1_741_183_620,
});

describe('a notification’s link', () => {
  it('is the comment’s permalink on its page', () => {
    expect(commentLink(notification('https://blog.example.com/post?id=4'))).toBe(
      'https://blog.example.com/post?id=4#comment-0190a000-0000-7000-8000-0000000000c1',
    );
  });

  it('replaces a hash the stored page URL carries', () => {
    expect(commentLink(notification('https://blog.example.com/post#top'))).toBe(
      'https://blog.example.com/post#comment-0190a000-0000-7000-8000-0000000000c1',
    );
  });

  it('is absent for a page known only by its key', () => {
    expect(commentLink(notification(null))).toBeNull();
  });
});

describe('whether a link stays on the shown page', () => {
  const link = 'https://blog.example.com/post#comment-1';

  it('does when it matches the browser’s address, whatever the hash', () => {
    expect(isShownPage(link, undefined, 'https://blog.example.com/post#comment-2')).toBe(true);
  });

  it('does when it matches the thread’s canonical URL though the address differs', () => {
    expect(isShownPage(link, 'https://blog.example.com/post', 'https://www.example.com/p/4')).toBe(true);
  });

  it('does not for another page, another query or an unreadable URL', () => {
    expect(isShownPage(link, 'https://blog.example.com/other', 'https://blog.example.com/other')).toBe(false);
    expect(isShownPage(link, undefined, 'https://blog.example.com/post?page=2')).toBe(false);
    expect(isShownPage('not a url', 'not a url', 'https://blog.example.com/post')).toBe(false);
  });
});

it('asks the API for a page of notifications by offset and limit', () => {
  expect(notificationsPath(40, 20)).toBe('/v1/notifications?offset=40&limit=20');
});
