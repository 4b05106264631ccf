-- KEYS[1] the mail queue (zset of job JSON by due time, ms). ARGV: '' (no site), now (ms), lease (ms).
-- Claims the job due first by moving its due time to now + lease: a worker that dies while
-- sending leaves the job to be claimed again when the lease runs out. Returns the job or nil.
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[2], 'LIMIT', 0, 1)
if #due == 0 then return nil end
redis.call('ZADD', KEYS[1], 'XX', tonumber(ARGV[2]) + tonumber(ARGV[3]), due[1])
return due[1]
