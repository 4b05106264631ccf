-- KEYS[1] the site's hash: it routes the call to the node that holds the site's slot, where every
-- key of the site lives. ARGV: prefix, SCAN cursor, batch size, '1' on a cluster.
-- One step of deleting a site's data: UNLINKs the site's keys that one SCAN step (MATCH prefix*,
-- COUNT batch) names. On a cluster, when the site's slot holds no more keys than a batch (those of
-- every site hashing there), it reads them all instead (CLUSTER GETKEYSINSLOT), which completes
-- the pass at once. Returns { next cursor ('0': the pass is complete), keys removed }.
local batch = tonumber(ARGV[3])
local found, cursor
if ARGV[4] == '1' then
  local slot = redis.call('CLUSTER', 'KEYSLOT', KEYS[1])
  local held = redis.call('CLUSTER', 'COUNTKEYSINSLOT', slot)
  if held <= batch then
    found, cursor = {}, '0'
    for _, key in ipairs(redis.call('CLUSTER', 'GETKEYSINSLOT', slot, held)) do
      if key:sub(1, #P) == P then found[#found + 1] = key end
    end
  end
end
if not found then
  local reply = redis.call('SCAN', ARGV[2], 'MATCH', P .. '*', 'COUNT', batch)
  cursor, found = reply[1], reply[2]
end
local removed = 0
for i = 1, #found, 500 do
  removed = removed + redis.call('UNLINK', unpack(found, i, math.min(i + 499, #found)))
end
return { cursor, removed }
