import { useState } from 'preact/hooks';
import type { FeatureContext } from '../features/context.js';
import type { Language, StringOverrides, Strings } from '../i18n/index.js';
import { AccountBar } from './AccountBar.js';
import { CommentList } from './CommentList.js';
import { Composer } from './Composer.js';
import { useCommentActions } from './comment-actions.js';
import { useLazy } from './lazy.js';
import { usePanel } from './panels.js';
import { Skeleton } from './Skeleton.js';
import { oneMoreUnread, shownViewer, useSession } from './session.js';
import { Toolbar } from './Toolbar.js';
import { useThreadView } from './thread-view.js';
import { Unavailable } from './Unavailable.js';

interface AppConfig {
  apiUrl: string;
  wsUrl: string;
  projectId: string;
  page: { url?: string; key?: string };
  pageAuthors: readonly string[];
  lang: Language;
  strings: Strings;
  /** The site's string overrides, for the lazy features' words. */
  overrides?: StringOverrides;
}

/** The whole widget: the thread, the comment box and live updates. */
export function App({ config }: { config: AppConfig }) {
  const t = config.strings;
  const { api, viewer, me, setMe, elsewhere } = useSession(config.apiUrl, config.projectId);
  // One feature context for the widget's life (a new page is a new render).
  const [feature] = useState<FeatureContext>(() => ({ ...config, api, t }));
  const panel = usePanel();
  const moderating = me?.role === 'moderator' || me?.role === 'admin';
  const moderation = useLazy(() => import('../features/moderation/index.js'), moderating);
  const view = useThreadView(api, config, () => setMe(oneMoreUnread));
  const actions = useCommentActions(api, config.page, view, () => void panel.open('signIn'));
  elsewhere.current = view.reconnect;

  if (view.status === 'loading') return <Skeleton />;
  if (view.status === 'unavailable') return <Unavailable t={t} onRetry={view.reload} />;
  const { thread, update } = view;
  return (
    <section class="tk" aria-label={t.conversation}>
      <Toolbar t={t} thread={thread} onSort={view.sortBy} />
      <AccountBar
        t={t}
        viewer={shownViewer(viewer, me)}
        unread={me?.unread_notifications ?? 0}
        onOpen={panel.open}
        onSignOut={() => void api.signOut().then(view.reconnect)}
      />
      {panel.Open && (
        <panel.Open
          ctx={feature}
          me={me}
          setMe={setMe}
          onClose={panel.close}
          onSession={() => {
            panel.close();
            view.reconnect();
          }}
        />
      )}
      {moderation && <moderation.PageTools ctx={feature} thread={thread} update={update} />}
      {thread.locked && <p class="tk-status">{t.locked}</p>}
      {/* Kept while comments are closed, only hidden: a draft survives a moderator closing and reopening the page. */}
      <div hidden={thread.locked}>
        <Composer
          t={t}
          ctx={feature}
          viewer={viewer}
          commenting={actions}
          onTyping={() => actions.typing(null)}
          onSubmit={actions.post}
        />
      </div>
      {view.Activity ? (
        <view.Activity t={t} thread={thread} live={view.live} />
      ) : (
        <p class="tk-muted" aria-live="polite" />
      )}
      <CommentList
        t={t}
        ctx={feature}
        view={view}
        viewer={viewer}
        actions={actions}
        moderation={moderation}
      />
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
