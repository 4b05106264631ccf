import { randomBytes } from 'node:crypto';
import { nameId } from '../ids.js';
import { keys, sitePrefix } from '../keys.js';
import { cleanName, MAX_NAME_LENGTH } from '../names.js';
import { type PageRef, resolvePage } from '../page-identity.js';
import { MAX_DEPTH } from '../services/comment-service.js';
import { isSettingName, parseSetting, SETTING_SPECS, settingText } from '../settings.js';
import type { RedisClient } from '../store/redis.js';
import { runScript } from '../store/scripts.js';
import { SiteStore } from '../store/site-store.js';
import type { CommentStatus, SiteSettings } from '../types.js';
import { type StoredText, storedText } from './content.js';
import type { ThreadKitAuthor, ThreadKitComment, ThreadKitPage } from './readers/threadkit.js';
import type { ImportedComment, ImportedPage, ImportRecord, SkippedItem } from './records.js';
import type { UrlMap } from './url-map.js';

export interface ImportOptions {
  siteId: string;
  /** The source format's name: part of every id the import derives, so two sources never collide. */
  format: string;
  /** Reads the source; what it cannot take it reports to `skip`. */
  read: (skip: (item: SkippedItem) => void) => AsyncIterable<ImportRecord>;
  /** Parse, resolve and count, and write nothing but the import's own scratch keys (removed at the end). */
  dryRun?: boolean;
  urlMap?: UrlMap;
  /** Identify pages by URL even where the source also gives its own identifier. */
  byUrl?: boolean;
  /** Where page paths (Isso keeps `/blog/post/`, not URLs) are resolved to URLs; without it a path is the page key. */
  origin?: string;
  /** Stops the import between two writes (a rerun completes it). */
  signal?: AbortSignal;
  onProgress?: (progress: ImportProgress) => void;
  /** Comments per write (default 200). */
  batch?: number;
  /**
   * Where the site's settings live: `apply` (standalone) lets a ThreadKit
   * restore set them; `dashboard` (SaaS) keeps them, as the dashboard owns them.
   */
  siteSettings?: 'apply' | 'dashboard';
}

export interface ImportProgress {
  /** `read`: staging the records; `write`: writing page after page. */
  phase: 'read' | 'write';
  records: number;
  pagesDone: number;
  /** Known once reading is over. */
  pagesTotal: number;
  commentsWritten: number;
  commentsPresent: number;
}

/** What was skipped (or imported with a change) for one reason: how many, and the first few source ids. */
export interface ReasonCount {
  count: number;
  examples: string[];
}

export interface ImportReport {
  format: string;
  dryRun: boolean;
  records: number;
  /** Written by this run (for a dry run: would be), and found already there. */
  pages: { written: number; present: number };
  comments: { written: number; present: number };
  authors: { written: number; present: number };
  /** Left out, by reason. */
  skipped: Record<string, ReasonCount>;
  /** Imported with a change, by reason (a reply whose parent is missing, imported as a root). */
  changed: Record<string, ReasonCount>;
  /**
   * A ThreadKit restore's site settings: those set from the export (for a dry
   * run: would be), and those the site kept (its secrets, which are never
   * exported, and what the restore could not take). Null for other formats.
   */
  settings: { applied: string[]; kept: string[] } | null;
  elapsedMs: number;
}

/** Reasons kept per report (the API keeps the first 100 reasons; examples are few per reason). */
const EXAMPLES = 5;
const STAGING_TTL_S = 24 * 3600;
const PAGES_AT_ONCE = 4;

/** A comment as it waits in the staging area between the two passes. */
interface Staged {
  p?: string;
  a?: string;
  c: number;
  m?: number;
  b: ImportedComment['body'];
  s: CommentStatus;
  u?: number;
  d?: number;
  n?: 1;
  /** The hold reason (ThreadKit restores only). */
  r?: string;
  /** The id of an erased author, kept by a restore (no account is made for it). */
  x?: string;
}

class Tally {
  readonly reasons: Record<string, ReasonCount> = {};

