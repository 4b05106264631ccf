-- KEYS[1] login lookup (e-mail or phone), KEYS[2] user hash. ARGV: prefix, user id, field, value, ...
-- Claims the login and creates the account together; returns 0 when the login is taken.
if redis.call('SET', KEYS[1], ARGV[2], 'NX') == false then return 0 end
-- A guest becoming an account changes the name its comments show.
if redis.call('EXISTS', KEYS[2]) == 1 then redis.call('INCR', K_EPOCH) end
redis.call('HSET', KEYS[2], unpack(ARGV, 3))
return 1
