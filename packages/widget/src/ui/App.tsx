import type { ComponentType } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiClient, type Me } from '../api.js';
import type { FeatureContext, PanelProps } from '../features/context.js';
import type { Language, StringOverrides, Strings } from '../i18n/index.js';
import type { LiveClient, LiveStatus } from '../live.js';
import {
  addComment,
  applyLive,
  castVote,
  emptyThread,
  loadPage,
  removeComment,
  replaceOwn,
  revealUnseen,
  settleVote,
  type ThreadState,
  typists,
} from '../thread.js';
import { SORTS, type Sort, type Viewer } from '../types.js';
import { AccountBar, type Panel } from './AccountBar.js';
import { type CommentActions, CommentItem } from './CommentItem.js';
import { Composer } from './Composer.js';
import { useLazy } from './lazy.js';
import { Skeleton } from './Skeleton.js';
import { rememberSort, storedSort } from './sort.js';

interface AppConfig {
  apiUrl: string;
  wsUrl: string;
  projectId: string;
  page: { url?: string; key?: string };
  lang: Language;
  strings: Strings;
  /** The site's string overrides, for the lazy features' words. */
  overrides?: StringOverrides;
}

/** The dialogs, each in its feature's chunk, fetched the first time it is opened. */
const PANELS: Record<Panel, () => Promise<ComponentType<PanelProps>>> = {
  signIn: () => import('../features/signin/index.js').then((m) => m.SignInDialog),
  notifications: () => import('../features/account/index.js').then((m) => m.NotificationsPanel),
  profile: () => import('../features/account/index.js').then((m) => m.ProfileDialog),
};
/** Typing is sent about once a second while the user types (`api.md`). */
const TYPING_EVERY_MS = 1000;