  add(reason: string, sourceId: string | undefined, count = 1): void {
    const entry = this.reasons[reason] ?? { count: 0, examples: [] };
    this.reasons[reason] = entry;
    entry.count += count;
    if (sourceId !== undefined && entry.examples.length < EXAMPLES) entry.examples.push(sourceId);
  }
}

/**
 * Imports a site's pages, authors and comments from any source's records,
 * in whatever order they come, into the current Redis layout, so that an
 * imported comment reads, counts, queues and exports like a posted one.
 *
 * Pass 1 streams the records into a staging area in Redis (keys of the
 * site's slot that expire in a day): memory stays flat whatever the file's
 * size. Pass 2 takes the staged pages one by one, resolves each page's
 * threads (a reply may come before its parent; one whose parent never came
 * is imported as a root and reported), and writes its comments parents
 * first with `import_comments.lua`, each comment with all its indexes at
 * once. Ids are derived from the site, the format and the source's ids, so a
 * second run finds everything in place and adds nothing, and a run that was
 * interrupted is completed by running it again.
 */
export async function runImport(redis: RedisClient, options: ImportOptions): Promise<ImportReport> {
  const started = Date.now();
  const { siteId, format } = options;
  const dryRun = options.dryRun ?? false;
  const batch = options.batch ?? 200;
  const skipped = new Tally();
  const changed = new Tally();
  const report: ImportReport = {
    format,
    dryRun,
    records: 0,
    pages: { written: 0, present: 0 },
    comments: { written: 0, present: 0 },
    authors: { written: 0, present: 0 },
    skipped: skipped.reasons,
    changed: changed.reasons,
    settings: null,
    elapsedMs: 0,
  };
  // ThreadKit's own export restores a site: its ids, accounts and settings are kept (docs/import.md).
  const restore = format === 'threadkit';
  const stage = new Staging(redis, siteId, randomBytes(6).toString('base64url'));
  let pagesTotal = 0;
  let pagesDone = 0;
  const progress = (phase: ImportProgress['phase']) =>
    options.onProgress?.({
      phase,
      records: report.records,
      pagesDone,
      pagesTotal,
      commentsWritten: report.comments.written,
      commentsPresent: report.comments.present,
    });
  const checkAbort = () => options.signal?.throwIfAborted();

  try {
    // Pass 1: stage every record, in the file's order.
    const skip = (item: SkippedItem) => skipped.add(item.reason, item.sourceId);
    let pipeline = redis.pipeline();
    let queued = 0;
    for await (const record of options.read(skip)) {
      report.records++;
      if (stageRecord(stage, pipeline, record, skipped, restore)) queued++;
      if (queued >= 500) {
        checkAbort();
        await exec(pipeline);
        pipeline = redis.pipeline();
        queued = 0;
        progress('read');
      }
    }
    checkAbort();
    await exec(pipeline);

    // Pass 2: page by page.
    pagesTotal = await redis.scard(stage.pagesWithComments);
    progress('write');
    const [, earliest] = await redis.zrange(stage.firstComments, 0, 0, 'WITHSCORES');
    const writer = new PageWriter(
      redis,
      options,
      stage,
      report,
      skipped,
      changed,
      batch,
      Number(earliest ?? 0),
    );
    let cursor = '0';
    do {
      const [next, pageIds] = await redis.sscan(stage.pagesWithComments, cursor, 'COUNT', 100);
      cursor = next;
      // A few pages at once: each is its own set of keys, and the round trips overlap.
      const unique = [...new Set(pageIds)];
      for (let at = 0; at < unique.length; at += PAGES_AT_ONCE) {
        checkAbort();
        await Promise.all(
          unique.slice(at, at + PAGES_AT_ONCE).map(async (pageSourceId) => {
            await writer.page(pageSourceId);
            pagesDone++;
            progress('write');
          }),
        );
      }
    } while (cursor !== '0');

    // A restore brings back every commenter, those without comments too (a moderator, say).
    if (restore) await writer.remainingAuthors();
    const authorsUsed = await redis.scard(stage.authorsUsed);
    report.authors.written = await redis.scard(stage.authorsWritten);
    report.authors.present = authorsUsed - report.authors.written;
    if (restore) {
      const site = await redis.get(stage.site);
      if (site)
        report.settings = await restoreSettings(redis, options, JSON.parse(site) as Partial<SiteSettings>);
    }
    // Names and counts of whole pages changed: every cached thread of the site is rebuilt.
    if (!dryRun && report.comments.written > 0) await redis.incr(keys.siteEpoch(siteId));
  } finally {
    // What cannot be removed now (Redis went away) expires with the staging area.
    await stage.clear().catch(() => {});
    report.elapsedMs = Date.now() - started;
  }
  return report;
}

