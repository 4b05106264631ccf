-- KEYS[1] page hash. ARGV: prefix, id, page id, parent id (''), author id, Markdown, HTML ('' when
-- plain), created (ms), status ('approved' | 'pending'), hold reason, is moderator, page url,
-- page key, queue for review (1/0), deepest level, the usage month (YYYY-MM) and day (YYYY-MM-DD)
-- it counts in, the month's comment limit (0: none), the usage keys' TTL (s), how many pages the
-- month's `page_comments` keeps, the post's idempotency key ('' for none) and what it holds
-- (`<id> <digest>`) and how long (s); then, to announce
-- it, the page's log (stream, channel, max entries, window ms, keep ms, sharded) and the
-- `new_comment` envelopes for everyone and for its author and moderators, with a hole for `pid`.
-- Returns { whether everyone may see it (1/0), the parent it was stored under ('' for a root) },
-- or { -1, the id of the comment stored earlier } for a post its idempotency key already made.
-- Stores a comment and places it: a published root in the page's sort indexes,
-- a published reply in its parent's replies, anything else among the hidden;
-- the parent's stored reply count goes up, and the page's count when readers
-- reach it (a published reply under a hidden comment is listed, but waits
-- unseen with it). A reply to a comment on the deepest
-- level is stored beside that comment, under its parent.
local c = {
  i = ARGV[2], pg = ARGV[3], pid = ARGV[4], a = ARGV[5], t = ARGV[6], h = ARGV[7], u = 0, d = 0,
  cm = tonumber(ARGV[8]), m = 0, s = ARGV[9], rc = 0, hr = ARGV[10], e = 0,
}
local is_mod = ARGV[11] == '1'
local deepest = tonumber(ARGV[15])
-- A retried post (the same Idempotency-Key) gets the comment the first one stored, whatever changed since.
local once = ARGV[21]
if once ~= '' then
  local earlier = redis.call('GET', once)
  if earlier then
    local id, digest = string.match(earlier, '^(%S+) (%S+)$')
    if digest ~= string.match(ARGV[22], ' (%S+)$') then
      return fail('conflict', 'This Idempotency-Key was already used for a different comment.')
    end
    return { -1, id }
  end
end
if not is_mod and is_locked(c.pg) then return fail('forbidden', 'Comments are closed here.') end
-- Counted here, in the write itself, so a plan's limit holds exactly however many servers post.
local usage_month, usage_day = P .. ':usage:' .. ARGV[16], P .. ':usage:' .. ARGV[17]
local limit = tonumber(ARGV[18])
if limit > 0 and (tonumber(redis.call('HGET', usage_month, 'comments')) or 0) >= limit then
  return fail('plan_limit', 'This site has reached its comment limit for the month.')
end

if c.pid ~= '' then
  local parent = load_comment(c.pid)
  if not parent or parent.pg ~= c.pg then return fail('not_found', 'The parent comment does not exist on this page.') end
  if parent.s == 'deleted' then return fail('conflict', 'You cannot reply to a deleted comment.') end
  local visible = parent.a == c.a or is_mod or (parent.l == 1 and reachable(parent))
  if not visible then return fail('not_found', 'The parent comment does not exist on this page.') end
  -- The parent and the comments above it, nearest first: the parent is on level #chain.
  local chain = ancestry(parent)
  if #chain >= deepest then parent = chain[#chain - deepest + 2] end
  c.pid = parent.i
  parent.rc = parent.rc + 1
  save_comment(parent)
end

place(c)
redis.call('RPUSH', k_user_comments(c.a), c.i)
if ARGV[14] == '1' then redis.call('ZADD', K_MODQUEUE, c.cm, c.i) end

local page = KEYS[1]
-- The first URL stays the page's (commenters cannot move its links); a moderator's comment may set a new one.
if ARGV[12] ~= '' then redis.call(is_mod and 'HSET' or 'HSETNX', page, 'url', ARGV[12]) end
if ARGV[13] ~= '' then redis.call('HSETNX', page, 'key', ARGV[13]) end
for _, usage in ipairs({ usage_month, usage_day }) do
  redis.call('HINCRBY', usage, 'comments', 1)
  redis.call('EXPIRE', usage, ARGV[19])
end
-- The month's top pages by comments: past the cap the lowest go (an approximation, docs/redis.md).
local top = usage_month .. ':page_comments'
redis.call('ZINCRBY', top, 1, c.pg)
redis.call('ZREMRANGEBYRANK', top, 0, -(tonumber(ARGV[20]) + 1))
redis.call('EXPIRE', top, ARGV[19])
if once ~= '' then redis.call('SET', once, ARGV[22], 'EX', ARGV[23]) end
local public = is_public(c)
touch_page(c.pg, math.floor(c.cm / 1000))
-- Announced in the same step as the write: a crash cannot leave it stored but unannounced.
if ARGV[24] then
  local log = { ARGV[24], ARGV[25], ARGV[26], ARGV[27], ARGV[28], ARGV[29] }
  local pid = c.pid == '' and 'null' or cjson.encode(c.pid)
  log_page_event(log, fill(public and ARGV[30] or ARGV[31], { pid = pid }))
end
return { public and 1 or 0, c.pid }
