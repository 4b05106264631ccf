-- KEYS[1] user hash. ARGV: prefix, user id, shadow-banned (1/0), the actor's rank.
-- Shadow-bans or restores a user: their published comments leave (or rejoin)
-- the public thread and its counts, with the replies readers reach through
-- them, and the site's visibility epoch moves so every cached thread is
-- rebuilt. Nobody does either to someone of their own rank or above. Returns 1
-- when something changed.
local uid = ARGV[2]
if redis.call('EXISTS', KEYS[1]) == 0 then return fail('not_found', 'No such user.') end
if outranks_actor(uid, ARGV[4]) then return fail('forbidden', OUTRANKED) end
local on = ARGV[3] == '1'
if is_shadowbanned(uid) == on then return 0 end
if on then redis.call('SADD', K_SHADOWBANNED, uid) else redis.call('SREM', K_SHADOWBANNED, uid) end
for _, cid in ipairs(redis.call('LRANGE', k_user_comments(uid), 0, -1)) do
  local c = load_comment(cid)
  if c and c.s == 'approved' then
    redis.call('HINCRBY', k_page(c.pg), 'ver', 1)
    place(c)
  end
end
redis.call('INCR', K_EPOCH)
return 1
