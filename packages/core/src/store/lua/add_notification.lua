-- KEYS[1] the user's notifications (zset), KEYS[2] their unread counter, KEYS[3] (optional) a
-- throttle key: the notification is only added when that key can be set (SET NX EX), which
-- batches upvotes to one per comment per window.
-- ARGV: prefix, recipient id, notification (type letter, comment id, actor id), created (ms),
-- most kept, throttle seconds, longest kept (ms), the comment's page id, options: 's' skips a
-- shadow-banned recipient, 'c' returns the comment's record.
-- A notification is one member, its read state ('u' or 'r') in front: the same
-- notification again (a later upvote of the same comment) replaces it. Keeps the
-- newest `most kept` within `longest kept`, keeps the counter equal to the unread
-- members left, and lets both keys expire with the newest notification, so an
-- inactive user's notifications go without a sweep. Returns nil when skipped (the
-- account no longer exists, its user is banned, or shadow-banned with 's', or the
-- throttle key is set); else 1, the page's URL (false for a page known by its key
-- alone) and, with 'c', the comment's record (false when it is gone): what telling
-- the user needs, read in the same step.
local uid = ARGV[2]
local options = ARGV[9]
if redis.call('EXISTS', k_user(uid)) == 0 then return nil end
if redis.call('SISMEMBER', K_BANNED, uid) == 1 then return nil end
if options:find('s', 1, true) and redis.call('SISMEMBER', K_SHADOWBANNED, uid) == 1 then return nil end
if KEYS[3] and not redis.call('SET', KEYS[3], '1', 'NX', 'EX', tonumber(ARGV[6])) then return nil end

local body = ARGV[3]
local created = tonumber(ARGV[4])
local unread = tonumber(redis.call('GET', KEYS[2]) or '0')
if redis.call('ZREM', KEYS[1], 'u' .. body) == 1 then unread = unread - 1 end
redis.call('ZREM', KEYS[1], 'r' .. body)
redis.call('ZADD', KEYS[1], created, 'u' .. body)
unread = unread + 1

local function drop(members)
  for _, member in ipairs(members) do
    if member:sub(1, 1) == 'u' then unread = unread - 1 end
    redis.call('ZREM', KEYS[1], member)
  end
end
drop(redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', '(' .. (created - tonumber(ARGV[7]))))
local excess = redis.call('ZCARD', KEYS[1]) - tonumber(ARGV[5])
if excess > 0 then drop(redis.call('ZRANGE', KEYS[1], 0, excess - 1)) end

redis.call('SET', KEYS[2], unread)
redis.call('PEXPIRE', KEYS[1], ARGV[7])
redis.call('PEXPIRE', KEYS[2], ARGV[7])

local page_url = ARGV[8] ~= '' and redis.call('HGET', k_page(ARGV[8]), 'url')
local record = false
-- The member's comment id: after the type letter, 22 characters.
if options:find('c', 1, true) then record = redis.call('GET', k_comment(body:sub(2, 23))) end
return { 1, page_url, record }
