-- Appends a live event to the page's short log and publishes it in the same
-- step, so the log's order is the order every subscriber saw. The log keeps
-- the last `window` ms and about `max` entries; the key itself lives `keep` ms
-- after the page's last event, so a quiet page can still say "nothing since".
-- KEYS[1]: the page's event stream.
-- ARGV: P, channel, envelope JSON {"audience":…,"message":…}, max entries,
--       window ms, keep ms, sharded ('1' on Redis Cluster).
local stream = KEYS[1]
local envelope = ARGV[3]
local window = tonumber(ARGV[5])
local keep = tonumber(ARGV[6])

local fresh = redis.call('EXISTS', stream) == 0
local id = redis.call('XADD', stream, 'MAXLEN', '~', ARGV[4], '*', 'e', envelope)
local ms = tonumber(string.match(id, '^(%d+)'))
if fresh then
  -- No log means no event for `keep` ms; before that, the new log cannot vouch for anything.
  redis.call('XSETID', stream, id, 'MAXDELETEDID', string.format('%d', ms - keep) .. '-18446744073709551615')
end
redis.call('XTRIM', stream, 'MINID', '~', string.format('%d', ms - window))
redis.call('PEXPIRE', stream, keep)

-- The published copy carries its log id in front of the envelope's fields.
publish(ARGV[2], '{"id":"' .. id .. '",' .. string.sub(envelope, 2), ARGV[7])
return id
