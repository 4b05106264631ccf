import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiClient, type Me } from '../api.js';
import type { Viewer } from '../types.js';

/** Who is reading: the API client that holds their token, the viewer it names, and their account. */
export interface Session {
  api: ApiClient;
  viewer: Viewer | null;
  /** The account behind the token (role, name, unread notifications); null until it is read. */
  me: Me | null;
  setMe(change: (me: Me | null) => Me | null): void;
  /** What to do when another tab of the site signs in or out. */
  elsewhere: { current: () => void };
}

/** The reader's session, for the widget's life (a new page is a new render). */
export function useSession(apiUrl: string, projectId: string): Session {
  const [viewer, setViewer] = useState<Viewer | null>(null);
  // Signing in or out in another tab: this tab's thread (own votes, pending comments) and socket follow.
  const elsewhere = useRef(() => {});
  const [api] = useState(
    () =>
      new ApiClient(apiUrl, projectId, (next, inOtherTab) => {
        setViewer(next);
        if (inOtherTab) elsewhere.current();
      }),
  );
  useEffect(() => () => api.close(), [api]);
  const [me, setMe] = useState<Me | null>(null);
  useEffect(() => setViewer(api.viewer), [api]);
  // The account behind the token: role (moderator tools) and unread notifications.
  useEffect(() => {
    setMe(null);
    if (viewer) void api.me().then(setMe, () => {});
  }, [viewer?.id]);
  return { api, viewer, me, setMe, elsewhere };
}

/** The viewer with their account's own name once it is known: a rename (here or on another device) shows at once. */
export const shownViewer = (viewer: Viewer | null, me: Me | null): Viewer | null =>
  viewer && me ? { ...viewer, name: me.name } : viewer;

/** The account once a notification has come live. */
export const oneMoreUnread = (me: Me | null): Me | null =>
  me && { ...me, unread_notifications: me.unread_notifications + 1 };
