-- KEYS[1] user hash. ARGV: prefix, user id, role ('admin' | 'moderator' | 'user'), the actor's rank,
-- and, when taking a role away, that role ('' otherwise): nothing changes unless the user has it;
-- then how many moderators and admins the site's plan allows (0: no limit).
-- Sets a commenter's role on the site and the role lists that name them. Nobody changes the
-- role of someone of their own rank or above (themselves included), nor gives a role that is.
-- Returns 1 when the role was set, 0 when the user did not have the role taken away.
local uid = ARGV[2]
local user = redis.call('HMGET', KEYS[1], 'name', 'guest', 'role')
if not user[1] then return fail('not_found', 'No such user.') end
local actor = tonumber(ARGV[4])
if outranks_actor(uid, actor) or (RANK[ARGV[3]] or 1) >= actor then return fail('forbidden', OUTRANKED) end
if ARGV[5] ~= '' and (user[3] or 'user') ~= ARGV[5] then return 0 end
if user[2] == '1' then return fail('conflict', 'Guests cannot be given a role; they need an account.') end
local most = tonumber(ARGV[6])
if ARGV[3] ~= 'user' and most > 0 and (user[3] or 'user') == 'user'
  and redis.call('SCARD', k_role('admin')) + redis.call('SCARD', k_role('moderator')) >= most then
  return fail('plan_limit', "The site's plan allows " .. most .. ' moderators and admins; remove one first.')
end
redis.call('SREM', k_role('admin'), uid)
redis.call('SREM', k_role('moderator'), uid)
if ARGV[3] ~= 'user' then redis.call('SADD', k_role(ARGV[3]), uid) end
redis.call('HSET', KEYS[1], 'role', ARGV[3])
-- Comments show their author's role badge.
redis.call('INCR', K_EPOCH)
return 1
