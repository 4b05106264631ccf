import { forbidden, invalid, unauthorized } from '../errors.js';
import type { EventBus } from '../events.js';
import { siteUrlOrNull } from '../origins.js';
import type { PageRef } from '../page-identity.js';
import type {
  AuditEntry,
  ModerationStore,
  ReportRecord,
  ScanPosition,
  UserList,
} from '../store/moderation-store.js';
import type { UserStore } from '../store/user-store.js';
import { type CommentView, RANK, type Site, type User, type Viewer } from '../types.js';
import { authorRow, toView } from './comment-views.js';
import type { UsageRecorder } from './usage-recorder.js';

export type ModeratedComment = CommentView & { page_url: string | null; hold_reason: string | null };

/** A banned or shadow-banned user as the lists show them; `email` only to admins and the owner. */
export interface ListedUser {
  id: string;
  name: string;
  avatar_url: string | null;
  guest: boolean;
  role: User['role'];
  email?: string | null;
}

/** Who may act, by the seed's hierarchy: owner > admin > moderator > user > anonymous. */
export function requireRole(viewer: Viewer, least: 'moderator' | 'admin' | 'owner'): void {
  if (viewer.role === 'anonymous') throw unauthorized('Sign in first.');
  if (RANK[viewer.role] < RANK[least]) {
    throw forbidden(
      least === 'owner'
        ? 'Only the site owner can do this.'
        : `Only ${least === 'admin' ? 'admins' : 'moderators'} can do this.`,
    );
  }
}

/**
 * Who the audit log names: a commenter by their user id, the owner through the
 * dashboard (an owner token) as `owner:<the dashboard's owner id>`, and the
 * secret key (or the CLI) as `owner`.
 */
const actorOf = (viewer: Viewer) =>
  viewer.ownerId !== undefined ? `owner:${viewer.ownerId}` : (viewer.userId ?? 'owner');

/**
 * Moderators' actions: the review queue and reports, approve and reject, bans
 * and shadow-bans, locks, roles. Every action is written to the site's audit
 * log, and visible effects are published as events (an approved comment
 * appears live then, not before). Nobody acts on someone of their own rank or
 * above (their role, bans, shadow-bans, comments): the store's scripts check
 * the target's rank in the same step as the change.
 */
export class ModerationService {
  constructor(
    private readonly deps: {
      store: ModerationStore;
      users: UserStore;
      events: EventBus;
      /** Told when an action changes what many pages show (shadow-bans, roles), to refresh local caches. */
      onSiteChanged?: (siteId: string) => void;
      /** Counts moderators' decisions on comments. */
      usage?: Pick<UsageRecorder, 'recordDecision'>;
    },
  ) {}

  async queue(site: Site, viewer: Viewer, page: { offset: number; limit: number }) {
    requireRole(viewer, 'moderator');
    const { ids, total } = await this.deps.store.page(site.id, 'modqueue', page.offset, page.limit);
    return { comments: await this.views(site, ids), total };
  }

  async reports(site: Site, viewer: Viewer, page: { offset: number; limit: number }) {
    requireRole(viewer, 'moderator');
    const { ids, total } = await this.deps.store.page(site.id, 'reports', page.offset, page.limit);
    const comments = await this.views(site, ids);
    const reports = await Promise.all(comments.map((c) => this.deps.store.reportsOf(site.id, c.i)));
    return {
      reports: comments.map((comment, i) => ({
        comment,
        count: reports[i]!.length,
        reports: reports[i]! as ReportRecord[],
      })),
      total,
    };
  }