async function exec(pipeline: ReturnType<RedisClient['pipeline']>): Promise<void> {
  const answers = await pipeline.exec();
  for (const [error] of answers ?? []) if (error) throw error;
}

/** The scratch keys of one run, in the site's slot; they expire on their own if the run dies. */
class Staging {
  readonly pages: string;
  readonly authors: string;
  /** Author source id → an e-mail address the file gives them (a source may give it on some records only). */
  readonly emails: string;
  /** Author source id scored by their first comment's date (ms): when their account is dated from. */
  readonly firstComments: string;
  readonly pagesWithComments: string;
  readonly authorsUsed: string;
  readonly authorsWritten: string;
  /** The site record's settings (a ThreadKit restore). */
  readonly site: string;
  private readonly base: string;

  constructor(
    private readonly redis: RedisClient,
    siteId: string,
    run: string,
  ) {
    this.base = `${sitePrefix(siteId)}:imp:${run}`;
    this.pages = `${this.base}:pg`;
    this.authors = `${this.base}:au`;
    this.emails = `${this.base}:ae`;
    this.firstComments = `${this.base}:af`;
    this.pagesWithComments = `${this.base}:cp`;
    this.authorsUsed = `${this.base}:used`;
    this.authorsWritten = `${this.base}:aw`;
    this.site = `${this.base}:site`;
  }

  comments(pageSourceId: string): string {
    return `${this.base}:c:${pageSourceId}`;
  }

  async clear(): Promise<void> {
    // The per-page keys go as each page is written; what an aborted run leaves expires.
    let cursor = '0';
    do {
      const [next, pageIds] = await this.redis.sscan(this.pagesWithComments, cursor, 'COUNT', 500);
      cursor = next;
      if (pageIds.length > 0) await this.redis.del(...pageIds.map((id) => this.comments(id)));
    } while (cursor !== '0');
    await this.redis.del(
      this.pages,
      this.authors,
      this.emails,
      this.firstComments,
      this.pagesWithComments,
      this.authorsUsed,
      this.authorsWritten,
      this.site,
    );
  }
}

