-- KEYS[1] the user's notification ids (zset), KEYS[2] their records (hash), KEYS[3] their
-- unread counter, KEYS[4] (optional) a throttle key: the notification is only added when
-- that key can be set (SET NX EX), which batches upvotes to one per comment per window.
-- ARGV: prefix, recipient id, notification id, created (ms), record JSON, cap, throttle seconds.
-- Adds one unread notification with the page's URL, keeps the newest `cap`, and keeps the
-- counter equal to the unread records left. Returns the stored JSON, or nil when skipped
-- (the account no longer exists, or the throttle key is set).
local uid = ARGV[2]
if redis.call('EXISTS', k_user(uid)) == 0 then return nil end
if KEYS[4] and not redis.call('SET', KEYS[4], '1', 'NX', 'EX', tonumber(ARGV[7])) then return nil end

local record = cjson.decode(ARGV[5])
record.page_url = redis.call('HGET', k_page(record.page_id), 'url') or ''
record.read = false
local json = cjson.encode(record)
redis.call('HSET', KEYS[2], ARGV[3], json)
redis.call('ZADD', KEYS[1], tonumber(ARGV[4]), ARGV[3])
redis.call('INCR', KEYS[3])

local excess = redis.call('ZCARD', KEYS[1]) - tonumber(ARGV[6])
if excess > 0 then
  local unread = 0
  for _, id in ipairs(redis.call('ZRANGE', KEYS[1], 0, excess - 1)) do
    local raw = redis.call('HGET', KEYS[2], id)
    if raw and not cjson.decode(raw).read then unread = unread + 1 end
    redis.call('HDEL', KEYS[2], id)
  end
  redis.call('ZREMRANGEBYRANK', KEYS[1], 0, excess - 1)
  if unread > 0 then redis.call('DECRBY', KEYS[3], unread) end
end
return json
