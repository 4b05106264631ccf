-- KEYS[1] user hash. ARGV: prefix, user id, take comments down (1/0), now (s), the actor's rank.
-- Bans a user: they are added to the banned set, every session ends at once,
-- and optionally every comment of theirs is rejected. Nobody bans someone of their
-- own rank or above. Returns { comment id, page id, public before (1/0), ... } of the
-- comments taken down.
local uid = ARGV[2]
if redis.call('EXISTS', KEYS[1]) == 0 then return fail('not_found', 'No such user.') end
if outranks_actor(uid, ARGV[5]) then return fail('forbidden', OUTRANKED) end
redis.call('SADD', K_BANNED, uid)
for _, sid in ipairs(redis.call('ZRANGE', k_user_sessions(uid), 0, -1)) do
  redis.call('DEL', k_session(sid), k_session_used(sid))
end
redis.call('DEL', k_user_sessions(uid))
local out = {}
if ARGV[3] == '1' then
  for _, cid in ipairs(redis.call('LRANGE', k_user_comments(uid), 0, -1)) do
    local c = load_comment(cid)
    if c and c.s ~= 'deleted' and c.s ~= 'rejected' then
      local was_public = is_public(c)
      c.s = 'rejected'
      place(c)
      redis.call('ZREM', K_MODQUEUE, cid)
      touch_page(c.pg, tonumber(ARGV[4]))
      out[#out + 1] = cid
      out[#out + 1] = c.pg
      out[#out + 1] = was_public and 1 or 0
    end
  end
end
return out
