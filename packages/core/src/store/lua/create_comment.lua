-- KEYS[1] page hash. ARGV: prefix, comment JSON (without rt), is_moderator, page url, page key,
-- queue for review (1/0). Returns { root id or '', visible to everyone (1/0) }.
-- Stores a comment and indexes it: a root goes into the page's sort indexes,
-- a reply into its parent's replies, and the parent's reply_count goes up.
local c = cjson.decode(ARGV[2])
local is_mod = ARGV[3] == '1'
if not is_mod and is_locked(c.pg) then return fail('forbidden', 'Comments are closed here.') end

c.rt = ''
if c.pid ~= '' then
  local parent = load_comment(c.pid)
  if not parent or parent.pg ~= c.pg then return fail('not_found', 'The parent comment does not exist on this page.') end
  if parent.s == 'deleted' then return fail('conflict', 'You cannot reply to a deleted comment.') end
  local visible = parent.a == c.a or is_mod or (parent.s == 'approved' and not is_shadowbanned(parent.a))
  if not visible then return fail('not_found', 'The parent comment does not exist on this page.') end
  c.rt = parent.rt ~= '' and parent.rt or parent.i
  parent.rc = parent.rc + 1
  save_comment(parent)
  redis.call('ZADD', k_replies(parent.i), c.cm, c.i)
else
  index_root(c)
end

save_comment(c)
redis.call('ZADD', k_user_comments(c.a), c.cm, c.i)
if ARGV[6] == '1' then redis.call('ZADD', K_MODQUEUE, c.cm, c.i) end

local page = KEYS[1]
if ARGV[4] ~= '' then redis.call('HSET', page, 'url', ARGV[4]) end
if ARGV[5] ~= '' then redis.call('HSETNX', page, 'key', ARGV[5]) end
local public = is_public(c)
if public then redis.call('HINCRBY', page, 'count', 1) end
touch_page(c.pg, c.c)
return { c.rt, public and 1 or 0 }
