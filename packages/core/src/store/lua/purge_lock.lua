-- KEYS[1] a site's purge lock. ARGV: '' (a key of no site), the worker's token, 'renew' or 'release',
-- the lock's new life (ms, for 'renew').
-- Renews or removes the lock only while it is the worker's own. Returns 1 when it was, else 0.
if redis.call('GET', KEYS[1]) ~= ARGV[2] then return 0 end
if ARGV[3] == 'release' then
  redis.call('DEL', KEYS[1])
else
  redis.call('PEXPIRE', KEYS[1], ARGV[4])
end
return 1
