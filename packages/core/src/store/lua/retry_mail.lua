-- KEYS[1] the mail queue. ARGV: '' (no site), the claimed job, the job for the next attempt, when it is due (ms).
-- Replaces a claimed job by its next attempt, unless the job is gone (another worker finished
-- it after this one's lease ran out). Returns 1 when rescheduled.
if redis.call('ZREM', KEYS[1], ARGV[2]) == 0 then return 0 end
redis.call('ZADD', KEYS[1], tonumber(ARGV[4]), ARGV[3])
return 1
