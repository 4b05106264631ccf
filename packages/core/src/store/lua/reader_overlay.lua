-- KEYS[1] the page's hidden index the reader may see (their own held comments, or all of them for
-- moderators); KEYS[2], when the reader has an account, their votes hash.
-- ARGV[1] how many hidden comments at most; ARGV[2] how many comments the thread shows.
--
-- What a signed-in thread read adds to the shared thread, in one call: the ids of the newest
-- hidden comments (newest first), then the reader's votes as votes_on.lua gives them (all of them,
-- or false when they are more than the thread shows and the caller asks for its comments by id).
local hidden = redis.call('ZREVRANGE', KEYS[1], 0, tonumber(ARGV[1]) - 1)
if not KEYS[2] then return { hidden } end
if redis.call('HLEN', KEYS[2]) > tonumber(ARGV[2]) then return { hidden, false } end
return { hidden, redis.call('HGETALL', KEYS[2]) }
