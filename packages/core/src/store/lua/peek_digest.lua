-- KEYS[1] the recipient's mail window. ARGV: prefix, user id, now (ms).
-- What the recipient's digest would send now, without taking it: { 0, left out, notification JSON… },
-- or { when the window ends } while it is still open (an e-mail already went out in it).
local ends = tonumber(redis.call('HGET', KEYS[1], 'e')) or 0
if ends > tonumber(ARGV[3]) then return { ends } end
local reply = { 0, tonumber(redis.call('HGET', KEYS[1], 'm')) or 0 }
for _, item in ipairs(redis.call('LRANGE', k_mail_digest(ARGV[2]), 0, -1)) do reply[#reply + 1] = item end
return reply