/** Queues one record's staging; false when it was skipped. */
function stageRecord(
  stage: Staging,
  pipeline: ReturnType<RedisClient['pipeline']>,
  record: ImportRecord,
  skipped: Tally,
  restore: boolean,
): boolean {
  const ttl = STAGING_TTL_S;
  switch (record.kind) {
    case 'site':
      // An import adds to a site; its name and settings stay the owner's, unless it restores one.
      if (!restore)
        return skipOne(skipped, 'site settings are not imported (the site keeps its own)', undefined);
      pipeline.set(stage.site, JSON.stringify(record.settings ?? {}), 'EX', ttl);
      return true;
    case 'page': {
      if (!record.sourceId) return skipOne(skipped, 'page without an id', undefined);
      const page: Omit<ImportedPage, 'kind' | 'sourceId'> = {
        ...(record.url ? { url: record.url } : {}),
        ...(record.key ? { key: record.key } : {}),
        ...(record.locked ? { locked: true } : {}),
        ...(restore ? pageExtras(record as ThreadKitPage) : {}),
      };
      pipeline.hset(stage.pages, record.sourceId, JSON.stringify(page)).expire(stage.pages, ttl);
      return true;
    }
    case 'author': {
      if (!record.sourceId) return skipOne(skipped, 'author without an id', undefined);
      const { kind: _, sourceId, email, ...author } = record;
      // The first record of an author names them; an address any of them gives is theirs.
      pipeline.hsetnx(stage.authors, sourceId, JSON.stringify(author)).expire(stage.authors, ttl);
      if (email?.trim()) pipeline.hsetnx(stage.emails, sourceId, email.trim()).expire(stage.emails, ttl);
      return true;
    }
    case 'comment': {
      if (!record.sourceId || !record.pageSourceId)
        return skipOne(skipped, 'comment without an id or a page', record.sourceId);
      if (!Number.isFinite(record.createdMs) || record.createdMs <= 0)
        return skipOne(skipped, 'comment without a valid date', record.sourceId);
      const staged: Staged = {
        c: Math.round(record.createdMs),
        b: record.body,
        s: record.status,
        ...(record.parentSourceId && record.parentSourceId !== record.sourceId
          ? { p: record.parentSourceId }
          : {}),
        ...(record.authorSourceId ? { a: record.authorSourceId } : {}),
        ...(record.editedMs && Number.isFinite(record.editedMs) ? { m: Math.round(record.editedMs) } : {}),
        ...(record.upvotes ? { u: Math.max(0, Math.floor(record.upvotes)) } : {}),
        ...(record.downvotes ? { d: Math.max(0, Math.floor(record.downvotes)) } : {}),
        ...(record.pinned ? { n: 1 as const } : {}),
        ...(restore && (record as ThreadKitComment).holdReason
          ? { r: (record as ThreadKitComment).holdReason }
          : {}),
        ...(restore && !record.authorSourceId && (record as ThreadKitComment).erasedAuthorId
          ? { x: (record as ThreadKitComment).erasedAuthorId }
          : {}),
      };
      const key = stage.comments(record.pageSourceId);
      pipeline
        .hset(key, record.sourceId, JSON.stringify(staged))
        .expire(key, ttl)
        .sadd(stage.pagesWithComments, record.pageSourceId)
        .expire(stage.pagesWithComments, ttl);
      // The lowest date stays (LT), whatever order the comments come in ('': comments without an author).
      pipeline
        .zadd(stage.firstComments, 'LT', staged.c, record.authorSourceId ?? '')
        .expire(stage.firstComments, ttl);
      return true;
    }
    default:
      return skipOne(skipped, 'unknown record', undefined);
  }
}

/** What a restore keeps of a page beyond its identity: its view counter and last change. */
function pageExtras(page: ThreadKitPage): Pick<ThreadKitPage, 'views' | 'updatedMs'> {
  return {
    ...(page.views && page.views > 0 ? { views: Math.floor(page.views) } : {}),
    ...(page.updatedMs && Number.isFinite(page.updatedMs) ? { updatedMs: page.updatedMs } : {}),
  };
}

/**
 * Sets the site's settings from a ThreadKit export. Secrets were never
 * exported, so the site keeps its own; so does it its allowed origins when the
 * URL mapping moves the pages (the export's would name the old domain). Each
 * value is validated as a settings change is; one that does not parse is kept.
 */
async function restoreSettings(
  redis: RedisClient,
  options: ImportOptions,
  exported: Partial<SiteSettings>,
): Promise<{ applied: string[]; kept: string[] }> {
  const secrets = Object.keys(SETTING_SPECS).filter(
    (name) => SETTING_SPECS[name as keyof SiteSettings].secret,
  );
  const names = Object.keys(exported).filter(isSettingName);
  if (options.siteSettings === 'dashboard') return { applied: [], kept: [...names, ...secrets].sort() };
  const kept = new Set(secrets);
  const changes: Partial<SiteSettings> = {};
  for (const name of names) {
    if (
      SETTING_SPECS[name].secret ||
      (name === 'allowed_origins' && options.urlMap && !options.urlMap.empty)
    ) {
      kept.add(name);
      continue;
    }
    try {
      Object.assign(changes, { [name]: parseSetting(name, settingText(exported[name])) });
    } catch {
      kept.add(name);
    }
  }
  if (!options.dryRun && Object.keys(changes).length > 0) {
    const sites = new SiteStore(redis);
    const site = await sites.get(options.siteId);
    if (site) await sites.update(options.siteId, { settings: { ...site.settings, ...changes } });
  }
  return { applied: Object.keys(changes).sort(), kept: [...kept].sort() };
}

function skipOne(skipped: Tally, reason: string, sourceId: string | undefined): false {
  skipped.add(reason, sourceId);
  return false;
}