/** The whole widget: the thread, the comment box and live updates. */
export function App({ config }: { config: AppConfig }) {
  const t = config.strings;
  const [viewer, setViewer] = useState<Viewer | null>(null);
  // Signing in or out in another tab: this tab's thread (own votes, pending comments) and socket follow.
  const elsewhere = useRef(() => {});
  // One client and one feature context for the widget's life (a new page is a new render).
  const [api] = useState(
    () =>
      new ApiClient(config.apiUrl, config.projectId, (next, inOtherTab) => {
        setViewer(next);
        if (inOtherTab) elsewhere.current();
      }),
  );
  useEffect(() => () => api.close(), [api]);
  const [me, setMe] = useState<Me | null>(null);
  // The open dialog (a lazy chunk's component); `setOpen` takes a function, so each is wrapped.
  const [Open, setOpen] = useState<ComponentType<PanelProps> | null>(null);
  const openPanel = (name: Panel) =>
    PANELS[name]().then((component) => setOpen(() => component), console.warn);
  const [feature] = useState<FeatureContext>(() => ({ ...config, api, t }));
  const moderating = me?.role === 'moderator' || me?.role === 'admin';
  const moderation = useLazy(() => import('../features/moderation/index.js'), moderating);
  const [thread, setThread] = useState<ThreadState>(() => emptyThread(storedSort()));
  const [status, setStatus] = useState<'loading' | 'ready' | 'unavailable'>('loading');
  const [live, setLive] = useState<LiveStatus>('connecting');
  const [now, setNow] = useState(Date.now());
  const [fresh, setFresh] = useState<string[]>([]);
  const liveRef = useRef<LiveClient | null>(null);
  const threadRef = useRef(thread);
  threadRef.current = thread;
  const lastTyping = useRef(0);
  const voting = useRef(new Set<string>());
  const readAt = useRef(0);
  const [guests, setGuests] = useState(true);
  const methodsAsked = useRef(false);

  useEffect(() => setViewer(api.viewer), [api]);
  // The account behind the token: role (moderator tools) and unread notifications.
  useEffect(() => {
    setMe(null);
    if (viewer) void api.me().then(setMe, () => {});
  }, [viewer?.id]);

  // A permalink (`#comment-<id>`) brings its comment into view once the thread is there;
  // the code that finds it (loading further pages when needed) comes only with such a link.
  const list = useRef<HTMLUListElement>(null);
  useEffect(() => {
    if (status !== 'ready') return;
    const follow = () => {
      if (location.hash.startsWith('#comment-'))
        void import('../features/permalink.js').then((m) => m.jump(() => list.current, loadMore));
    };
    follow();
    addEventListener('hashchange', follow);
    return () => removeEventListener('hashchange', follow);
  }, [status]);

  /** The next page of root comments, if there is one. */
  const loadMore = async () => {
    const { nextCursor, sort } = threadRef.current;
    if (!nextCursor) return false;
    const page = await api.thread(config.page, sort, nextCursor);
    setThread((current) => loadPage(current, page, true));
    return true;
  };

  const load = async (sort: Sort) => {
    try {
      readAt.current = performance.now();
      const page = await api.thread(config.page, sort);
      setThread((current) => loadPage({ ...current, sort }, page, false));
      setStatus('ready');
      return page.page_id;
    } catch {
      setStatus('unavailable');
      return null;
    }
  };

  useEffect(() => {
    let client: LiveClient | null = null;
    let cancelled = false;
    // Live updates come after the thread: their code is fetched alongside it, outside the first load.
    void Promise.all([load(thread.sort), import('../live.js')]).then(([pageId, { LiveClient }]) => {
      if (!pageId || cancelled) return;
      client = new LiveClient({
        url: config.wsUrl,
        projectId: config.projectId,
        token: () => api.token,
        pageId,
        since: () => threadRef.current.lastEventId,
        readAt: () => readAt.current,
        onStatus: setLive,
        onMessage: (message) => {
          if (message.method === 'reset') void load(threadRef.current.sort);
          else if (message.method === 'notification')
            setMe(
              (current) => current && { ...current, unread_notifications: current.unread_notifications + 1 },
            );
          else setThread((current) => applyLive(current, message, api.viewer?.id ?? null, Date.now()));
        },
      });
      liveRef.current = client;
    }, console.warn);
    return () => {
      cancelled = true;
      client?.destroy();
    };
  }, [api]);

  // Typing indicators fade by themselves.
  useEffect(() => {
    if (Object.keys(thread.typing).length === 0) return;
    const timer = setInterval(() => setNow(Date.now()), 500);
    return () => clearInterval(timer);
  }, [thread.typing]);

  const changeSort = (sort: Sort) => {
    rememberSort(sort);
    setThread((current) => ({ ...current, sort }));
    void load(sort);
  };

  const guest = async (name: string) => {
    await api.signInAsGuest(name);
    liveRef.current?.restart();
  };
  // A new viewer sees the thread as theirs (votes, pending comments) and gets their own live channel.
  const reconnect = () => {
    void load(threadRef.current.sort);
    liveRef.current?.restart();
  };
  elsewhere.current = reconnect;
  const close = () => setOpen(null);

  const actions: CommentActions = {
    vote: (id, direction) => {
      // One vote per comment in flight: answers to quick double clicks could settle out of order.
      if (voting.current.has(id)) return;
      voting.current.add(id);
      setThread((current) => castVote(current, id, direction));
      api
        .vote(id, direction)
        .then((answer) => setThread((current) => settleVote(current, id, answer)))
        .catch(() => void load(threadRef.current.sort))
        .finally(() => voting.current.delete(id));
    },
    edit: async (id, text) => {
      const comment = await api.edit(id, text);
      setThread((current) => replaceOwn(current, comment));
    },
    remove: async (id) => {
      await api.remove(id);
      setThread((current) => removeComment(current, id));
    },
    reply: async (parentId, text, form) => {
      const comment = await api.post(config.page, text, parentId, form);
      setThread((current) => addComment(current, comment, true));
    },
    moreReplies: (id) =>
      import('../features/replies.js').then((m) => m.showMore(api, id, threadRef, setThread)),
    guest,
    signIn: () => void openPanel('signIn'),
    guests,
    checkGuests: () => {
      if (methodsAsked.current) return;
      methodsAsked.current = true;
      api.call<{ methods: string[] }>('GET', '/v1/auth/methods').then(
        (answer) => setGuests(answer.methods.includes('guest')),
        () => {},
      );
    },
    typing: (replyTo) => {
      const at = Date.now();
      if (at - lastTyping.current < TYPING_EVERY_MS || !thread.pageId || !api.viewer) return;
      lastTyping.current = at;
      liveRef.current?.send('typing', { page_id: thread.pageId, reply_to: replyTo });
    },
  };

  if (status === 'loading') return <Skeleton />;
  if (status === 'unavailable') {
    return (
      <div class="tk tk-status" role="alert">
        <p>{t.unavailable}</p>
        <button type="button" onClick={() => void load(thread.sort)}>
          {t.retry}
        </button>
      </div>
    );
  }

  const typing = typists(thread, now);
  const pinned = thread.pinned.filter((id) => thread.byId[id]);
  const roots = [...pinned, ...thread.roots.filter((id) => !pinned.includes(id))];
  return (
    <section class="tk" aria-label={t.conversation}>
      <div class="tk-bar">
        <h2 class="tk-count">{t.comments(thread.total)}</h2>
        <span class="tk-muted">{thread.presence.count > 0 ? t.here(thread.presence.count) : ''}</span>
        <label class="tk-muted">
          {t.sortBy}{' '}
          <select
            value={thread.sort}
            onChange={(event) => changeSort((event.target as HTMLSelectElement).value as Sort)}
          >
            {SORTS.map((sort) => (
              <option key={sort} value={sort}>
                {t.sort[sort]}
              </option>
            ))}
          </select>
        </label>
      </div>
      <AccountBar
        t={t}
        // The account's own name once known: a rename (here or on another device) shows at once.
        viewer={viewer && me ? { ...viewer, name: me.name } : viewer}
        unread={me?.unread_notifications ?? 0}
        onOpen={openPanel}
        onSignOut={() => void api.signOut().then(reconnect)}
      />
      {Open && (
        <Open
          ctx={feature}
          me={me}
          setMe={setMe}
          onClose={close}
          onSession={() => {
            close();
            reconnect();
          }}
        />
      )}
      {moderation && <moderation.PageTools ctx={feature} thread={thread} update={setThread} />}
      {thread.locked && <p class="tk-status">{t.locked}</p>}
      {/* Kept while comments are closed, only hidden: a draft survives a moderator closing and reopening the page. */}
      <div hidden={thread.locked}>
        <Composer
          t={t}
          ctx={feature}
          viewer={viewer}
          commenting={actions}
          onTyping={() => actions.typing(null)}
          onSubmit={async (text, form) => {
            const comment = await api.post(config.page, text, undefined, form);
            setThread((current) => addComment(current, comment, true));
          }}
        />
      </div>
      <p class="tk-muted" aria-live="polite">
        {typing.length > 0 ? t.typing(typing) : ''}
        {live === 'paused' ? t.livePaused : ''}
      </p>
      {thread.unseen.length > 0 && (
        <button
          type="button"
          class="tk-banner"
          aria-live="polite"
          onClick={() => {
            setFresh(thread.unseen);
            setThread(revealUnseen);
          }}
        >
          {t.newComments(thread.unseen.length)}
        </button>
      )}
      {roots.length === 0 ? (
        <p class="tk-muted">{t.empty}</p>
      ) : (
        <ul class="tk-list" ref={list}>
          {roots.map((id) => (
            <CommentItem
              key={id}
              t={t}
              ctx={feature}
              id={id}
              thread={thread}
              viewer={viewer}
              actions={actions}
              fresh={fresh.includes(id)}
              tools={
                moderation &&
                ((comment) => (
                  <moderation.ModTools ctx={feature} comment={comment} thread={thread} update={setThread} />
                ))
              }
            />
          ))}
        </ul>
      )}
      {thread.nextCursor && (
        <button type="button" onClick={() => void loadMore()}>
          {t.loadMore}
        </button>
      )}
      {thread.poweredBy && (
        <p class="tk-muted">
          <a href={thread.poweredBy} target="_blank" rel="noopener">
            Powered by ThreadKit
          </a>
        </p>
      )}
    </section>
  );
}
