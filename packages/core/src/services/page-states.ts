import { LRUCache } from 'lru-cache';
import type { PageRef } from '../page-identity.js';
import type { CommentStore, PageState } from '../store/comment-store.js';

interface Entry {
  siteId: string;
  page: PageRef;
  state: PageState | null;
  checkedAt: number;
  /** Views counted here and not yet added in Redis. */
  pending: number;
  /** Views on their way to Redis: shown meanwhile, so a count never dips during a revalidation. */
  writing: number;
  /** Bumped by every invalidation, so a revalidation that raced a write is not trusted. */
  generation: number;
  inflight: Promise<PageState> | null;
}

export interface PageStatesOptions {
  /** How long a page's state may be reused before asking Redis again. */
  maxAgeMs?: number;
  /** How often views counted here are written to Redis. */
  flushIntervalMs?: number;
  onFlushError?: (error: unknown) => void;
}

/**
 * What this instance knows about the pages it serves: version, counts, views.
 * Reads reuse it for `maxAgeMs` instead of asking Redis on every request, and
 * page views are counted locally and added in Redis in batches (on the next
 * revalidation or flush). Writes through this instance invalidate at once;
 * writes through other instances show within `maxAgeMs`.
 */
export class PageStates {
  private readonly entries: LRUCache<string, Entry>;
  private readonly maxAgeMs: number;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly store: CommentStore,
    private readonly options: PageStatesOptions = {},
  ) {
    this.maxAgeMs = options.maxAgeMs ?? 250;
    this.entries = new LRUCache<string, Entry>({
      max: 20_000,
      // An evicted page still owes its views to Redis.
      dispose: (entry) => {
        if (entry.pending > 0) void this.write(entry).catch(() => {});
      },
    });
    this.timer = setInterval(() => void this.flush(), options.flushIntervalMs ?? 1000);
    this.timer.unref();
  }

  /**
   * Counts a view of the page (unless `counted` is false: a feed or a crawler's
   * copy is no reader) and returns its state, refreshed from Redis when older than `maxAgeMs`.
   */
  async view(siteId: string, page: PageRef, counted = true): Promise<PageState> {
    const key = `${siteId}|${page.id}`;
    let entry = this.entries.get(key);
    if (!entry) {
      entry = {
        siteId,
        page,
        state: null,
        checkedAt: 0,
        pending: 0,
        writing: 0,
        generation: 0,
        inflight: null,
      };
      this.entries.set(key, entry);
    }
    if (counted) entry.pending++;
    if (entry.state && this.isFresh(entry)) return withPending(entry);
    await this.revalidate(entry);
    return withPending(entry);
  }

  /**
   * `view` without waiting: the page's state when it is fresh here and `usable`
   * accepts it, counting the view; else undefined, counting nothing (then `view`).
   */
  cachedView(siteId: string, pageId: string, usable: (state: PageState) => boolean): PageState | undefined {
    const entry = this.entries.get(`${siteId}|${pageId}`);
    if (!entry?.state || !this.isFresh(entry) || !usable(entry.state)) return undefined;
    entry.pending++;
    return withPending(entry);
  }

  /**
   * Counts a view of a page whose `state` was just read with `view(…, false)`,
   * once the read is to be answered; the state with this view counted.
   */
  count(siteId: string, pageId: string, state: PageState): PageState {
    const entry = this.entries.peek(`${siteId}|${pageId}`);
    if (!entry) return state;
    entry.pending++;
    return { ...state, views: state.views + 1 };
  }

  /**
   * Whether the entry may be used as it is. Past three quarters of its age it
   * is revalidated in the background meanwhile, so a page read all the time is
   * never stale and its readers never wait for Redis.
   */
  private isFresh(entry: Entry): boolean {
    const age = Date.now() - entry.checkedAt;
    if (age >= this.maxAgeMs) return false;
    if (age >= (this.maxAgeMs * 3) / 4 && !entry.inflight)
      void this.revalidate(entry).catch((error: unknown) => this.options.onFlushError?.(error));
    return true;
  }

  /** Writes the pending views and takes the page's state from the answer; concurrent readers share one call. */
  private revalidate(entry: Entry): Promise<PageState> {
    entry.inflight ??= this.write(entry).finally(() => {
      entry.inflight = null;
    });
    return entry.inflight;
  }

  /** Forgets the page's state, so the next read asks Redis (after a write through this instance). */
  invalidate(siteId: string, pageId: string): void {
    const entry = this.entries.peek(`${siteId}|${pageId}`);
    if (entry) {
      entry.checkedAt = 0;
      entry.generation++;
    }
  }

  /** Forgets every page of the site (after a change that alters what many pages show). */
  invalidateSite(siteId: string): void {
    for (const entry of this.entries.values()) {
      if (entry.siteId === siteId) {
        entry.checkedAt = 0;
        entry.generation++;
      }
    }
  }

  /** Writes every pending view to Redis. */
  async flush(): Promise<void> {
    const owing = [...this.entries.values()].filter((entry) => entry.pending > 0 && !entry.inflight);
    await Promise.all(
      owing.map((entry) => this.write(entry).catch((error) => this.options.onFlushError?.(error))),
    );
  }

  /** Stops the flush timer and writes what is pending. */
  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }

  /** Adds the pending views in Redis and takes the page's state from the answer. */
  private async write(entry: Entry): Promise<PageState> {
    const views = entry.pending;
    const generation = entry.generation;
    entry.pending = 0;
    entry.writing += views;
    try {
      const state = await this.store.viewPage(entry.siteId, entry.page, views);
      entry.state = state;
      if (entry.generation === generation) entry.checkedAt = Date.now();
      return state;
    } catch (error) {
      entry.pending += views;
      throw error;
    } finally {
      entry.writing -= views;
    }
  }
}

const withPending = (entry: Entry): PageState => ({
  ...entry.state!,
  views: entry.state!.views + entry.writing + entry.pending,
});