/** A staged comment of the page being written, with what pass 2 works out. */
interface Node {
  sourceId: string;
  staged: Staged;
  parent: string;
  depth: number;
  text: StoredText | null;
  keep: boolean;
}

/** Writes the staged pages, one at a time. */
class PageWriter {
  private readonly prefix: string;
  private readonly restore: boolean;

  constructor(
    private readonly redis: RedisClient,
    private readonly options: ImportOptions,
    private readonly stage: Staging,
    private readonly report: ImportReport,
    private readonly skipped: Tally,
    private readonly changed: Tally,
    private readonly batch: number,
    /** The file's first comment (ms). */
    private readonly earliest: number,
  ) {
    this.prefix = sitePrefix(options.siteId);
    this.restore = options.format === 'threadkit';
  }

  private id(kind: string, sourceId: string): string {
    return nameId(`import:${this.options.format}:${kind}:${sourceId}`, this.options.siteId);
  }

  async page(pageSourceId: string): Promise<void> {
    const { redis, stage } = this;
    const commentsKey = stage.comments(pageSourceId);
    const [rawPage, rawComments] = await Promise.all([
      redis.hget(stage.pages, pageSourceId),
      redis.hgetall(commentsKey),
    ]);
    const sourceIds = Object.keys(rawComments);
    // A page SSCAN names twice (it may) is written once.
    if (sourceIds.length === 0) return;
    const staged = rawPage ? (JSON.parse(rawPage) as ThreadKitPage) : null;
    const page = staged ? this.identify(staged) : null;
    if (!page) {
      const reason = rawPage
        ? 'comment on a page with neither a usable URL nor an identifier'
        : 'comment on a page the file does not have';
      for (const id of sourceIds) this.skipped.add(reason, id);
      await redis.del(commentsKey);
      return;
    }
    const nodes = this.resolveThreads(rawComments);
    const ordered = [...nodes.values()]
      .filter((node) => node.keep)
      .sort((a, b) => a.depth - b.depth || a.staged.c - b.staged.c);
    if (ordered.length === 0) {
      // Nothing on it to keep (every comment deleted without replies, say): no page either.
      await redis.del(commentsKey);
      return;
    }
    // A restored comment of an erased account keeps that account's id, and needs no author.
    const named = ordered.filter((node) => node.staged.a || !node.staged.x);
    const authors = await this.resolveAuthors([...new Set(named.map((node) => node.staged.a ?? ''))]);
    const comments = ordered.map((node) => this.commentArg(node, nodes, authors.ids));
    const write = this.options.dryRun ? '0' : '1';
    for (let start = 0; start < comments.length; start += this.batch) {
      if (start > 0) this.options.signal?.throwIfAborted();
      const [written, present, pageWasNew, authorCount, ...ids] = await runScript(
        redis,
        'importComments',
        [keys.page(this.options.siteId, page.id)],
        [
          this.prefix,
          page.id,
          MAX_DEPTH,
          page.url ?? '',
          page.key ?? '',
          page.locked ? 1 : 0,
          JSON.stringify(start === 0 ? authors.create : []),
          JSON.stringify(comments.slice(start, start + this.batch)),
          write,
          this.restore ? 1 : 0,
          staged?.views ?? 0,
          staged?.updatedMs ? Math.floor(staged.updatedMs / 1000) : 0,
        ],
      );
      if (start === 0) this.report.pages[pageWasNew === 1 ? 'written' : 'present']++;
      this.report.comments.written += written;
      this.report.comments.present += present;
      const authorsWritten = ids.slice(0, authorCount);
      if (authorsWritten.length > 0) await redis.sadd(stage.authorsWritten, ...authorsWritten);
      for (const id of ids.slice(authorCount))
        this.changed.add('comment id already used by another comment of the site (given a new id)', id);
    }
    await redis.del(commentsKey);
  }

