import { channels, keys, luaPrelude, newId, sitePrefix } from '@threadkit/core';
import { perFileRedis } from '@threadkit/testing';
import { expect, it } from 'vitest';

const db = perFileRedis();

it('builds the same keys in Lua as keys.ts does', async () => {
  // The prelude of every script, followed by a body that returns what its key builders make.
  const lua = `${luaPrelude()}
return { k_comment('C'), k_replies('C'), k_reports('C'), k_page('P'), k_index('P', 'hot'), k_index('P', 'con'),
  k_pinned('P'), k_hidden('P'), k_hidden_by('P', 'U'), k_user('U'), k_votes('U'), k_user_comments('U'),
  k_user_reports('U'), k_user_sessions('U'), k_user_identities('U'), k_unread('U'), k_notifications('U'),
  k_mail_window('U'), k_mail_digest('U'),
  k_session('S'), k_session_used('S'), k_login('email', 'a@b.c'), k_identity('github:42'),
  k_code('verify', 'T'), k_limit('codes', 'T'), k_role('admin'), K_SHADOWBANNED, K_EPOCH, K_REPORTS,
  K_MODQUEUE, K_BANNED, comment_id_of(k_comment('C1')), k_webhook_queue('W', 'P'), k_webhook_log('W'),
  K_WEBHOOKS, K_WEBHOOK_FAILURES, k_page_events('P'), page_log('P', { 500, 1, 2, '0' })[2] }`;
  const site = newId();
  const fromLua = await db.redis.eval(lua, 0, sitePrefix(site));
  expect(fromLua).toEqual([
    keys.comment(site, 'C'),
    keys.replies(site, 'C'),
    keys.commentReports(site, 'C'),
    keys.page(site, 'P'),
    keys.pageIndex(site, 'P', 'hot'),
    keys.pageIndex(site, 'P', 'con'),
    keys.pinned(site, 'P'),
    keys.pageHidden(site, 'P'),
    keys.pageHiddenBy(site, 'P', 'U'),
    keys.user(site, 'U'),
    keys.userVotes(site, 'U'),
    keys.userComments(site, 'U'),
    keys.userReports(site, 'U'),
    keys.userSessions(site, 'U'),
    keys.userIdentities(site, 'U'),
    keys.userUnread(site, 'U'),
    keys.userNotifications(site, 'U'),
    keys.userMailWindow(site, 'U'),
    keys.userMailDigest(site, 'U'),
    keys.session(site, 'S'),
    keys.sessionUsedRefresh(site, 'S'),
    keys.login(site, 'email', 'a@b.c'),
    keys.identity(site, 'github', '42'),
    keys.code(site, 'verify', 'T'),
    keys.limit(site, 'codes', 'T'),
    keys.roleMembers(site, 'admin'),
    keys.shadowbanned(site),
    keys.siteEpoch(site),
    keys.reports(site),
    keys.modqueue(site),
    keys.banned(site),
    'C1',
    keys.webhookQueue(site, 'W', 'P'),
    keys.webhookLog(site, 'W'),
    keys.webhooks(site),
    keys.webhookFailures(site),
    keys.pageEvents(site, 'P'),
    channels.page(site, 'P'),
  ]);
});
