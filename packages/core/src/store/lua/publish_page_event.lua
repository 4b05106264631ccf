-- Appends a live event to the page's short log and publishes it in the same
-- step, so the log's order is the order every subscriber saw. The log keeps
-- the last `window` ms and about `max` entries; the whole key expires once the
-- page has been quiet for `window` ms.
-- KEYS[1]: the page's event stream.
-- ARGV: P, channel, envelope JSON {"audience":…,"message":…}, max entries,
--       window ms, sharded ('1' on Redis Cluster).
local stream = KEYS[1]
local envelope = ARGV[3]
local window = tonumber(ARGV[5])

local id = redis.call('XADD', stream, 'MAXLEN', '~', ARGV[4], '*', 'e', envelope)
local ms = tonumber(string.match(id, '^(%d+)'))
redis.call('XTRIM', stream, 'MINID', '~', string.format('%d', ms - window))
redis.call('PEXPIRE', stream, window)

-- The published copy carries its log id in front of the envelope's fields.
publish(ARGV[2], '{"id":"' .. id .. '",' .. string.sub(envelope, 2), ARGV[6])
return id
