import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { ApiClient, ApiError } from '../api.js';
import type { Strings } from '../i18n/index.js';
import { LiveClient, type LiveStatus } from '../live.js';
import {
  addOwn,
  applyLive,
  castVote,
  emptyThread,
  loadPage,
  removeOwn,
  replaceOwn,
  revealUnseen,
  settleVote,
  type ThreadState,
  typists,
} from '../thread.js';
import { SORTS, type Sort, type Viewer } from '../types.js';
import { type CommentActions, CommentItem } from './CommentItem.js';
import { Composer } from './Composer.js';

export interface AppConfig {
  apiUrl: string;
  wsUrl: string;
  projectId: string;
  page: { url?: string; key?: string };
  strings: Strings;
}

const SORT_KEY = 'threadkit:sort';
/** Typing is sent about once a second while the user types (`api.md`). */
const TYPING_EVERY_MS = 1000;

function storedSort(): Sort {
  try {
    const value = localStorage.getItem(SORT_KEY);
    return SORTS.includes(value as Sort) ? (value as Sort) : 'new';
  } catch {
    return 'new';
  }
}

/** The whole widget: the thread, the comment box and live updates. */
export function App({ config }: { config: AppConfig }) {
  const t = config.strings;
  const [viewer, setViewer] = useState<Viewer | null>(null);
  const api = useMemo(() => new ApiClient(config.apiUrl, config.projectId, setViewer), [config]);
  const [thread, setThread] = useState<ThreadState>(() => emptyThread(storedSort()));
  const [status, setStatus] = useState<'loading' | 'ready' | 'unavailable'>('loading');
  const [live, setLive] = useState<LiveStatus>('connecting');
  const [now, setNow] = useState(Date.now());
  const [fresh, setFresh] = useState<string[]>([]);
  const liveRef = useRef<LiveClient | null>(null);
  const threadRef = useRef(thread);
  threadRef.current = thread;
  const lastTyping = useRef(0);

  useEffect(() => setViewer(api.viewer), [api]);

  // A permalink (`#comment-<id>`) brings its comment into view once the thread is there.
  const list = useRef<HTMLUListElement>(null);
  useEffect(() => {
    if (status !== 'ready') return;
    const jump = () => {
      const id = /^#comment-([\w-]+)$/.exec(location.hash)?.[1];
      const target = id ? list.current?.querySelector<HTMLElement>(`#comment-${id}`) : null;
      if (!target) return;
      target.tabIndex = -1;
      target.scrollIntoView({ block: 'center' });
      target.focus({ preventScroll: true });
    };
    jump();
    window.addEventListener('hashchange', jump);
    return () => window.removeEventListener('hashchange', jump);
  }, [status]);

  const load = async (sort: Sort) => {
    try {
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
    void load(thread.sort).then((pageId) => {
      if (!pageId || cancelled) return;
      client = new LiveClient({
        url: config.wsUrl,
        projectId: config.projectId,
        token: () => api.token,
        pageId,
        since: () => threadRef.current.lastEventId,
        onStatus: setLive,
        onMessage: (message) => {
          if (message.method === 'reset') void load(threadRef.current.sort);
          else setThread((current) => applyLive(current, message, api.viewer?.id ?? null, Date.now()));
        },
      });
      liveRef.current = client;
    });
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
    try {
      localStorage.setItem(SORT_KEY, sort);
    } catch {
      // Not remembered; still applied.
    }
    setThread((current) => ({ ...current, sort }));
    void load(sort);
  };

  const guest = async (name: string) => {
    await api.signInAsGuest(name);
    liveRef.current?.restart();
  };

  const actions: CommentActions = {
    vote: (id, direction) => {
      setThread((current) => castVote(current, id, direction));
      api
        .vote(id, direction)
        .then((answer) => setThread((current) => settleVote(current, id, answer)))
        .catch(() => void load(threadRef.current.sort));
    },
    edit: async (id, text) => {
      const comment = await api.edit(id, text);
      setThread((current) => replaceOwn(current, comment));
    },
    report: (id, reason) => api.report(id, reason),
    remove: async (id) => {
      await api.remove(id);
      setThread((current) => removeOwn(current, id));
    },
    reply: async (parentId, text) => {
      const comment = await api.post(config.page, text, parentId);
      setThread((current) => addOwn(current, comment));
    },
    guest,
    typing: (replyTo) => {
      const at = Date.now();
      if (at - lastTyping.current < TYPING_EVERY_MS || !thread.pageId || !api.viewer) return;
      lastTyping.current = at;
      liveRef.current?.send('typing', { page_id: thread.pageId, reply_to: replyTo });
    },
  };

  if (status === 'loading') {
    return (
      <div class="tk" aria-busy="true">
        <div class="tk-skeleton" />
        <div class="tk-skeleton" />
      </div>
    );
  }
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
      {viewer && (
        <p class="tk-muted">
          {t.signedInAs(viewer.name)}{' '}
          <button
            type="button"
            class="tk-link"
            onClick={() => void api.signOut().then(() => liveRef.current?.restart())}
          >
            {t.signOut}
          </button>
        </p>
      )}
      {thread.locked ? (
        <p class="tk-status">{t.locked}</p>
      ) : (
        <Composer
          t={t}
          viewer={viewer}
          onGuest={guest}
          onTyping={() => actions.typing(null)}
          onSubmit={async (text) => {
            const comment = await api.post(config.page, text).catch((error: unknown) => {
              throw error instanceof ApiError ? new Error(error.message) : error;
            });
            setThread((current) => addOwn(current, comment));
          }}
        />
      )}
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
              id={id}
              thread={thread}
              viewer={viewer}
              actions={actions}
              fresh={fresh.includes(id)}
            />
          ))}
        </ul>
      )}
      {thread.nextCursor && (
        <button
          type="button"
          onClick={() =>
            void api
              .thread(config.page, thread.sort, thread.nextCursor)
              .then((page) => setThread((current) => loadPage(current, page, true)))
          }
        >
          {t.loadMore}
        </button>
      )}
    </section>
  );
}
