-- KEYS[1] user hash. ARGV: prefix, user id, the actor's rank.
-- Lifts a ban, unless the user is of the actor's rank or above: only someone who
-- outranks them could have banned them. An erased account's ban just goes; a user
-- the site has never had is not found, as for a ban.
if outranks_actor(ARGV[2], ARGV[3]) then return fail('forbidden', OUTRANKED) end
if redis.call('SREM', K_BANNED, ARGV[2]) == 0 and redis.call('EXISTS', KEYS[1]) == 0 then
  return fail('not_found', 'No such user.')
end
return 1
