-- KEYS[1] page hash. ARGV: prefix, page id, source ('page' | 'replies'), index name (page) or
-- parent id (replies), direction ('desc' | 'asc'), cursor score or '', cursor id or '', limit,
-- include pinned (1/0), replies per comment, replies per root, replies in all.
--
-- One page of the public thread, everything in it listed (hidden comments are
-- never in these indexes, so nothing is walked in vain): up to `limit` roots
-- after the cursor (from a page index, or from a comment's replies), on the
-- first page of a page index the pinned roots first; under each, breadth
-- first, the first `replies per comment` replies of every comment shown,
-- at most `replies per root` under one root and `replies in all` in the answer.
-- Returns { version, epoch, count, updated, next score, next id, pinned ids,
-- comments: { id, record, listed replies, ... }, locked, reached }. It decodes
-- no record (the reader does, and looks the authors up after): what it touches
-- is one GET and one ZCARD per comment, and one ZRANGE per comment with
-- replies. `reached` (1/0) says whether readers come to the comment whose
-- replies these are, walking down from the roots (a page's roots: always):
-- replies under a hidden comment are listed, but wait unseen with it.
local page_id = ARGV[2]
local from_replies = ARGV[3] == 'replies'
local source = from_replies and k_replies(ARGV[4]) or k_index(page_id, ARGV[4])
local desc = ARGV[5] == 'desc'
local cursor_score = tonumber(ARGV[6])
local cursor_id = ARGV[7]
local limit = tonumber(ARGV[8])
local per_comment = tonumber(ARGV[10])
local per_root = tonumber(ARGV[11])
local replies_left = tonumber(ARGV[12])

local out = {}
local reached = true
if from_replies then
  local parent = load_comment(ARGV[4])
  reached = parent ~= nil and parent.l == 1 and reachable(parent)
end

-- Emits a root and the first replies of each comment under it, breadth first.
local function collect(root_id, root_raw)
  local queue = { root_id, root_raw }
  local granted = math.min(per_root, replies_left)
  local budget = granted
  local q = 1
  while q < #queue do
    local id, raw = queue[q], queue[q + 1]
    local listed = redis.call('ZCARD', k_replies(id))
    out[#out + 1] = id
    out[#out + 1] = raw
    out[#out + 1] = listed
    if listed > 0 and budget > 0 then
      local ids = redis.call('ZRANGE', k_replies(id), 0, math.min(per_comment, budget) - 1)
      local keys = {}
      for j, rid in ipairs(ids) do keys[j] = k_comment(rid) end
      local raws = redis.call('MGET', unpack(keys))
      for j, rid in ipairs(ids) do
        if raws[j] then
          queue[#queue + 1] = rid
          queue[#queue + 1] = raws[j]
          budget = budget - 1
        end
      end
    end
    q = q + 2
  end
  replies_left = replies_left - (granted - budget)
end

local pinned_set = {}
local pinned_out = {}
if not from_replies then
  local pins = redis.call('ZREVRANGE', k_pinned(page_id), 0, -1)
  for _, id in ipairs(pins) do pinned_set[id] = true end
  if ARGV[9] == '1' then
    for _, id in ipairs(pins) do
      local raw = redis.call('GET', k_comment(id))
      -- A pinned comment whose author was shadow-banned since is no longer listed.
      if raw and cmsgpack.unpack(raw)[12] == 1 then
        collect(id, raw)
        pinned_out[#pinned_out + 1] = id
      end
    end
  end
end

-- Everything in the source is listed: take the next `limit` after the cursor
-- ((score, id) is a total order: ties are broken by id), skipping the pinned.
local taken = {}
local next_score, next_id = '', ''
local offset = 0
local batch = limit + 1 + #pinned_out
while #taken <= limit do
  local entries
  if desc then
    entries = redis.call('ZREVRANGEBYSCORE', source, cursor_score or '+inf', '-inf', 'WITHSCORES', 'LIMIT', offset, batch)
  else
    entries = redis.call('ZRANGEBYSCORE', source, cursor_score or '-inf', '+inf', 'WITHSCORES', 'LIMIT', offset, batch)
  end
  if #entries == 0 then break end
  offset = offset + #entries / 2
  for e = 1, #entries, 2 do
    local id, score = entries[e], entries[e + 1]
    local after_cursor = true
    if cursor_score and tonumber(score) == cursor_score then
      if desc then after_cursor = id < cursor_id else after_cursor = id > cursor_id end
    end
    if after_cursor and not pinned_set[id] then
      taken[#taken + 1] = { id, score }
      if #taken > limit then break end
    end
  end
  if #entries < batch * 2 then break end
end
if #taken > limit then
  -- One more root exists: the page ends at the last one it shows.
  next_score, next_id = taken[limit][2], taken[limit][1]
  taken[limit + 1] = nil
end

if #taken > 0 then
  local keys = {}
  for j, entry in ipairs(taken) do keys[j] = k_comment(entry[1]) end
  local raws = redis.call('MGET', unpack(keys))
  for j, entry in ipairs(taken) do
    if raws[j] then collect(entry[1], raws[j]) end
  end
end

local state = redis.call('HMGET', KEYS[1], 'ver', 'count', 'updated')
return {
  tonumber(state[1]) or 0,
  tonumber(redis.call('GET', K_EPOCH)) or 0,
  tonumber(state[2]) or 0,
  tonumber(state[3]) or 0,
  next_score, next_id, pinned_out, out,
  is_locked(page_id) and 1 or 0,
  reached and 1 or 0,
}
