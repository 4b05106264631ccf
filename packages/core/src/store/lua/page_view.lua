-- KEYS[1] page hash. ARGV: prefix, views to add, page key.
-- Adds the views an instance has counted since its last call and returns what
-- decides whether a cached thread is still current:
-- { page views, version, site epoch, public comment count, updated }.
-- (A reader's page URL is not stored: a page's URL comes from its comments, checked against the site.)
local page = KEYS[1]
local views = redis.call('HINCRBY', page, 'views', ARGV[2])
if ARGV[3] ~= '' then redis.call('HSETNX', page, 'key', ARGV[3]) end
local state = redis.call('HMGET', page, 'ver', 'count', 'updated')
return { views, tonumber(state[1]) or 0, tonumber(redis.call('GET', K_EPOCH)) or 0, tonumber(state[2]) or 0, tonumber(state[3]) or 0 }
