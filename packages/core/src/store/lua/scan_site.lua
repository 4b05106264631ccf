-- KEYS[1] the site's hash: it routes the call to the node that holds the site's slot, where every
-- key of the site lives. ARGV: prefix, SCAN cursor, batch size, family ('p', 'u' or 'c').
-- One step of a walk over one family of the site's records (pages, users or comments): the ids of
-- the record keys that one SCAN step (COUNT batch) names. A record's key is the family and a
-- 22-character id; its other keys (indexes, votes, replies) add to that name, so the pattern
-- names the records alone. Returns { next cursor ('0': the walk is complete), ids }.
local family = ARGV[4]
local reply = redis.call('SCAN', ARGV[2], 'MATCH', P .. ':' .. family .. ':' .. string.rep('?', 22), 'COUNT', ARGV[3])
local from, ids = #P + #family + 3, {}
for i, key in ipairs(reply[2]) do ids[i] = key:sub(from) end
return { reply[1], ids }
