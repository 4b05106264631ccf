-- KEYS[1] code hash. ARGV: prefix, hash of the presented code, most attempts.
-- One attempt at a one-time code: a match uses the code up; too many misses void it.
-- Returns the code's payload on a match, or an error.
local stored = redis.call('HMGET', KEYS[1], 'hash', 'attempts', 'payload')
if not stored[1] then return fail('invalid_request', 'The code is wrong or has expired; ask for a new one.') end
local attempts = redis.call('HINCRBY', KEYS[1], 'attempts', 1)
if stored[1] == ARGV[2] then
  redis.call('DEL', KEYS[1])
  return stored[3] or ''
end
if attempts >= tonumber(ARGV[3]) then redis.call('DEL', KEYS[1]) end
return fail('invalid_request', 'The code is wrong or has expired; ask for a new one.')
