-- KEYS[1] identity, KEYS[2] user hash, KEYS[3] (optional) the e-mail login to claim.
-- ARGV: prefix, user id, "<provider>:<subject>", mode ("link" | "create"), then (create) the user's
-- fields, or (link) the kind of address the provider proved ('email', or '' for none).
-- Links a sign-in provider's identity to an account; "create" creates the account, or
-- upgrades the guest it names (and claims its e-mail login, when given) in the same step.
-- Linking with a proven address takes an account where it was not verified from whoever
-- registered it, in the same step (`prove_address`). Returns { status, user id }:
--   "linked"      the identity already signs in to a live account: that one;
--   "ok"          linked to ARGV[2];
--   "login_taken" (create) another account has the e-mail;
--   "no_user"     (link) the account is gone.
local uid = ARGV[2]
local current = redis.call('GET', KEYS[1])
if current and redis.call('EXISTS', k_user(current)) == 1 then return { 'linked', current } end
if ARGV[4] == 'create' then
  if KEYS[3] and redis.call('SET', KEYS[3], uid, 'NX') == false then return { 'login_taken', '' } end
  -- A guest becoming the account changes the name its comments show.
  if redis.call('EXISTS', KEYS[2]) == 1 then redis.call('INCR', K_EPOCH) end
  redis.call('HSET', KEYS[2], unpack(ARGV, 5))
elseif redis.call('EXISTS', KEYS[2]) == 0 then
  return { 'no_user', '' }
end
-- A link to an erased account is replaced.
redis.call('SET', KEYS[1], uid)
redis.call('SADD', k_user_identities(uid), ARGV[3])
if ARGV[4] == 'link' and ARGV[5] and ARGV[5] ~= '' then prove_address(uid, ARGV[5]) end
return { 'ok', uid }
