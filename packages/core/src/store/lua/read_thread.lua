-- KEYS[1] page hash. ARGV: prefix, page id, index name, direction ('desc'/'asc'),
-- cursor score or '', cursor id or '', limit, viewer id or '', viewer is moderator, include pinned.
--
-- One page of a thread, as the viewer may see it: up to `limit` visible root
-- comments after the cursor, each with all its visible replies; on the first
-- page the pinned roots come first. Returns
-- { version, epoch, count, updated, next score, next id, pinned ids, comment JSONs, authors, votes, locked }.
local page_id = ARGV[2]
local index = k_index(page_id, ARGV[3])
local desc = ARGV[4] == 'desc'
local cursor_score = tonumber(ARGV[5])
local cursor_id = ARGV[6]
local limit = tonumber(ARGV[7])
local viewer = ARGV[8]
local is_mod = ARGV[9] == '1'

local shadow = {}
local function hidden_author(user_id)
  if shadow[user_id] == nil then shadow[user_id] = is_shadowbanned(user_id) end
  return shadow[user_id]
end

local function visible(c)
  if c.s == 'deleted' then return true end -- kept only if a visible reply needs it (below)
  if is_mod or (viewer ~= '' and c.a == viewer) then return true end
  return c.s == 'approved' and not hidden_author(c.a)
end

local out_comments = {}
local authors_seen = {}
local authors = {}

-- Collects a root and its visible descendants; returns false when nothing of it is visible.
local function collect(root_id)
  local raw = redis.call('GET', k_comment(root_id))
  if not raw then return false end
  local nodes = {}   -- breadth-first: { id, parent index, raw, comment, kept children }
  local root = cjson.decode(raw)
  if not visible(root) then return false end
  nodes[1] = { root.i, 0, raw, root, 0 }
  local i = 1
  while i <= #nodes do
    local node = nodes[i]
    if node[4].rc > 0 then
      for _, child_id in ipairs(redis.call('ZRANGE', k_replies(node[1]), 0, -1)) do
        local child_raw = redis.call('GET', k_comment(child_id))
        if child_raw then
          local child = cjson.decode(child_raw)
          if visible(child) then nodes[#nodes + 1] = { child_id, i, child_raw, child, 0 } end
        end
      end
    end
    i = i + 1
  end
  -- Bottom-up: a deleted placeholder survives only with a surviving reply.
  local keep = {}
  for j = #nodes, 1, -1 do
    local node = nodes[j]
    keep[j] = node[4].s ~= 'deleted' or node[5] > 0
    if keep[j] and node[2] > 0 then nodes[node[2]][5] = nodes[node[2]][5] + 1 end
  end
  if not keep[1] then return false end
  for j = 1, #nodes do
    if keep[j] and (j == 1 or keep[nodes[j][2]]) then
      out_comments[#out_comments + 1] = nodes[j][3]
      local author = nodes[j][4].a
      if not authors_seen[author] then
        authors_seen[author] = true
        authors[#authors + 1] = author
      end
    else
      keep[j] = false
    end
  end
  return true
end

local pinned_set = {}
local pinned_out = {}
for _, id in ipairs(redis.call('ZREVRANGE', k_pinned(page_id), 0, -1)) do
  pinned_set[id] = true
end
if ARGV[10] == '1' then
  for _, id in ipairs(redis.call('ZREVRANGE', k_pinned(page_id), 0, -1)) do
    if collect(id) then pinned_out[#pinned_out + 1] = id end
  end
end

-- Walk the index from the cursor; equal scores are ordered by id, so (score, id) is a total order.
local taken = 0
local next_score, next_id = '', ''
local last_score, last_id = nil, nil
local offset = 0
local batch = limit + 10
local done = false
while not done do
  local entries
  if desc then
    entries = redis.call('ZREVRANGEBYSCORE', index, cursor_score or '+inf', '-inf', 'WITHSCORES', 'LIMIT', offset, batch)
  else
    entries = redis.call('ZRANGEBYSCORE', index, cursor_score or '-inf', '+inf', 'WITHSCORES', 'LIMIT', offset, batch)
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
      if taken == limit then
        -- One more visible root exists: the page ends at the previous one.
        local raw = redis.call('GET', k_comment(id))
        local c = raw and cjson.decode(raw)
        if c and visible(c) and (c.s ~= 'deleted' or c.rc > 0) then
          next_score, next_id = last_score, last_id
          done = true
          break
        end
      elseif collect(id) then
        taken = taken + 1
        last_score, last_id = score, id
      end
    end
  end
  if #entries < batch * 2 then break end
end

local votes = {}
if viewer ~= '' and #out_comments > 0 then
  local ids = {}
  for j, raw in ipairs(out_comments) do ids[j] = cjson.decode(raw).i end
  local dirs = redis.call('HMGET', k_votes(viewer), unpack(ids))
  for j, dir in ipairs(dirs) do
    if dir then
      votes[#votes + 1] = ids[j]
      votes[#votes + 1] = dir
    end
  end
end

local author_rows = {}
for _, author in ipairs(authors) do
  local row = redis.call('HMGET', k_user(author), 'name', 'avatar', 'karma', 'role')
  author_rows[#author_rows + 1] = author
  author_rows[#author_rows + 1] = row[1] or ''
  author_rows[#author_rows + 1] = row[2] or ''
  author_rows[#author_rows + 1] = row[3] or '0'
  author_rows[#author_rows + 1] = row[4] or 'user'
end

local state = redis.call('HMGET', KEYS[1], 'ver', 'count', 'updated')
return {
  tonumber(state[1]) or 0,
  tonumber(redis.call('GET', K_EPOCH)) or 0,
  tonumber(state[2]) or 0,
  tonumber(state[3]) or 0,
  next_score, next_id, pinned_out, out_comments, author_rows, votes,
  is_locked(page_id) and 1 or 0,
}
