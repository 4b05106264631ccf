/**
 * The census generator at a tiny scale: the site it writes has the planned
 * shape (read back through the services, so the check holds on any storage
 * layout), every key it leaves belongs to a family, and the census adds up to
 * what Redis says it uses.
 */
import { type CommentView, loadConfig, resolvePage, type Viewer } from '@threadkit/core';
import { connectRedis, createContext } from '@threadkit/server';
import { type RedisServerHandle, startRedis } from '@threadkit/testing';
import { Redis } from 'ioredis';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memoryInfo, takeCensus } from '../../bench/census/census.js';
import { OTHER } from '../../bench/census/families.js';
import { type FillResult, fillSite } from '../../bench/census/fill.js';
import { Fate, planSite, type SitePlan, targetsFor } from '../../bench/census/shape.js';
import { pageUrl } from '../../bench/census/text.js';

const SCALE = 0.0005;
const SEED = 7;

/** Comments still published at the end: never held back, or approved, and not taken down. */
const PUBLISHED_FATES = new Set<number>([
  Fate.published,
  Fate.heldApproved,
  Fate.reportedDismissed,
  Fate.reportedOpen,
]);

describe('census generator', () => {
  let server: RedisServerHandle;
  let redis: Redis;
  let plan: SitePlan;
  let fill: FillResult;
  let emptyDataset: number;

  beforeAll(async () => {
    // Redis 7 keeps a latency histogram per command used (tens of KB each), outside every key and
    // outside used_memory_overhead: at this scale they would be a third of the data set.
    server = await startRedis({ args: ['--latency-tracking', 'no'] });
    redis = new Redis(server.url);
    emptyDataset = (await memoryInfo(redis)).used_memory_dataset;
    plan = planSite(targetsFor(SCALE, SEED));
    fill = await fillSite({ plan, redisUrl: server.url, concurrency: 32 });
  });

  afterAll(async () => {
    redis?.disconnect();
    await server?.stop();
  });

  it('plans the scaled shape', () => {
    const { targets } = plan;
    expect(targets).toMatchObject({ comments: 500, pages: 5, users: 25, votes: 1000 });
    expect(plan.pageSize.reduce((a, b) => a + b, 0)).toBe(500);
    const roots = plan.commentDepth.filter((depth) => depth === 0).length;
    expect(roots / targets.comments).toBeCloseTo(0.4, 2);
    expect(Math.max(...plan.commentDepth)).toBeLessThanOrEqual(4);
    expect(Math.max(...plan.commentDepth)).toBeGreaterThanOrEqual(3);
    expect(plan.voteComment.length).toBe(targets.votes);
    for (let v = 0; v < plan.voteComment.length; v++) {
      expect(plan.commentAuthor[plan.voteComment[v]!]).not.toBe(plan.voteVoter[v]);
    }
  });

  it('posts every planned comment and vote through the services', () => {
    expect(fill.posted.approved + fill.posted.pending).toBe(500);
    expect(fill.unexpectedStatus).toBe(0);
    expect(fill.votes).toBe(plan.voteComment.length);
  });

  it('leaves the planned threads, as readers see them', async () => {
    const config = loadConfig({ REDIS_URL: server.url, LOG_LEVEL: 'silent' });
    const connection = await connectRedis(config, () => {});
    const context = await createContext(config, connection.redis, pino({ level: 'silent' }));
    try {
      const site = await context.sites.get(fill.siteId);
      const pages = Array.from({ length: plan.targets.pages }, (_, p) =>
        resolvePage(site.id, { page_url: pageUrl(SEED, p) }),
      );
      const published = plan.commentFate.filter((fate) => PUBLISHED_FATES.has(fate)).length;
      const counts = await context.comments.counts(
        site,
        pages.map((page, p) => ({ label: String(p), page })),
      );
      expect(Object.values(counts).reduce((a, b) => a + b, 0)).toBe(published);

      const reader: Viewer = { siteId: site.id, userId: null, role: 'anonymous', sessionId: null };
      let roots = 0;
      let visible = 0;
      let deepest = 0;
      let votes = 0;
      // Every comment, following each one's replies beyond the first few (`rx`).
      const walk = async (comments: CommentView[], depth: number): Promise<void> => {
        for (const comment of comments) {
          if (comment.s === 'approved') {
            visible++;
            votes += comment.u + comment.d;
            if (depth === 0) roots++;
          }
          deepest = Math.max(deepest, depth);
          await walk(comment.r, depth + 1);
          for (let cursor = comment.rx; cursor !== undefined && cursor !== null; ) {
            const more = await context.threads.readReplies(reader, {
              commentId: comment.i,
              limit: 200,
              replies: 50,
              cursor: cursor || null,
            });
            await walk(more.comments, depth + 1);
            cursor = more.next_cursor ?? undefined;
          }
        }
      };
      for (const page of pages) {
        for (let cursor: string | null = null, first = true; first || cursor; first = false) {
          const result = await context.threads.read(reader, {
            page,
            sort: 'old',
            limit: 200,
            replies: 50,
            cursor,
            ifNoneMatch: null,
            poweredBy: null,
          });
          if (result.notModified) throw new Error('a first read cannot be "not modified"');
          const body = JSON.parse(Buffer.concat(result.body).toString('utf8')) as {
            tree: { comments: CommentView[] };
            next_cursor: string | null;
          };
          await walk(body.tree.comments, 0);
          cursor = body.next_cursor;
        }
      }
      expect(visible).toBe(published);
      expect(roots / visible).toBeGreaterThan(0.35);
      expect(roots / visible).toBeLessThan(0.45);
      expect(deepest).toBeLessThanOrEqual(4);
      // Every vote on a comment still published shows in its counts.
      let expectedVotes = 0;
      for (const comment of plan.voteComment)
        if (PUBLISHED_FATES.has(plan.commentFate[comment]!)) expectedVotes++;
      expect(votes).toBe(expectedVotes);
    } finally {
      await connection.close();
    }
  });

  it('finds a family for every key, and adds up to what Redis uses', async () => {
    const census = await takeCensus(redis);
    expect(census.families.find((f) => f.name === OTHER)?.examples ?? []).toEqual([]);
    expect(census.keys).toBe(await redis.dbsize());
    // What the keys hold, against what the data set grew by (an empty server has some already).
    const grown = census.memory.used_memory_dataset - emptyDataset;
    expect(census.bytes / grown).toBeGreaterThan(0.85);
    expect(census.bytes / grown).toBeLessThan(1.2);
  });
});
