-- KEYS[1] the user's notifications (zset), KEYS[2] their unread counter.
-- ARGV: prefix, offset, count, longest kept (ms), now (ms).
-- Drops what has outlived `longest kept` (and its share of the counter), then
-- returns { unread, member, created (ms), page id, page url, ... } for a page of
-- them, newest first. The page comes from the comment, which is looked up here
-- rather than copied into every notification; a comment gone since leaves ''.
local unread = tonumber(redis.call('GET', KEYS[2]) or '0')
local old = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', '(' .. (tonumber(ARGV[5]) - tonumber(ARGV[4])))
if #old > 0 then
  for _, member in ipairs(old) do
    if member:sub(1, 1) == 'u' then unread = unread - 1 end
    redis.call('ZREM', KEYS[1], member)
  end
  if unread > 0 then redis.call('SET', KEYS[2], unread, 'KEEPTTL') else redis.call('DEL', KEYS[2]) end
end
local out = { math.max(unread, 0) }
local page = redis.call('ZREVRANGE', KEYS[1], tonumber(ARGV[2]), tonumber(ARGV[2]) + tonumber(ARGV[3]) - 1, 'WITHSCORES')
for i = 1, #page, 2 do
  local raw = redis.call('GET', k_comment(page[i]:sub(3, 24)))
  local page_id = raw and cmsgpack.unpack(raw)[1] or ''
  out[#out + 1] = page[i]
  out[#out + 1] = page[i + 1]
  out[#out + 1] = page_id
  out[#out + 1] = page_id ~= '' and (redis.call('HGET', k_page(page_id), 'url') or '') or ''
end
return out
