-- KEYS[1] user hash. ARGV: prefix, user id, kind ('email' | 'phone').
-- An address was just proven on the account: it counts as verified from now on.
-- When it did not before, whoever registered it had not proved it (perhaps to
-- wait for its owner): the password they chose goes and every session ends, in
-- the same step, so nothing set up without the proof outlives it.
-- Returns 1 when the account was taken over so, 0 when the address was verified already.
local uid = ARGV[2]
if redis.call('EXISTS', KEYS[1]) == 0 then return fail('unauthorized', 'The account no longer exists.') end
local field = ARGV[3] .. '_verified'
if redis.call('HGET', KEYS[1], field) == '1' then return 0 end
redis.call('HSET', KEYS[1], field, 1)
redis.call('HDEL', KEYS[1], 'password')
for _, sid in ipairs(redis.call('ZRANGE', k_user_sessions(uid), 0, -1)) do
  redis.call('DEL', k_session(sid), k_session_used(sid))
end
redis.call('DEL', k_user_sessions(uid))
return 1
