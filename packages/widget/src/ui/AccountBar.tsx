import type { Strings } from '../i18n/index.js';
import type { Viewer } from '../types.js';

export type Panel = 'signIn' | 'notifications' | 'profile';

interface Props {
  t: Strings;
  viewer: Viewer | null;
  unread: number;
  onOpen(panel: Panel): void;
  onSignOut(): void;
}

/** Who is reading: a sign-in button, or the name with notifications, profile and sign-out. */
export function AccountBar({ t, viewer, unread, onOpen, onSignOut }: Props) {
  if (!viewer) {
    return (
      <p class="tk-row tk-muted">
        <button type="button" class="tk-link" aria-haspopup="dialog" onClick={() => onOpen('signIn')}>
          {t.signIn}
        </button>
      </p>
    );
  }
  return (
    <p class="tk-row tk-muted">
      <span>{t.signedInAs(viewer.name)}</span>
      <button
        type="button"
        class="tk-link"
        aria-haspopup="dialog"
        aria-label={t.notifications(unread)}
        onClick={() => onOpen('notifications')}
      >
        {/* A word rather than a bell glyph: it needs no emoji font, and says what it is. */}
        {t.notifications(0)}
        {unread > 0 && (
          <span class="tk-badge" aria-hidden="true">
            {unread}
          </span>
        )}
      </button>
      <button type="button" class="tk-link" aria-haspopup="dialog" onClick={() => onOpen('profile')}>
        {t.profile}
      </button>
      {viewer.guest && (
        // A guest can make an account of their own (or sign in to one) and keep what they wrote.
        <button type="button" class="tk-link" aria-haspopup="dialog" onClick={() => onOpen('signIn')}>
          {t.createAccount}
        </button>
      )}
      <button type="button" class="tk-link" onClick={onSignOut}>
        {t.signOut}
      </button>
    </p>
  );
}
