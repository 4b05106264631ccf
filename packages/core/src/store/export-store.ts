import { keys, sitePrefix } from '../keys.js';
import type { StoredComment } from '../types.js';
import { readComments } from './comment-store.js';
import type { RedisClient } from './redis.js';
import { translateRedisError } from './redis.js';
import { runScript } from './scripts.js';

/** The record families a site export walks: pages, users (commenters) and comments. */
export type RecordFamily = 'p' | 'u' | 'c';

/** A page's hash as an export shows it. */
export interface StoredPage {
  id: string;
  url: string | null;
  key: string | null;
  locked: boolean;
  count: number;
  views: number;
  /** Last change, Unix seconds (0: never). */
  updated: number;
}

/**
 * What a whole-site export reads: the site's records a batch at a time, never
 * all at once. The walk runs on the node that holds the site's slot (a script
 * with the site's hash in `KEYS`), so it works the same on a cluster.
 */
export class ExportStore {
  constructor(private readonly redis: RedisClient) {}

  /**
   * One step of a walk over a family's record ids (SCAN, about `batch` keys
   * looked at). Start with cursor `'0'`; the walk is complete when the cursor
   * returned is `'0'` again. As with SCAN, an id may come twice and a record
   * added or removed meanwhile may or may not come.
   */
  async scan(
    siteId: string,
    family: RecordFamily,
    cursor: string,
    batch: number,
  ): Promise<{ cursor: string; ids: string[] }> {
    const [next, ids] = await runScript(
      this.redis,
      'scanSite',
      [keys.site(siteId)],
      [sitePrefix(siteId), cursor, batch, family],
    ).catch(translateRedisError);
    return { cursor: String(next), ids };
  }

  /** The pages that exist among `ids`, in that order: one pipeline. */
  async pages(siteId: string, ids: string[]): Promise<StoredPage[]> {
    if (ids.length === 0) return [];
    const pipeline = this.redis.pipeline();
    for (const id of ids)
      pipeline.hmget(keys.page(siteId, id), 'url', 'key', 'locked', 'count', 'views', 'updated');
    const answers = (await pipeline.exec().catch(translateRedisError)) ?? [];
    return ids.flatMap((id, i) => {
      const [error, values] = answers[i]!;
      if (error) translateRedisError(error);
      const [url, key, locked, count, views, updated] = values as (string | null)[];
      // A page hash always has its counters; none at all means it went meanwhile.
      if (url === null && key === null && count === null && views === null) return [];
      return [
        {
          id,
          url: url || null,
          key: key || null,
          locked: locked === '1',
          count: Number(count ?? 0),
          views: Number(views ?? 0),
          updated: Number(updated ?? 0),
        },
      ];
    });
  }

  /** The comments that exist among `ids`, in that order, each with whether it is pinned: an MGET and a pipeline. */
  async comments(siteId: string, ids: string[]): Promise<{ comment: StoredComment; pinned: boolean }[]> {
    const comments = await readComments(this.redis, siteId, ids);
    // Only roots can be pinned: their page's pin set says whether they are.
    const roots = comments.filter((c) => c.pid === '');
    const pinned = new Set<string>();
    if (roots.length > 0) {
      const pipeline = this.redis.pipeline();
      for (const root of roots) pipeline.zscore(keys.pinned(siteId, root.pg), root.i);
      const answers = (await pipeline.exec().catch(translateRedisError)) ?? [];
      answers.forEach(([error, score], i) => {
        if (error) translateRedisError(error);
        if (score !== null) pinned.add(roots[i]!.i);
      });
    }
    return comments.map((comment) => ({ comment, pinned: pinned.has(comment.i) }));
  }
}