  /**
   * The file's authors that no comment named (a restore only): written as
   * the comments' authors are, a batch at a time, by the same script with
   * no comments (its key is then the site's record, for its slot).
   */
  async remainingAuthors(): Promise<void> {
    const { redis, stage } = this;
    let cursor = '0';
    do {
      const [next, flat] = await redis.hscan(stage.authors, cursor, 'COUNT', this.batch);
      cursor = next;
      const sourceIds = [...new Set(flat.filter((_, i) => i % 2 === 0))];
      const used = sourceIds.length > 0 ? await redis.smismember(stage.authorsUsed, ...sourceIds) : [];
      const missing = sourceIds.filter((_, i) => used[i] === 0);
      if (missing.length === 0) continue;
      this.options.signal?.throwIfAborted();
      const authors = await this.resolveAuthors(missing);
      const [, , , , ...written] = await runScript(
        redis,
        'importComments',
        [keys.site(this.options.siteId)],
        [
          this.prefix,
          '',
          MAX_DEPTH,
          '',
          '',
          0,
          JSON.stringify(authors.create),
          '[]',
          this.options.dryRun ? '0' : '1',
          1,
          0,
          0,
        ],
      );
      if (written.length > 0) await redis.sadd(stage.authorsWritten, ...written);
    } while (cursor !== '0');
  }

  /** The page's identity after the URL mapping, or null when it has none that works. */
  private identify(page: ImportedPage): (PageRef & { locked: boolean }) | null {
    let source = page.url;
    let key = page.key;
    if (source && !/^[a-z][a-z0-9+.-]*:/i.test(source)) {
      if (this.options.origin) source = new URL(source, this.options.origin).toString();
      else {
        key ??= source;
        source = undefined;
      }
    }
    const url = source ? (this.options.urlMap?.apply(source) ?? source) : undefined;
    if (this.options.byUrl && url) key = undefined;
    for (const input of [
      { page_url: url, page_key: key },
      { page_url: undefined, page_key: key },
      { page_url: url, page_key: undefined },
    ]) {
      if (!input.page_url && !input.page_key) continue;
      try {
        const ref = resolvePage(this.options.siteId, input);
        // A page found by its key keeps a valid URL for links when there is one.
        const withUrl = ref.url === null && url ? { ...ref, url: safeUrl(url) } : ref;
        return { ...withUrl, locked: page.locked === true };
      } catch {
        // Try the next identity: an unusable URL does not make a usable key unusable.
      }
    }
    return null;
  }

  /**
   * Each comment's parent within the page, its depth, its text, and whether
   * it is kept: a deleted comment (or one with no text left once sanitised)
   * only as the placeholder its kept replies need.
   */
  private resolveThreads(raw: Record<string, string>): Map<string, Node> {
    const nodes = new Map<string, Node>();
    for (const [sourceId, json] of Object.entries(raw)) {
      const staged = JSON.parse(json) as Staged;
      const text = staged.s === 'deleted' ? null : storedText(staged.b);
      nodes.set(sourceId, { sourceId, staged, parent: staged.p ?? '', depth: -1, text, keep: false });
    }
    for (const node of nodes.values()) {
      if (node.parent && !nodes.has(node.parent)) {
        this.changed.add('reply to a comment the file does not have (imported as a root)', node.sourceId);
        node.parent = '';
      }
    }
    // Depths without recursion; a loop of replies is cut where it closes, that comment becoming a root.
    for (const start of nodes.values()) {
      for (;;) {
        const chain: Node[] = [];
        const onChain = new Set<string>();
        let node: Node | undefined = start;
        let cut = false;
        while (node && node.depth < 0) {
          if (onChain.has(node.sourceId)) {
            this.changed.add('reply in a loop of replies (imported as a root)', node.sourceId);
            node.parent = '';
            cut = true;
            break;
          }
          chain.push(node);
          onChain.add(node.sourceId);
          node = node.parent ? nodes.get(node.parent) : undefined;
        }
        if (cut) continue;
        let base = node ? node.depth : -1;
        for (let k = chain.length - 1; k >= 0; k--) chain[k]!.depth = ++base;
        break;
      }
    }
    // Deepest first: a reply decides whether its parent is needed as a placeholder.
    const needed = new Set<string>();
    for (const node of [...nodes.values()].sort((a, b) => b.depth - a.depth)) {
      node.keep = node.text !== null || needed.has(node.sourceId);
      if (node.keep && node.parent) needed.add(node.parent);
      if (!node.keep)
        this.skipped.add(
          node.staged.s === 'deleted'
            ? 'deleted, without replies'
            : 'no text left once sanitised, and no replies',
          node.sourceId,
        );
      else if (node.text === null && node.staged.s !== 'deleted')
        this.changed.add(
          'no text left once sanitised (a deleted placeholder for its replies)',
          node.sourceId,
        );
    }
    return nodes;
  }

