-- KEYS[1] session hash, KEYS[2] set of the session's used refresh hashes.
-- ARGV: prefix, presented refresh hash, new refresh hash, ttl (s).
-- Rotates a refresh token. Presenting any token that was already rotated means
-- it was copied: the session is revoked. Returns the user id, or an error.
local session = redis.call('HMGET', KEYS[1], 'uid', 'rh')
if not session[1] then return fail('unauthorized', 'The session has ended; sign in again.') end
if session[2] == ARGV[2] then
  redis.call('HSET', KEYS[1], 'rh', ARGV[3])
  redis.call('SADD', KEYS[2], ARGV[2])
  redis.call('EXPIRE', KEYS[1], ARGV[4])
  redis.call('EXPIRE', KEYS[2], ARGV[4])
  return session[1]
end
if redis.call('SISMEMBER', KEYS[2], ARGV[2]) == 1 then
  redis.call('DEL', KEYS[2])
  redis.call('DEL', KEYS[1])
  redis.call('ZREM', k_user_sessions(session[1]), KEYS[1]:sub(#P + 4))
  return fail('unauthorized', 'This refresh token was already used; the session has been revoked.')
end
return fail('unauthorized', 'The refresh token is invalid.')
