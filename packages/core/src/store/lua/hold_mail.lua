-- KEYS[1] the recipient's mail window (hash: `e` when it ends, ms; `m` notifications left out of the
-- digest). ARGV: prefix, user id, now (ms), window (ms), the notification (JSON), most a digest keeps,
-- how long the keys outlive the window (ms).
-- At most one notification e-mail per recipient per window: when no window is open and nothing
-- waits, the notification opens one and is sent now (returns 0). Otherwise it waits in the
-- recipient's digest, and the answer is when the digest is due: the window's end (or now, when the
-- window is already over and its digest not yet sent).
local now, window, keep = tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[7])
local digest = k_mail_digest(ARGV[2])
local ends = tonumber(redis.call('HGET', KEYS[1], 'e')) or 0
local waiting = redis.call('LLEN', digest)
if waiting == 0 and ends <= now then
  redis.call('HSET', KEYS[1], 'e', now + window)
  redis.call('PEXPIRE', KEYS[1], window + keep)
  return 0
end
if waiting < tonumber(ARGV[6]) then
  redis.call('RPUSH', digest, ARGV[5])
else
  redis.call('HINCRBY', KEYS[1], 'm', 1)
end
local due = math.max(ends, now)
redis.call('PEXPIRE', KEYS[1], due - now + keep)
redis.call('PEXPIRE', digest, due - now + keep)
return due
