-- KEYS[1] a user's votes hash. ARGV[1] how many comments the caller asks about.
--
-- All the user's votes on the site, as { comment id, 'u' | 'd', ... }, when there are no more of
-- them than that; otherwise false, and the caller asks for its comments by id (HMGET). Most users
-- have cast fewer votes than a thread read shows comments, and a command naming up to 700
-- comments costs the server's Redis client far more than this costs Redis.
if redis.call('HLEN', KEYS[1]) > tonumber(ARGV[1]) then return false end
return redis.call('HGETALL', KEYS[1])
