-- KEYS[1] the purges (zset: site id by when its purge was last asked, ms). ARGV: '' (a key of no
-- site), site id, when the purge that was done had been asked (ms).
-- Ends a site's purge, unless it was asked again since (its time moved on): then writes the later
-- request allowed for must be looked for too. Returns 1 when it ended.
local asked = redis.call('ZSCORE', KEYS[1], ARGV[2])
if not asked or tonumber(asked) ~= tonumber(ARGV[3]) then return 0 end
redis.call('ZREM', KEYS[1], ARGV[2])
return 1
