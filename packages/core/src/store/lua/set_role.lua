-- KEYS[1] user hash. ARGV: prefix, user id, role ('admin' | 'moderator' | 'user').
-- Sets a commenter's role on the site and the role lists that name them.
local uid = ARGV[2]
local user = redis.call('HMGET', KEYS[1], 'name', 'guest')
if not user[1] then return fail('not_found', 'No such user.') end
if user[2] == '1' then return fail('conflict', 'Guests cannot be given a role; they need an account.') end
redis.call('SREM', k_role('admin'), uid)
redis.call('SREM', k_role('moderator'), uid)
if ARGV[3] ~= 'user' then redis.call('SADD', k_role(ARGV[3]), uid) end
redis.call('HSET', KEYS[1], 'role', ARGV[3])
-- Comments show their author's role badge.
redis.call('INCR', K_EPOCH)
return 1
