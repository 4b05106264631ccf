/** One notification as `GET /v1/notifications` lists it (`api.md`, Users and notifications). */
export interface AccountNotification {
  id: string;
  type: 'reply' | 'mention' | 'upvote';
  comment_id: string;
  /** Null for a page known only by its key: there is no address to go to. */
  page_url: string | null;
  from_user: { id: string; name: string; avatar_url: string | null } | null;
  /** The start of the comment's text; null once it is deleted or hidden. */
  excerpt: string | null;
  read: boolean;
  created_at: number;
}

/** The permalink of a notification's comment, or null when its page has no URL. */
export function commentLink(notification: AccountNotification): string | null {
  if (!notification.page_url) return null;
  const page = notification.page_url.split('#')[0]!;
  return `${page}#comment-${notification.comment_id}`;
}

/**
 * Whether a link leads to the page the widget shows: then only the hash changes
 * (the widget scrolls to the comment) instead of loading the page again. It is
 * the page when it matches the thread's URL or the browser's address, ignoring `#…`.
 */
export function isShownPage(link: string, threadUrl: string | undefined, address: string): boolean {
  const bare = (url: string) => {
    try {
      const parsed = new URL(url);
      parsed.hash = '';
      return parsed.href;
    } catch {
      return null;
    }
  };
  const target = bare(link);
  return (
    target !== null && (target === bare(address) || (threadUrl !== undefined && target === bare(threadUrl)))
  );
}

/** Notifications fetched per page of the panel. */
export const NOTIFICATIONS_PAGE = 20;
/** The API's largest page (a reload after live notifications fetches what is shown in one go). */
export const NOTIFICATIONS_MAX_PAGE = 100;

/** The query of `GET /v1/notifications` for a page of the list. */
export function notificationsPath(offset: number, limit: number): string {
  return `/v1/notifications?${new URLSearchParams({ offset: String(offset), limit: String(limit) })}`;
}
