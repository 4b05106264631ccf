-- KEYS[1] a session, KEYS[2] its user's hash, KEYS[3] the site's banned set, KEYS[4] the page's
-- hidden index (moderators see it), KEYS[5] the page's hidden comments by this user, KEYS[6] the
-- user's votes hash.
-- ARGV[1] the user id; ARGV[2] how many hidden comments at most; ARGV[3] how many comments the
-- thread shows; ARGV[4..] the user's fields to read.
--
-- A signed-in thread read in one round trip instead of two: the session check of
-- session_state.lua, then, only when the session is the user's and they are not banned, the
-- overlay of reader_overlay.lua from the hidden index their rank may see. The caller still
-- decides from the first part whether the session stands, as it does for any request.
local fields = {}
for i = 4, #ARGV do fields[#fields + 1] = ARGV[i] end
local state = session_state(KEYS[1], KEYS[2], KEYS[3], ARGV[1], fields)
if state[1] ~= ARGV[1] or state[2] == 1 then return { state } end
local moderator = (RANK[redis.call('HGET', KEYS[2], 'role')] or 1) >= RANK.moderator
local hidden_key = KEYS[5]
if moderator then hidden_key = KEYS[4] end
return { state, reader_overlay(hidden_key, KEYS[6], tonumber(ARGV[2]), tonumber(ARGV[3])) }
