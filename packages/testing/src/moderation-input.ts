import {
  DEFAULT_SETTINGS,
  type ModerationInput,
  renderMarkdown,
  type SiteSettings,
  type User,
} from '@threadkit/core';

/**
 * A new comment as the spam and abuse checks see it, for unit tests of the
 * steps: a guest on a site with the default settings, unless told otherwise.
 */
export function moderationInput(
  options: {
    content?: string;
    settings?: Partial<SiteSettings>;
    author?: Partial<User>;
    form?: ModerationInput['form'];
    client?: Partial<ModerationInput['client']>;
    site?: { id?: string; domain?: string | null };
    pageUrl?: string | null;
  } = {},
): ModerationInput {
  const content = options.content ?? 'A perfectly ordinary comment.';
  return {
    site: {
      id: options.site?.id ?? '00000000-0000-4000-8000-000000000001',
      name: 'Test blog',
      domain: options.site?.domain === undefined ? 'blog.example.com' : options.site.domain,
      settings: { ...DEFAULT_SETTINGS, ...options.settings },
      created_at: 0,
    },
    author: {
      id: '00000000-0000-4000-8000-000000000002',
      name: 'Ada',
      avatar_url: null,
      karma: 0,
      role: 'user',
      guest: true,
      created_at: 0,
      email: null,
      phone: null,
      email_verified: false,
      phone_verified: false,
      email_notifications: false,
      ...options.author,
    },
    page: {
      id: '00000000-0000-4000-8000-000000000003',
      url: options.pageUrl === undefined ? 'https://blog.example.com/hello' : options.pageUrl,
      key: null,
    },
    content,
    html: renderMarkdown(content),
    parentId: null,
    client: { ip: '203.0.113.7', userAgent: 'Mozilla/5.0 (test)', referrer: null, ...options.client },
    form: options.form ?? {},
  };
}
