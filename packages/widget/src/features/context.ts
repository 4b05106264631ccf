import type { ApiClient, Me } from '../api.js';
import type { Language, StringOverrides, Strings } from '../i18n/index.js';

/** What every lazy feature is given: the API, and the widget's language and words. */
export interface FeatureContext {
  api: ApiClient;
  lang: Language;
  /** The first-load words (shared labels such as Cancel). */
  t: Strings;
  /** The site's overrides; a feature applies the group under its own name. */
  overrides?: StringOverrides;
  /** The page the widget shows (`page_url` / `page_key`). */
  page: { url?: string; key?: string };
  /** The HTTP API's base URL: OAuth sign-in opens a popup there, and only its origin may answer. */
  apiUrl: string;
  /** The site's public key, for URLs that cannot carry it in a header (the OAuth popup). */
  projectId: string;
  /** Who wrote the page, as the site says (`data-page-author`): their comments get an author badge. */
  pageAuthors: readonly string[];
}

/** What the app gives each of its dialogs (sign-in, notifications, profile), all alike. */
export interface PanelProps {
  ctx: FeatureContext;
  /** The signed-in account as the app knows it; null when nobody is signed in (or not loaded yet). */
  me: Me | null;
  /** Changes the account the app shows (a new name, the unread count). */
  setMe(change: (me: Me | null) => Me | null): void;
  onClose(): void;
  /** The viewer changed (signed in, or the account is gone): the app closes the dialog, rereads the thread and reconnects. */
  onSession(): void;
}
