import { keys, luaPrelude, sitePrefix } from '@threadkit/core';
import { perFileRedis } from '@threadkit/testing';
import { expect, it } from 'vitest';

const db = perFileRedis();

it('builds the same keys in Lua as keys.ts does', async () => {
  // The prelude of every script, followed by a body that returns what its key builders make.
  const lua = `${luaPrelude()}
return { k_comment('C'), k_replies('C'), k_reports('C'), k_page('P'), k_index('P', 'hot'), k_pinned('P'),
  k_user('U'), k_votes('U'), k_user_comments('U'), K_SHADOWBANNED, K_EPOCH, K_REPORTS }`;
  const site = '0190f5d2-7c1a-7b3e-9a4f-2d6c8e1f3a5b';
  const fromLua = await db.redis.eval(lua, 0, sitePrefix(site));
  expect(fromLua).toEqual([
    keys.comment(site, 'C'),
    keys.replies(site, 'C'),
    keys.commentReports(site, 'C'),
    keys.page(site, 'P'),
    keys.pageIndex(site, 'P', 'hot'),
    keys.pinned(site, 'P'),
    keys.user(site, 'U'),
    keys.userVotes(site, 'U'),
    keys.userComments(site, 'U'),
    keys.shadowbanned(site),
    keys.siteEpoch(site),
    keys.reports(site),
  ]);
});
