import { CommentStore, keys, newId } from '@threadkit/core';
import { perFileRedis } from '@threadkit/testing';
import { expect, it } from 'vitest';

const db = perFileRedis();

it('reads page URLs and reports of more keys than one batch holds, in the order asked', async () => {
  const store = new CommentStore(db.redis);
  const site = newId();
  // More than one pipelined batch, with gaps: every third page has no URL, every fourth comment no report.
  const pages = Array.from({ length: 1203 }, (_, i) => `p${i}`);
  const comments = Array.from({ length: 1203 }, (_, i) => `c${i}`);
  for (const [i, page] of pages.entries()) {
    if (i % 3 !== 0) await db.redis.hset(keys.page(site, page), 'url', `https://example.com/${i}`);
  }
  const report = (i: number) => ({ reason: 'spam', details: `#${i}`, created_at: i });
  for (const [i, comment] of comments.entries()) {
    if (i % 4 !== 0) await db.redis.hset(keys.commentReports(site, comment), 'U', JSON.stringify(report(i)));
  }
  await db.redis.hset(keys.commentReports(site, 'c0'), 'someone else', JSON.stringify(report(0)));

  expect(await store.pageUrls(site, pages)).toEqual(
    pages.map((_, i) => (i % 3 === 0 ? null : `https://example.com/${i}`)),
  );
  expect(await store.reportsBy(site, comments, 'U')).toEqual(
    comments.map((_, i) => (i % 4 === 0 ? null : report(i))),
  );
  expect(await store.pageUrls(site, [])).toEqual([]);
});