  /** The script's form of a comment. */
  private commentArg(node: Node, nodes: Map<string, Node>, authorIds: Map<string, string>) {
    const { staged } = node;
    const placeholder = node.text === null;
    const parent = node.parent ? nodes.get(node.parent) : undefined;
    const createdS = Math.floor(staged.c / 1000);
    // A restored comment of an erased account keeps that account's id.
    const erased = staged.a ? undefined : staged.x;
    // A restore keeps ThreadKit's ids (permalinks keep working); `alt` is the id the
    // comment gets should its own name another comment here (`palt`: its parent's).
    const ids = this.restore
      ? {
          i: node.sourceId,
          alt: this.id('comment', node.sourceId),
          pid: parent ? parent.sourceId : '',
          palt: parent ? this.id('comment', parent.sourceId) : '',
        }
      : { i: this.id('comment', node.sourceId), pid: parent ? this.id('comment', parent.sourceId) : '' };
    return {
      ...ids,
      a: erased ?? authorIds.get(staged.a ?? '') ?? this.anonymousId(),
      ...(erased ? { gone: 1 } : {}),
      t: node.text?.markdown ?? '',
      h: node.text?.html ?? '',
      u: staged.u ?? 0,
      d: staged.d ?? 0,
      cm: staged.c,
      m: placeholder ? Math.floor((staged.m ?? staged.c) / 1000) : staged.m ? Math.floor(staged.m / 1000) : 0,
      s: placeholder ? 'deleted' : staged.s,
      // A ThreadKit export marks an edit even within the second it was posted.
      e: !placeholder && staged.m && (this.restore || Math.floor(staged.m / 1000) > createdS) ? 1 : 0,
      pin: staged.n ?? 0,
      hr: staged.r ?? '',
    };
  }

  private anonymousId(): string {
    return this.id('author', '');
  }

