-- KEYS[1] a session, KEYS[2] its user's hash, KEYS[3] the site's banned set.
-- ARGV[1] the user id; ARGV[2..] the user's fields to read.
--
-- What a signed-in request checks, read at once: whose the session is ('' when it has ended),
-- whether the user is banned (1/0), then the user's fields (nil where absent; all nil when the
-- account is gone). One call instead of three on every signed-in request.
local fields = {}
for i = 2, #ARGV do fields[#fields + 1] = ARGV[i] end
local owner = redis.call('HGET', KEYS[1], 'uid') or ''
local banned = redis.call('SISMEMBER', KEYS[3], ARGV[1])
local reply = { owner, banned }
local values = redis.call('HMGET', KEYS[2], unpack(fields))
for i = 1, #fields do reply[i + 2] = values[i] end
return reply