  async decide(
    site: Site,
    viewer: Viewer,
    commentIds: string[],
    action: 'approve' | 'reject',
  ): Promise<void> {
    requireRole(viewer, 'moderator');
    for (const id of commentIds) {
      const { pageId, before, comment, wasPublic, isPublic } = await this.deps.store.decide(
        site.id,
        id,
        action,
        Math.floor(Date.now() / 1000),
        { id: viewer.userId, rank: RANK[viewer.role] },
      );
      this.deps.usage?.recordDecision(site.id, action);
      const author = await this.deps.users.get(site.id, comment.a);
      const view = toView(comment, author ? authorRow(author) : undefined);
      // The owner's webhooks hear of every decision that changed the comment's status.
      if (before !== comment.s)
        await this.deps.events.emit({
          type: action === 'approve' ? 'comment.approved' : 'comment.rejected',
          siteId: site.id,
          pageId,
          comment: view,
        });
      if (action === 'approve' && before !== 'approved') {
        // Now it is published: readers see it live, and replies and mentions in it notify.
        await this.deps.events.emit({
          type: 'comment.created',
          siteId: site.id,
          pageId,
          // A shadow-banned author's comment, approved, is still only theirs and moderators' to see.
          audience: isPublic ? { public: true } : { public: false, user_id: comment.a },
          comment: view,
          again: true,
        });
      } else if (action === 'reject' && before !== 'rejected') {
        await this.deps.events.emit({
          type: 'comment.deleted',
          siteId: site.id,
          pageId,
          audience: wasPublic ? { public: true } : { public: false, user_id: comment.a },
          commentId: id,
        });
      }
      await this.audit(site, viewer, `${action}_comment`, id);
    }
  }

  async ban(
    site: Site,
    viewer: Viewer,
    userId: string,
    options: { deleteComments: boolean; reason?: string | undefined },
  ) {
    requireRole(viewer, 'moderator');
    const removed = await this.deps.store.ban(
      site.id,
      userId,
      options.deleteComments,
      Math.floor(Date.now() / 1000),
      RANK[viewer.role],
    );
    for (const [commentId, pageId, wasPublic] of removed) {
      await this.deps.events.emit({
        type: 'comment.deleted',
        siteId: site.id,
        pageId,
        // What nobody else saw is taken down quietly, for them.
        audience: wasPublic ? { public: true } : { public: false, user_id: userId },
        commentId,
      });
    }
    await this.deps.events.emit({
      type: 'user.banned',
      siteId: site.id,
      userId,
      deleteComments: options.deleteComments,
      ...(options.reason ? { reason: options.reason } : {}),
    });
    await this.audit(site, viewer, 'ban_user', userId, {
      delete_comments: options.deleteComments,
      comments_removed: removed.length,
      ...(options.reason ? { reason: options.reason } : {}),
    });
  }

  async unban(site: Site, viewer: Viewer, userId: string): Promise<void> {
    requireRole(viewer, 'moderator');
    await this.deps.store.unban(site.id, userId, RANK[viewer.role]);
    await this.audit(site, viewer, 'unban_user', userId);
  }

  async shadowban(site: Site, viewer: Viewer, userId: string, on: boolean): Promise<void> {
    requireRole(viewer, 'moderator');
    await this.deps.store.setShadowban(site.id, userId, on, RANK[viewer.role]);
    this.deps.onSiteChanged?.(site.id);
    await this.audit(site, viewer, on ? 'shadowban_user' : 'unshadowban_user', userId);
  }

  /** Locks or unlocks a page (read-only for everyone but moderators), or the whole site without a page. */
  async lock(site: Site, viewer: Viewer, page: PageRef | null, locked: boolean): Promise<void> {
    requireRole(viewer, page ? 'moderator' : 'admin');
    const readOnly = await this.deps.store.setLocked(site.id, page?.id ?? null, locked);
    this.deps.onSiteChanged?.(site.id);
    // Readers of the page see its comment box go or come back live. A site-wide
    // lock is not sent to every page: widgets learn of it on their next read.
    if (page)
      await this.deps.events.emit({
        type: 'page.locked',
        siteId: site.id,
        pageId: page.id,
        audience: { public: true },
        locked: readOnly,
      });
    await this.audit(
      site,
      viewer,
      locked ? 'lock' : 'unlock',
      page ? (page.url ?? page.key ?? page.id) : 'site',
    );
  }

  /**
   * Owners manage admins; admins (and owners) manage moderators, and only those
   * below them: an admin cannot make another admin (or themselves) a moderator.
   */
  async setRole(site: Site, viewer: Viewer, userId: string, role: 'admin' | 'moderator', granted: boolean) {
    requireRole(viewer, role === 'admin' ? 'owner' : 'admin');
    // Revoking moderator from an admin would demote them: only the role asked about is taken away.
    const changed = await this.deps.store.setRole(
      site.id,
      userId,
      granted ? role : 'user',
      RANK[viewer.role],
      {
        revoked: granted ? null : role,
        staffLimit: site.plan?.moderatorsPerSite ?? null,
      },
    );
    if (!changed) return;
    this.deps.onSiteChanged?.(site.id);
    await this.audit(site, viewer, granted ? `add_${role}` : `remove_${role}`, userId);
  }