  /**
   * The user id of each author of these comments, and the accounts to create.
   * An author with an e-mail address is an account with that address unproven
   * and no password: whoever proves the address later signs in to it. Where
   * the address already has a proven account (or an account an earlier import
   * made), the comments go to that account; an account that registered the
   * address without proving it is not trusted with them, and the author stays
   * apart. An author without an address is a guest.
   */
  private async resolveAuthors(sourceIds: string[]) {
    const { redis, options } = this;
    const named = sourceIds.filter(Boolean);
    const [raws, emails, firsts] =
      named.length > 0
        ? await Promise.all([
            redis.hmget(this.stage.authors, ...named),
            redis.hmget(this.stage.emails, ...named),
            redis.zmscore(this.stage.firstComments, ...named),
          ])
        : [[], [], []];
    const firstComment = new Map(named.map((sourceId, i) => [sourceId, Number(firsts[i] ?? Date.now())]));
    const found = new Map(
      named.map((sourceId, i) => {
        const raw = raws[i];
        const email = emails[i];
        const record = raw
          ? {
              ...(JSON.parse(raw) as Omit<ThreadKitAuthor, 'kind' | 'sourceId'>),
              ...(email ? { email } : {}),
            }
          : null;
        return [sourceId, record] as const;
      }),
    );
    const records = sourceIds.map((sourceId) => found.get(sourceId) ?? null);
    // Who already signs in with each address, and whether that account proved it or was imported.
    const addresses = records.map((author) => {
      const email = author?.email?.trim().toLowerCase() || '';
      return /^[^\s@]+@[^\s@]+$/.test(email) ? email : '';
    });
    const holders = await Promise.all(
      addresses.map(async (email) => {
        if (!email) return null;
        const existing = await redis.get(keys.login(options.siteId, 'email', email));
        if (!existing) return null;
        const [verified, imported] = await redis.hmget(
          keys.user(options.siteId, existing),
          'email_verified',
          'imported',
        );
        return { id: existing, trusted: verified === '1' || Boolean(imported) };
      }),
    );
    const ids = new Map<string, string>();
    const create: AuthorArg[] = [];
    for (const [i, sourceId] of sourceIds.entries()) {
      const author = records[i];
      if (!author && sourceId)
        this.changed.add('comment by an author the file does not have (anonymous)', sourceId);
      const validEmail = addresses[i]!;
      // A restore keeps ThreadKit's user ids: they are random, so an account here with one is that commenter.
      let id =
        author && sourceId
          ? this.restore
            ? sourceId
            : this.id('author', validEmail ? `email:${validEmail}` : sourceId)
          : this.anonymousId();
      let login = validEmail;
      const holder = holders[i];
      if (holder && holder.id !== id) {
        if (holder.trusted) id = holder.id;
        else {
          this.changed.add(
            'e-mail registered by an account that has not proved it (author kept apart)',
            sourceId,
          );
          login = '';
        }
      }
      ids.set(sourceId, id);
      const name = cleanName(author?.name ?? '').slice(0, MAX_NAME_LENGTH) || 'Anonymous';
      if (this.restore && author && sourceId) {
        create.push(restoredAuthor(id, name, author, validEmail, login));
        continue;
      }
      create.push({
        i: id,
        login,
        f: {
          name,
          avatar: author?.avatarUrl && /^https?:\/\//i.test(author.avatarUrl) ? author.avatarUrl : '',
          karma: 0,
          role: 'user',
          guest: validEmail ? 0 : 1,
          // "Anonymous" stands for many: it is dated from the file's first comment.
          created: Math.floor(((author ? firstComment.get(sourceId) : this.earliest) ?? Date.now()) / 1000),
          email: validEmail,
          phone: '',
          email_verified: 0,
          phone_verified: 0,
          email_notifications: 0,
          imported: options.format,
        },
      });
    }
    if (create.length > 0) await redis.sadd(this.stage.authorsUsed, ...create.map((author) => author.i));
    return { ids, create };
  }
}

/** An account to create: its hash's fields, its e-mail login, and (a restore) its phone login, role and bans. */
interface AuthorArg {
  i: string;
  f: Record<string, string | number>;
  login: string;
  phone?: string;
  role?: string;
  ban?: 1;
  sb?: 1;
}

/**
 * A commenter of a ThreadKit export as they were: role, bans, karma, creation
 * date, verified flags, phone and notification choice. A verified address (or
 * phone) stays their login, so they sign in with a code as before; nothing
 * that signs anyone in was exported, so they have no password or session.
 */
function restoredAuthor(
  id: string,
  name: string,
  author: Omit<ThreadKitAuthor, 'kind' | 'sourceId'>,
  email: string,
  login: string,
): AuthorArg {
  const phone = author.phone && /^\+[1-9]\d{5,14}$/.test(author.phone) ? author.phone : '';
  const guest = author.guest ?? !(email || phone);
  const role = !guest && (author.role === 'admin' || author.role === 'moderator') ? author.role : 'user';
  return {
    i: id,
    login,
    ...(phone ? { phone } : {}),
    ...(role !== 'user' ? { role } : {}),
    ...(author.banned ? { ban: 1 as const } : {}),
    ...(author.shadowBanned ? { sb: 1 as const } : {}),
    f: {
      name,
      avatar: author.avatarUrl && /^https?:\/\//i.test(author.avatarUrl) ? author.avatarUrl : '',
      karma: Math.trunc(author.karma ?? 0),
      role,
      guest: guest ? 1 : 0,
      created: Math.floor((author.createdMs ?? Date.now()) / 1000),
      email,
      phone,
      email_verified: email && author.emailVerified ? 1 : 0,
      phone_verified: phone && author.phoneVerified ? 1 : 0,
      email_notifications: author.emailNotifications ? 1 : 0,
      imported: 'threadkit',
    },
  };
}

/** The URL in its normalised form, or null when it is not one a page can have. */
function safeUrl(url: string): string | null {
  try {
    return resolvePage('-', { page_url: url }).url;
  } catch {
    return null;
  }
}
