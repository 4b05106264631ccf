-- The page's logged events from a position on, oldest first; or a reset when
-- some of them may be gone (trimmed, expired, or more than `limit`), so the
-- client must refetch the thread instead.
-- KEYS[1]: the page's event stream.
-- ARGV: P, first wanted id's ms, its sequence, keep ms, limit.
-- Returns { reset (0/1), id1, envelope1, id2, envelope2, … }.
local stream = KEYS[1]
local first_ms = tonumber(ARGV[2])
local first_seq = tonumber(ARGV[3])
local keep = tonumber(ARGV[4])
local limit = tonumber(ARGV[5])

if redis.call('EXISTS', stream) == 0 then
  -- No log: nothing happened for `keep` ms. Further back, it may have expired.
  local t = redis.call('TIME')
  local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
  if first_ms < now - keep then return { 1 } end
  return { 0 }
end

local info = redis.call('XINFO', 'STREAM', stream)
local max_deleted = '0-0'
for i = 1, #info, 2 do
  if info[i] == 'max-deleted-entry-id' then max_deleted = info[i + 1] end
end
local del_ms, del_seq = string.match(max_deleted, '^(%d+)-(%d+)$')
del_ms, del_seq = tonumber(del_ms), tonumber(del_seq)
-- An entry at or after the first wanted one is gone (trimmed, or from before the log began).
if del_ms > first_ms or (del_ms == first_ms and del_seq >= first_seq) then return { 1 } end

local entries = redis.call('XRANGE', stream, string.format('%d-%d', first_ms, first_seq), '+', 'COUNT', limit + 1)
if #entries > limit then return { 1 } end
local reply = { 0 }
for _, entry in ipairs(entries) do
  reply[#reply + 1] = entry[1]
  reply[#reply + 1] = entry[2][2]
end
return reply
