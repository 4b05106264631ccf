-- KEYS[1] the recipient's mail window. ARGV: prefix, user id, notifications sent (the first ones of
-- the digest), left-out ones counted in it, now (ms), window (ms), how long the keys outlive it (ms).
-- Takes what a digest e-mail carried out of the digest; the e-mail opens a new window. Returns how
-- many notifications still wait (those that came while it was being made): their digest is due then.
local digest = k_mail_digest(ARGV[2])
local now, window, keep = tonumber(ARGV[5]), tonumber(ARGV[6]), tonumber(ARGV[7])
redis.call('LTRIM', digest, tonumber(ARGV[3]), -1)
local more = redis.call('HINCRBY', KEYS[1], 'm', -tonumber(ARGV[4]))
if more <= 0 then redis.call('HDEL', KEYS[1], 'm') end
redis.call('HSET', KEYS[1], 'e', now + window)
redis.call('PEXPIRE', KEYS[1], window + keep)
return redis.call('LLEN', digest)
