import { useEffect, useRef, useState } from 'preact/hooks';
import { Avatar } from '../../ui/Avatar.js';
import { Time } from '../../ui/Time.js';
import type { PanelProps } from '../context.js';
import { Dialog } from '../dialog/Dialog.js';
import styles from './account.css?inline';
import type { AccountStrings } from './i18n/index.js';
import {
  type AccountNotification,
  commentLink,
  isShownPage,
  NOTIFICATIONS_MAX_PAGE,
  NOTIFICATIONS_PAGE,
  notificationsPath,
} from './links.js';
import { LoadFailed, useAccountStrings } from './shared.js';

interface NotificationPage {
  notifications: AccountNotification[];
  unread_count: number;
}

/** What happened, in words: "Bo replied to your comment". */
function describe(words: AccountStrings['notifications'], notification: AccountNotification): string {
  if (notification.type === 'upvote') return words.upvote;
  const name = notification.from_user?.name ?? words.someone;
  return notification.type === 'mention' ? words.mention(name) : words.reply(name);
}

/**
 * The bell's panel: replies, mentions and upvotes, newest first, with "mark all
 * read" and older pages. Opening one marks it read and goes to its comment.
 */
export function NotificationsPanel({ ctx, me, setMe, onClose }: PanelProps) {
  // The count the bell shows: live notifications raise it while the panel is open.
  const unread = me?.unread_notifications ?? 0;
  const onUnread = (count: number) =>
    setMe((current) => current && { ...current, unread_notifications: count });
  const words = useAccountStrings(ctx);
  const [items, setItems] = useState<AccountNotification[] | null>(null);
  const [hasMore, setHasMore] = useState(false);
  const [failed, setFailed] = useState(false);
  const [error, setError] = useState(false);
  const [busy, setBusy] = useState(false);
  // The count last reported, so a rise (a live notification) can be told from our own marking.
  const reported = useRef(unread);
  const shown = useRef(0);
  // A reload supersedes older pages still on their way.
  const generation = useRef(0);
  const list = useRef<HTMLUListElement>(null);
  const [focusAt, setFocusAt] = useState<number | null>(null);

  const report = (count: number) => {
    reported.current = count;
    onUnread(count);
  };

  const fetchPage = (offset: number, limit: number) =>
    ctx.api.call<NotificationPage>('GET', notificationsPath(offset, limit));

  /** The newest notifications, as many as are shown (at least a page). */
  const reload = async () => {
    const current = ++generation.current;
    const limit = Math.min(Math.max(shown.current, NOTIFICATIONS_PAGE), NOTIFICATIONS_MAX_PAGE);
    try {
      const page = await fetchPage(0, limit);
      if (current !== generation.current) return;
      shown.current = page.notifications.length;
      setItems(page.notifications);
      setHasMore(page.notifications.length === limit);
      setFailed(false);
      report(page.unread_count);
    } catch {
      if (current === generation.current) setFailed(true);
    }
  };

  const loadMore = async () => {
    const current = generation.current;
    const offset = shown.current;
    setBusy(true);
    setError(false);
    try {
      const page = await fetchPage(offset, NOTIFICATIONS_PAGE);
      if (current !== generation.current) return;
      shown.current = offset + page.notifications.length;
      setItems((before) => [...(before ?? []), ...page.notifications]);
      setHasMore(page.notifications.length === NOTIFICATIONS_PAGE);
      // The button may go away: focus moves to the first notification added.
      if (page.notifications.length > 0) setFocusAt(offset);
      report(page.unread_count);
    } catch {
      setError(true);
    } finally {
      setBusy(false);
    }
  };

  useEffect(() => {
    void reload();
  }, []);

  // A notification arrived live while the panel is open: show it.
  useEffect(() => {
    if (unread > reported.current) void reload();
    reported.current = unread;
  }, [unread]);

  useEffect(() => {
    if (focusAt === null) return;
    list.current?.children[focusAt]?.querySelector<HTMLElement>('a, button')?.focus();
    setFocusAt(null);
  }, [focusAt]);

  const markAllRead = async () => {
    setBusy(true);
    setError(false);
    try {
      await ctx.api.call('POST', '/v1/notifications/read', {});
      setItems((before) => (before ?? []).map((item) => ({ ...item, read: true })));
      report(0);
    } catch {
      setError(true);
    } finally {
      setBusy(false);
    }
  };

  const markRead = async (notification: AccountNotification) => {
    if (notification.read) return;
    try {
      await ctx.api.call('POST', '/v1/notifications/read', { ids: [notification.id] });
      setItems((before) =>
        (before ?? []).map((item) => (item.id === notification.id ? { ...item, read: true } : item)),
      );
      report(Math.max(0, reported.current - 1));
    } catch {
      // Still unread on the server: the count stays, and going to the comment matters more.
    }
  };

  const open = async (event: MouseEvent, notification: AccountNotification, link: string | null) => {
    // A new tab or window (Ctrl, ⌘, Shift): the browser opens it; this one only marks it read.
    if (link && (event.ctrlKey || event.metaKey || event.shiftKey)) {
      void markRead(notification);
      return;
    }
    event.preventDefault();
    if (!link) return void markRead(notification);
    if (isShownPage(link, ctx.page.url, location.href)) {
      void markRead(notification);
      onClose();
      // The widget follows `hashchange` to its permalinks; the same hash again fires none, so fire one.
      const hash = `#comment-${notification.comment_id}`;
      if (location.hash === hash) setTimeout(() => dispatchEvent(new HashChangeEvent('hashchange')));
      else location.hash = hash;
      return;
    }
    // Leaving the page would cancel the request: mark it read first.
    await markRead(notification);
    location.assign(link);
  };

  if (!words) return null;
  const t = words.notifications;
  return (
    <Dialog title={t.title} closeLabel={words.close} onClose={onClose}>
      <style>{styles}</style>
      <p class="tk-muted" role="status">
        {items ? t.unread(unread) : failed ? '' : t.loading}
      </p>
      {failed && <LoadFailed message={t.failed} retry={ctx.t.retry} onRetry={() => void reload()} />}
      {items && items.length === 0 && <p>{t.empty}</p>}
      {items && items.length > 0 && (
        <>
          <p class="tk-row">
            <button type="button" disabled={busy || unread === 0} onClick={() => void markAllRead()}>
              {t.markAllRead}
            </button>
          </p>
          <ul class="tk-notes" ref={list}>
            {items.map((notification) => {
              const link = commentLink(notification);
              const from = notification.from_user;
              const content = (
                <>
                  {from ? (
                    <Avatar name={from.name} url={from.avatar_url} />
                  ) : (
                    <span class="tk-face tk-upvoted" aria-hidden="true">
                      ▲
                    </span>
                  )}
                  <span class="tk-note-text">{describe(t, notification)}</span>
                  {notification.excerpt && <span class="tk-excerpt">{notification.excerpt}</span>}
                  <span class="tk-row">
                    <Time t={ctx.t} at={notification.created_at} />
                    {!notification.read && <span class="tk-badge">{t.new}</span>}
                  </span>
                </>
              );
              return (
                <li key={notification.id} class={`tk-note${notification.read ? '' : ' tk-unread'}`}>
                  {link ? (
                    <a href={link} onClick={(event) => void open(event, notification, link)}>
                      {content}
                    </a>
                  ) : (
                    <button type="button" onClick={(event) => void open(event, notification, null)}>
                      {content}
                    </button>
                  )}
                </li>
              );
            })}
          </ul>
        </>
      )}
      {hasMore && (
        <button type="button" disabled={busy} onClick={() => void loadMore()}>
          {t.loadMore}
        </button>
      )}
      {error && (
        <p role="alert" class="tk-error">
          {ctx.t.error}
        </p>
      )}
    </Dialog>
  );
}
