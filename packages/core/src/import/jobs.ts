import { createReadStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { newId } from '../ids.js';
import { keys } from '../keys.js';
import type { RedisClient } from '../store/redis.js';
import { type ImportProgress, type ImportReport, runImport } from './engine.js';
import { type ImportFormat, importReader } from './formats.js';
import type { UrlMap } from './url-map.js';

/** How long an import's record is kept. */
export const IMPORT_KEPT_S = 7 * 24 * 3600;
/** A running import says it is alive this often; one silent for `IMPORT_STALE_MS` died with its instance. */
const HEARTBEAT_MS = 5_000;
export const IMPORT_STALE_MS = 30_000;
/** Reasons an import's record keeps (the CLI prints them all). */
export const IMPORT_REASONS_KEPT = 100;
const LISTED = 20;

export interface ImportJobView {
  id: string;
  format: string;
  status: 'running' | 'done' | 'failed';
  dry_run: boolean;
  started_at: number;
  finished_at: number | null;
  records: number;
  pages: { written: number; present: number; done: number; total: number };
  comments: { written: number; present: number };
  authors: { written: number; present: number };
  skipped: { reason: string; count: number; examples: string[] }[];
  changed: { reason: string; count: number; examples: string[] }[];
  /** A ThreadKit restore's site settings, set and kept (null for other formats, and until it is done). */
  settings: { applied: string[]; kept: string[] } | null;
  /** Comments handled (written or found) per second so far. */
  rate: number;
  error: string | null;
}

export interface StartImport {
  format: ImportFormat;
  /** The uploaded file, deleted when the import ends. */
  file: string;
  dryRun: boolean;
  urlMap: UrlMap;
  byUrl?: boolean;
  origin?: string;
  siteSettings?: 'apply' | 'dashboard';
}

const reasons = (tally: ImportReport['skipped']) =>
  Object.entries(tally)
    .slice(0, IMPORT_REASONS_KEPT)
    .map(([reason, { count, examples }]) => ({ reason, count, examples }));

/**
 * Imports run in the background of the instance that received the file; each
 * records its progress in a hash of the site (kept 7 days), so any instance
 * answers for it. A running import beats every few seconds: one whose beat
 * lapsed died with its instance, and shows as failed (running the same file
 * again completes it).
 */
export class ImportJobs {
  private readonly running = new Set<Promise<void>>();
  private readonly stopping = new AbortController();

  constructor(
    private readonly redis: RedisClient,
    private readonly log: (message: string, error?: unknown) => void = () => {},
    /** A restore set a site's settings: the instance's cached sites are read again. */
    private readonly onSettings: (siteId: string) => void = () => {},
  ) {}

  async start(siteId: string, input: StartImport): Promise<ImportJobView> {
    const id = newId();
    const now = Date.now();
    const key = keys.importJob(siteId, id);
    await this.redis
      .multi()
      .hset(key, {
        format: input.format,
        status: 'running',
        dry: input.dryRun ? 1 : 0,
        started: now,
        beat: now,
      })
      .expire(key, IMPORT_KEPT_S)
      .zadd(keys.imports(siteId), now, id)
      .expire(keys.imports(siteId), IMPORT_KEPT_S)
      .exec();
    const job = this.run(siteId, id, input).finally(() => this.running.delete(job));
    this.running.add(job);
    return (await this.get(siteId, id))!;
  }

  private async run(siteId: string, id: string, input: StartImport): Promise<void> {
    const key = keys.importJob(siteId, id);
    let progress: ImportProgress | null = null;
    const beat = async () => {
      const fields: Record<string, string | number> = { beat: Date.now() };
      if (progress) fields.progress = JSON.stringify(progress);
      await this.redis.hset(key, fields);
    };
    const timer = setInterval(() => void beat().catch(() => {}), HEARTBEAT_MS);
    try {
      const reader = await importReader(input.format);
      const report = await runImport(this.redis, {
        siteId,
        format: input.format,
        read: (skip) => reader(createReadStream(input.file), skip),
        dryRun: input.dryRun,
        urlMap: input.urlMap,
        ...(input.byUrl ? { byUrl: true } : {}),
        ...(input.origin ? { origin: input.origin } : {}),
        ...(input.siteSettings ? { siteSettings: input.siteSettings } : {}),
        signal: this.stopping.signal,
        onProgress: (p) => {
          progress = p;
        },
      });
      if (report.settings && report.settings.applied.length > 0 && !report.dryRun) this.onSettings(siteId);
      await this.redis.hset(key, {
        status: 'done',
        finished: Date.now(),
        beat: Date.now(),
        report: JSON.stringify({
          ...report,
          skipped: Object.fromEntries(Object.entries(report.skipped).slice(0, IMPORT_REASONS_KEPT)),
          changed: Object.fromEntries(Object.entries(report.changed).slice(0, IMPORT_REASONS_KEPT)),
        }),
        ...(progress ? { progress: JSON.stringify(progress) } : {}),
      });
    } catch (error) {
      this.log('import failed', error);
      await this.redis
        .hset(key, {
          status: 'failed',
          finished: Date.now(),
          error: (error as Error).message ?? String(error),
        })
        .catch(() => {});
    } finally {
      clearInterval(timer);
      await rm(input.file, { force: true });
    }
  }

  async get(siteId: string, id: string): Promise<ImportJobView | null> {
    const fields = await this.redis.hgetall(keys.importJob(siteId, id));
    if (!fields.format) return null;
    return view(id, fields);
  }

  /** The newest imports first. */
  async list(siteId: string): Promise<ImportJobView[]> {
    const listKey = keys.imports(siteId);
    await this.redis.zremrangebyscore(listKey, '-inf', Date.now() - IMPORT_KEPT_S * 1000);
    const ids = await this.redis.zrevrange(listKey, 0, LISTED - 1);
    const views = await Promise.all(ids.map((id) => this.get(siteId, id)));
    return views.filter((v): v is ImportJobView => v !== null);
  }

  /** Waits for the imports this instance runs. */
  async settled(): Promise<void> {
    await Promise.allSettled([...this.running]);
  }

  /** Stops the imports this instance runs, between two writes: they show as failed, and a rerun completes them. */
  async stop(): Promise<void> {
    this.stopping.abort(
      new Error('The instance running it stopped: run the same import again to complete it.'),
    );
    await this.settled();
  }
}

function view(id: string, fields: Record<string, string>): ImportJobView {
  const report = fields.report ? (JSON.parse(fields.report) as ImportReport) : null;
  const progress = fields.progress ? (JSON.parse(fields.progress) as ImportProgress) : null;
  const started = Number(fields.started);
  const stale = fields.status === 'running' && Date.now() - Number(fields.beat) > IMPORT_STALE_MS;
  const status = stale ? 'failed' : (fields.status as ImportJobView['status']);
  const finished = fields.finished ? Number(fields.finished) : null;
  const comments = report?.comments ?? {
    written: progress?.commentsWritten ?? 0,
    present: progress?.commentsPresent ?? 0,
  };
  const seconds = ((finished ?? Date.now()) - started) / 1000;
  return {
    id,
    format: fields.format!,
    status,
    dry_run: fields.dry === '1',
    started_at: started,
    finished_at: finished,
    records: report?.records ?? progress?.records ?? 0,
    pages: {
      written: report?.pages.written ?? 0,
      present: report?.pages.present ?? 0,
      done: progress?.pagesDone ?? 0,
      total: progress?.pagesTotal ?? 0,
    },
    comments,
    authors: report?.authors ?? { written: 0, present: 0 },
    skipped: reasons(report?.skipped ?? {}),
    changed: reasons(report?.changed ?? {}),
    settings: report?.settings ?? null,
    rate: Math.round((comments.written + comments.present) / Math.max(seconds, 0.001)),
    error: stale
      ? 'The instance running it stopped answering: run the same import again to complete it.'
      : (fields.error ?? null),
  };
}
