-- KEYS[1] page hash. ARGV: prefix, page url, page key.
-- Counts a view and returns what decides whether a cached thread is still
-- current: { page views, version, site epoch, public comment count, updated }.
local page = KEYS[1]
local views = redis.call('HINCRBY', page, 'views', 1)
if views == 1 then
  if ARGV[2] ~= '' then redis.call('HSETNX', page, 'url', ARGV[2]) end
  if ARGV[3] ~= '' then redis.call('HSETNX', page, 'key', ARGV[3]) end
end
local state = redis.call('HMGET', page, 'ver', 'count', 'updated')
return { views, tonumber(state[1]) or 0, tonumber(redis.call('GET', K_EPOCH)) or 0, tonumber(state[2]) or 0, tonumber(state[3]) or 0 }
