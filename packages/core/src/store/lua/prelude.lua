-- Shared by every script (the loader prepends it). ARGV[1] is always the site
-- prefix "site:{<siteId>}": every key built from it hashes to the site's slot,
-- so scripts stay single-slot on Redis Cluster. Mirrors src/keys.ts.
local P = ARGV[1]

local function k_comment(id) return P .. ':comment:' .. id end
local function k_replies(id) return P .. ':comment:' .. id .. ':replies' end
local function k_reports(id) return P .. ':comment:' .. id .. ':reports' end
local function k_page(id) return P .. ':page:' .. id end
local function k_index(page, name) return P .. ':page:' .. page .. ':comments:' .. name end
local function k_pinned(page) return P .. ':page:' .. page .. ':pinned' end
local function k_user(id) return P .. ':user:' .. id end
local function k_votes(id) return P .. ':user:' .. id .. ':votes' end
local function k_user_comments(id) return P .. ':user:' .. id .. ':comments' end
local function k_user_reports(id) return P .. ':user:' .. id .. ':reports' end
local K_SHADOWBANNED = P .. ':shadowbanned'
local K_EPOCH = P .. ':epoch'
local K_REPORTS = P .. ':reports'
local K_MODQUEUE = P .. ':modqueue'
local K_BANNED = P .. ':banned'

-- A locked page, or a locked site (its record is the hash at P), is read-only except for moderators.
local function is_locked(page_id)
  return redis.call('HGET', k_page(page_id), 'locked') == '1' or redis.call('HGET', P, 'locked') == '1'
end

local function fail(code, message)
  return redis.error_reply('TK ' .. code .. ' ' .. (message or code))
end

local function load_comment(id)
  local raw = redis.call('GET', k_comment(id))
  if not raw then return nil end
  return cjson.decode(raw)
end

local function save_comment(c)
  redis.call('SET', k_comment(c.i), cjson.encode(c))
end

-- Reddit's hot ranking: order of magnitude of the net score plus recency,
-- where 45000 s (12.5 h) of age is worth a factor of ten in votes.
local function hot_score(u, d, created_ms)
  local s = u - d
  local sign = 0
  if s > 0 then sign = 1 elseif s < 0 then sign = -1 end
  return sign * math.log10(math.max(math.abs(s), 1)) + (created_ms / 1000 - 1134028003) / 45000
end

-- Many votes, evenly split, rank highest.
local function controversy_score(u, d)
  if u <= 0 or d <= 0 then return 0 end
  local balance = d / u
  if u < d then balance = u / d end
  return (u + d) ^ balance
end

local function index_root(c)
  redis.call('ZADD', k_index(c.pg, 'new'), c.cm, c.i)
  redis.call('ZADD', k_index(c.pg, 'top'), c.u - c.d, c.i)
  redis.call('ZADD', k_index(c.pg, 'hot'), hot_score(c.u, c.d, c.cm), c.i)
  redis.call('ZADD', k_index(c.pg, 'controversial'), controversy_score(c.u, c.d), c.i)
end

local function unindex_root(c)
  for _, name in ipairs({ 'new', 'top', 'hot', 'controversial' }) do
    redis.call('ZREM', k_index(c.pg, name), c.i)
  end
  redis.call('ZREM', k_pinned(c.pg), c.i)
end

local function is_shadowbanned(user_id)
  return redis.call('SISMEMBER', K_SHADOWBANNED, user_id) == 1
end

-- Counted in the page's public comment count: published and not shadow-banned.
local function is_public(c)
  return c.s == 'approved' and not is_shadowbanned(c.a)
end

local function touch_page(page_id, now_s)
  redis.call('HINCRBY', k_page(page_id), 'ver', 1)
  redis.call('HSET', k_page(page_id), 'updated', now_s)
end

local function vote_value(dir)
  if dir == 'up' then return 1 elseif dir == 'down' then return -1 end
  return 0
end

-- Moves a comment from one vote of a user to another (false: none): counts,
-- the author's karma, the root's ranking indexes and the page version.
local function change_vote(c, previous, current)
  if previous == 'up' then c.u = c.u - 1 elseif previous == 'down' then c.d = c.d - 1 end
  if current == 'up' then c.u = c.u + 1 elseif current == 'down' then c.d = c.d + 1 end
  local delta = vote_value(current) - vote_value(previous)
  if delta ~= 0 and redis.call('EXISTS', k_user(c.a)) == 1 then
    redis.call('HINCRBY', k_user(c.a), 'karma', delta)
  end
  save_comment(c)
  if c.pid == '' then index_root(c) end
  redis.call('HINCRBY', k_page(c.pg), 'ver', 1)
end

-- Sharded pub/sub on Redis Cluster keeps the message in the site's shard.
local function publish(channel, payload, sharded)
  if sharded == '1' then
    redis.call('SPUBLISH', channel, payload)
  else
    redis.call('PUBLISH', channel, payload)
  end
end
