-- KEYS[1] session, KEYS[2] the user's sessions, KEYS[3] user hash.
-- ARGV: prefix, session id, user id, refresh token hash, created (s), lifetime (s),
-- the password hash a password sign-in was checked against ('' for other sign-ins).
-- Starts a session. A password sign-in starts one only while that password is still the
-- account's: one removed or changed while it was being checked (an address proven by
-- someone else, a reset) signs nobody in. Returns 1, or 0 when the password has changed.
if ARGV[7] ~= '' and redis.call('HGET', KEYS[3], 'password') ~= ARGV[7] then return 0 end
redis.call('HSET', KEYS[1], 'uid', ARGV[3], 'rh', ARGV[4], 'created', ARGV[5])
redis.call('EXPIRE', KEYS[1], ARGV[6])
redis.call('ZADD', KEYS[2], 0, ARGV[2])
return 1
