import {
  EXPORT_FORMAT,
  EXPORT_FORMAT_VERSION,
  type ExportComment,
  type ExportLine,
  type ExportPage,
  type ExportUser,
  isoTime,
  THREADKIT_VERSION,
} from '../export/format.js';
import { isSettingName, SETTING_SPECS } from '../settings.js';
import type { ExportStore, RecordFamily } from '../store/export-store.js';
import type { UserStore } from '../store/user-store.js';
import type { Site, SiteSettings } from '../types.js';

/** Keys one SCAN step looks at, and so about the most records read at once. */
export const EXPORT_BATCH = 500;

export interface SiteExportDeps {
  store: ExportStore;
  users: UserStore;
  /** Keys looked at per step (default `EXPORT_BATCH`). */
  batch?: number;
  clock?: () => number;
}

/**
 * A whole site in ThreadKit's export format (docs/export-format.md), line by
 * line: the header, the site, its users, its pages, its comments, then an end
 * line with the counts. Each family is walked a batch at a time, so memory
 * stays the same whatever the site's size. Secrets are never written: no
 * keys, password hashes, sessions or tokens, and no secret settings.
 */
export class SiteExport {
  private readonly batch: number;
  private readonly clock: () => number;

  constructor(private readonly deps: SiteExportDeps) {
    this.batch = deps.batch ?? EXPORT_BATCH;
    this.clock = deps.clock ?? Date.now;
  }

  async *lines(site: Site): AsyncGenerator<ExportLine> {
    yield {
      type: 'header',
      format: EXPORT_FORMAT,
      format_version: EXPORT_FORMAT_VERSION,
      threadkit_version: THREADKIT_VERSION,
      exported_at: new Date(this.clock()).toISOString(),
      site_id: site.id,
    };
    yield {
      type: 'site',
      id: site.id,
      name: site.name,
      domain: site.domain,
      created_at: isoTime(site.created_at * 1000),
      settings: publicSettings(site.settings),
    };
    const counts = { users: 0, pages: 0, comments: 0 };
    for await (const ids of this.walk(site.id, 'u')) {
      for (const { user, banned, shadowBanned } of await this.deps.users.getMany(site.id, ids)) {
        counts.users++;
        yield {
          type: 'user',
          id: user.id,
          name: user.name,
          avatar_url: user.avatar_url,
          role: user.role,
          guest: user.guest,
          created_at: isoTime(user.created_at * 1000),
          karma: user.karma,
          email: user.email,
          email_verified: user.email_verified,
          phone: user.phone,
          phone_verified: user.phone_verified,
          email_notifications: user.email_notifications,
          banned,
          shadow_banned: shadowBanned,
        } satisfies ExportUser;
      }
    }
    for await (const ids of this.walk(site.id, 'p')) {
      for (const page of await this.deps.store.pages(site.id, ids)) {
        counts.pages++;
        yield {
          type: 'page',
          id: page.id,
          url: page.url,
          key: page.key,
          locked: page.locked,
          comment_count: page.count,
          views: page.views,
          updated_at: isoTime(page.updated * 1000),
        } satisfies ExportPage;
      }
    }
    for await (const ids of this.walk(site.id, 'c')) {
      for (const { comment: c, pinned } of await this.deps.store.comments(site.id, ids)) {
        counts.comments++;
        yield {
          type: 'comment',
          id: c.i,
          page_id: c.pg,
          parent_id: c.pid || null,
          author_id: c.a || null,
          created_at: new Date(c.cm).toISOString(),
          edited_at: c.e && c.m ? isoTime(c.m * 1000) : null,
          status: c.s,
          markdown: c.t,
          html: c.h,
          upvotes: c.u,
          downvotes: c.d,
          pinned,
          hold_reason: c.hr ?? null,
        } satisfies ExportComment;
      }
    }
    yield { type: 'end', ...counts };
  }

  /** The same lines as JSON text, a batch of lines to a chunk (what the route and the CLI send). */
  async *ndjson(site: Site): AsyncGenerator<string> {
    let chunk = '';
    let lines = 0;
    for await (const line of this.lines(site)) {
      chunk += `${JSON.stringify(line)}\n`;
      if (++lines >= this.batch) {
        yield chunk;
        chunk = '';
        lines = 0;
      }
    }
    if (chunk) yield chunk;
  }

  /** The ids of a family's records, a SCAN step at a time (steps that name none are passed over). */
  private async *walk(siteId: string, family: RecordFamily): AsyncGenerator<string[]> {
    let cursor = '0';
    do {
      const step = await this.deps.store.scan(siteId, family, cursor, this.batch);
      cursor = step.cursor;
      if (step.ids.length > 0) yield step.ids;
    } while (cursor !== '0');
  }
}

/** The site's settings an export may carry: every known one but the secrets (API keys of outside services). */
function publicSettings(settings: SiteSettings): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(settings).filter(([name]) => isSettingName(name) && !SETTING_SPECS[name].secret),
  );
}