  async members(site: Site, viewer: Viewer, role: 'admin' | 'moderator') {
    requireRole(viewer, role === 'admin' ? 'owner' : 'admin');
    const ids = await this.deps.store.members(site.id, role);
    const profiles = await this.deps.users.profiles(site.id, ids);
    return ids.flatMap((id) => {
      const profile = profiles.get(id);
      return profile ? [{ id, ...profile, role }] : [];
    });
  }

  /**
   * A page of the banned or shadow-banned users, in no particular order
   * (`ModerationStore.userPage`); `cursor` is the previous page's `next_cursor`.
   * Accounts erased since are left out of the page, though `total` counts them.
   * E-mail addresses are shown to admins and the owner only, as nothing else
   * shows them to moderators.
   */
  async userList(site: Site, viewer: Viewer, list: UserList, page: { cursor: string | null; limit: number }) {
    requireRole(viewer, 'moderator');
    const from = page.cursor === null ? null : decodeListCursor(page.cursor, list);
    const { ids, next, total } = await this.deps.store.userPage(site.id, list, from, page.limit);
    const found = await Promise.all(ids.map((id) => this.deps.users.get(site.id, id)));
    const withEmail = RANK[viewer.role] >= RANK.admin;
    const users = found.flatMap((user): ListedUser[] =>
      user
        ? [
            {
              id: user.id,
              name: user.name,
              avatar_url: user.avatar_url,
              guest: user.guest,
              role: user.role,
              ...(withEmail ? { email: user.email } : {}),
            },
          ]
        : [],
    );
    return { users, total, next_cursor: next ? encodeListCursor(list, next) : null };
  }

  async auditLog(site: Site, viewer: Viewer, page: { offset: number; limit: number }) {
    requireRole(viewer, 'admin');
    return this.deps.store.auditLog(site.id, page.offset, page.limit);
  }

  private async views(site: Site, ids: string[]): Promise<ModeratedComment[]> {
    const comments = await this.deps.store.comments(site.id, ids);
    const authors = await this.deps.users.profiles(site.id, [...new Set(comments.map((c) => c.a))]);
    const urls = new Map<string, string | null>();
    for (const pg of new Set(comments.map((c) => c.pg)))
      urls.set(pg, siteUrlOrNull(await this.deps.store.pageUrl(site.id, pg), site));
    return comments.map((c) => {
      const author = authors.get(c.a);
      return {
        ...toView(c, author ? { name: author.name, avatar: author.avatar_url, karma: 0 } : undefined),
        page_url: urls.get(c.pg) ?? null,
        hold_reason: c.hr ?? null,
      };
    });
  }

  private async audit(
    site: Site,
    viewer: Viewer,
    action: string,
    target: string,
    details?: Record<string, unknown>,
  ) {
    const entry: AuditEntry = { at: Math.floor(Date.now() / 1000), actor: actorOf(viewer), action, target };
    if (details) entry.details = details;
    await this.deps.store.audit(site.id, entry);
  }
}

function encodeListCursor(list: UserList, at: ScanPosition): string {
  return Buffer.from(JSON.stringify([list, at.cursor, at.after, at.end])).toString('base64url');
}

const SCAN_CURSOR = /^\d{1,20}$/;

function decodeListCursor(cursor: string, list: UserList): ScanPosition {
  try {
    const [kind, at, after, end] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown[];
    if (
      kind === list &&
      typeof at === 'string' &&
      SCAN_CURSOR.test(at) &&
      (after === null || (typeof after === 'string' && after.length <= 64)) &&
      (end === null || (typeof end === 'string' && SCAN_CURSOR.test(end)))
    ) {
      return { cursor: at, after, end };
    }
  } catch {
    // fall through to the error below
  }
  throw invalid('cursor', 'cursor is not valid here; start again without it');
}
