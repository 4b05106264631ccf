-- KEYS[1] the page's commenters (list). ARGV: prefix, user id.
-- Adds a user to the page's commenters unless they are in it already: a list,
-- because Redis keeps a list compact at any length, where a set of strings is a
-- hash table and a sorted set past 128 members a skip list. Returns 1 when added.
if redis.call('LPOS', KEYS[1], ARGV[2]) then return 0 end
redis.call('RPUSH', KEYS[1], ARGV[2])
return 1
