-- KEYS[1] the user's notification records (hash), KEYS[2] their unread counter.
-- ARGV: prefix, then the ids to mark read (none: all of them).
-- Marks notifications read; the counter drops by exactly as many as were unread (unknown or
-- already read ids change nothing), so it never goes negative. Returns how many changed.
local ids = {}
if #ARGV > 1 then
  for i = 2, #ARGV do ids[#ids + 1] = ARGV[i] end
else
  ids = redis.call('HKEYS', KEYS[1])
end
local changed = 0
for _, id in ipairs(ids) do
  local raw = redis.call('HGET', KEYS[1], id)
  if raw then
    local record = cjson.decode(raw)
    if not record.read then
      record.read = true
      redis.call('HSET', KEYS[1], id, cjson.encode(record))
      changed = changed + 1
    end
  end
end
if #ARGV == 1 then
  redis.call('DEL', KEYS[2])
elseif changed > 0 and redis.call('DECRBY', KEYS[2], changed) <= 0 then
  redis.call('DEL', KEYS[2])
end
return changed
