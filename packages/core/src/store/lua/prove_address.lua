-- KEYS[1] user hash. ARGV: prefix, user id, kind ('email' | 'phone').
-- An address was just proven on the account (a code that reached it): `prove_address`
-- in the prelude. Returns 1 when the account was taken from whoever registered it,
-- 0 when the address was verified already.
if redis.call('EXISTS', KEYS[1]) == 0 then return fail('unauthorized', 'The account no longer exists.') end
return prove_address(ARGV[2], ARGV[3]) and 1 or 0
