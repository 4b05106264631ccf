-- Where the page's event log stands: its newest id, or, with no log, the id
-- the next event could have at the earliest (now on the Redis clock).
-- KEYS[1]: the page's event stream. ARGV: P.
local newest = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)
if newest[1] then return newest[1][1] end
local t = redis.call('TIME')
return string.format('%d-0', tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000))
