import { invalid, notFound, unauthorized } from '../errors.js';
import { siteUrlOrNull } from '../origins.js';
import type { CommentStore } from '../store/comment-store.js';
import { NOTIFICATIONS_KEPT } from '../store/notification-store.js';
import type { SessionStore } from '../store/session-store.js';
import type { UserStore } from '../store/user-store.js';
import type { Site, User, Viewer } from '../types.js';
import type { AccountService, Me } from './account-service.js';
import type { DisplayNames } from './display-names.js';
import type { NotificationService } from './notification-service.js';

export interface PublicProfile {
  id: string;
  name: string;
  avatar_url: string | null;
  karma: number;
  created_at: number;
}

export interface ProfileChanges {
  name?: string | undefined;
  avatar_url?: string | null | undefined;
  email_notifications?: boolean | undefined;
}

const MAX_AVATAR_URL = 500;

/** A commenter's own account: profile, sessions, export and erasure (GDPR). */
export class ProfileService {
  constructor(
    private readonly deps: {
      users: UserStore;
      sessions: SessionStore;
      accounts: AccountService;
      notifications: NotificationService;
      comments: CommentStore;
      names: DisplayNames;
    },
  ) {}

  async update(site: Site, viewer: Viewer & { user?: User | null }, changes: ProfileChanges): Promise<Me> {
    const user = signedIn(viewer);
    const fields: Record<string, string | number> = {};
    if (changes.name !== undefined)
      fields.name = await this.deps.names.accept(site.id, changes.name, user.id);
    if (changes.avatar_url !== undefined) fields.avatar = checkAvatar(changes.avatar_url);
    if (changes.email_notifications !== undefined)
      fields.email_notifications = changes.email_notifications ? 1 : 0;
    await this.deps.users.update(site.id, user.id, fields);
    return this.deps.accounts.me(site.id, (await this.deps.users.get(site.id, user.id))!);
  }

  async publicProfile(site: Site, userId: string): Promise<PublicProfile> {
    const user = await this.deps.users.get(site.id, userId);
    if (!user) throw notFound('No such user.');
    return {
      id: user.id,
      name: user.name,
      avatar_url: user.avatar_url,
      karma: user.karma,
      created_at: user.created_at,
    };
  }

  async sessions(viewer: Viewer & { user?: User | null }) {
    const user = signedIn(viewer);
    const sessions = await this.deps.sessions.list(viewer.siteId, user.id);
    return sessions.map((session) => ({ ...session, current: session.id === viewer.sessionId }));
  }

  async revokeSession(viewer: Viewer & { user?: User | null }, sessionId: string): Promise<void> {
    const user = signedIn(viewer);
    const owned = await this.deps.sessions.list(viewer.siteId, user.id);
    if (!owned.some((session) => session.id === sessionId)) throw notFound('No such session.');
    await this.deps.sessions.revoke(viewer.siteId, sessionId, user.id);
  }

  /** Everything stored about the caller on this site, as one JSON document. */
  async export(site: Site, viewer: Viewer & { user?: User | null }) {
    const user = signedIn(viewer);
    const { comments: store } = this.deps;
    const [me, holdings, sessions, notifications] = await Promise.all([
      this.deps.accounts.me(site.id, user),
      this.deps.users.holdings(site.id, user.id),
      this.deps.sessions.list(site.id, user.id),
      this.deps.notifications.list(site, user.id, { offset: 0, limit: NOTIFICATIONS_KEPT }),
    ]);
    const comments = await store.getMany(site.id, holdings.comments);
    const pageIds = [...new Set(comments.map((c) => c.pg))];
    const [storedUrls, storedReports] = await Promise.all([
      store.pageUrls(site.id, pageIds),
      store.reportsBy(site.id, holdings.reports, user.id),
    ]);
    // A stored URL that is not the site's (from before pages were checked) is left out.
    const urlOf = new Map(pageIds.map((pg, i) => [pg, siteUrlOrNull(storedUrls[i] ?? null, site)]));
    const reports = holdings.reports.map((commentId, i) => {
      const report = storedReports[i];
      return report ? { comment_id: commentId, ...report } : null;
    });
    return {
      exported_at: Math.floor(Date.now() / 1000),
      site: { id: site.id, name: site.name },
      account: me,
      comments: comments.map((c) => ({
        id: c.i,
        page_url: urlOf.get(c.pg) ?? null,
        parent_id: c.pid || null,
        content: c.t,
        content_html: c.h,
        status: c.s,
        upvotes: c.u,
        downvotes: c.d,
        created_at: c.c,
        modified_at: c.m || null,
      })),
      votes: Object.entries(holdings.votes).map(([commentId, direction]) => ({
        comment_id: commentId,
        direction,
      })),
      reports: reports.filter((r) => r !== null),
      sessions,
      sign_in_providers: holdings.identities.map((link) => {
        const at = link.indexOf(':');
        return { provider: link.slice(0, at), subject: link.slice(at + 1) };
      }),
      notifications: notifications.notifications,
    };
  }

  /** Erases the account: personal data, logins, sessions and votes go; comments stay with a "[deleted]" author. */
  async erase(site: Site, viewer: Viewer & { user?: User | null }): Promise<void> {
    const user = signedIn(viewer);
    await this.deps.users.erase(site.id, user.id);
  }
}

function signedIn(viewer: Viewer & { user?: User | null }): User {
  if (!viewer.user) throw unauthorized('Sign in first.');
  return viewer.user;
}

function checkAvatar(url: string | null): string {
  if (url === null || url === '') return '';
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw invalid('avatar_url', 'avatar_url must be an https URL');
  }
  if (parsed.protocol !== 'https:' || url.length > MAX_AVATAR_URL) {
    throw invalid('avatar_url', `avatar_url must be an https URL of at most ${MAX_AVATAR_URL} characters`);
  }
  return parsed.toString();
}
