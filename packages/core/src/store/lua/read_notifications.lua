-- KEYS[1] the user's notifications (zset), KEYS[2] their unread counter.
-- ARGV: prefix, then the notification ids to mark read (none: all of them).
-- Marks notifications read; the counter drops by exactly as many as were unread
-- (unknown or already read ids change nothing), so it never goes negative.
-- Returns how many changed.
local changed = 0
local function mark(body)
  local score = redis.call('ZSCORE', KEYS[1], 'u' .. body)
  if score then
    redis.call('ZREM', KEYS[1], 'u' .. body)
    redis.call('ZADD', KEYS[1], score, 'r' .. body)
    changed = changed + 1
  end
end
if #ARGV > 1 then
  -- An id is the member's type and comment; the actor follows them in the member.
  local wanted = {}
  for i = 2, #ARGV do wanted[ARGV[i]] = true end
  for _, member in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
    if member:sub(1, 1) == 'u' and wanted[member:sub(2, 24)] then mark(member:sub(2)) end
  end
else
  for _, member in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
    if member:sub(1, 1) == 'u' then mark(member:sub(2)) end
  end
end
local left = tonumber(redis.call('GET', KEYS[2]) or '0') - changed
if left <= 0 or #ARGV == 1 then
  redis.call('DEL', KEYS[2])
else
  redis.call('SET', KEYS[2], left, 'KEEPTTL')
end
return changed
