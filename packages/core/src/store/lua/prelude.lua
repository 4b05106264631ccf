-- Shared by every script (the loader prepends it). ARGV[1] is always the site
-- prefix "tk:{<siteId>}": every key built from it hashes to the site's slot,
-- so scripts stay single-slot on Redis Cluster. Mirrors src/keys.ts (a test
-- keeps the two equal).
local P = ARGV[1]

local function k_comment(id) return P .. ':c:' .. id end
local function k_replies(id) return P .. ':c:' .. id .. ':r' end
local function k_reports(id) return P .. ':c:' .. id .. ':rp' end
local function k_page(id) return P .. ':p:' .. id end
local function k_page_events(id) return P .. ':p:' .. id .. ':ev' end
local function k_index(page, name) return P .. ':p:' .. page .. ':' .. name end
local function k_pinned(page) return P .. ':p:' .. page .. ':pin' end
local function k_hidden(page) return P .. ':p:' .. page .. ':h' end
local function k_hidden_by(page, user) return P .. ':p:' .. page .. ':h:' .. user end
local function k_user(id) return P .. ':u:' .. id end
local function k_votes(id) return P .. ':u:' .. id .. ':v' end
local function k_user_comments(id) return P .. ':u:' .. id .. ':c' end
local function k_user_reports(id) return P .. ':u:' .. id .. ':rp' end
local function k_user_sessions(id) return P .. ':u:' .. id .. ':s' end
local function k_user_identities(id) return P .. ':u:' .. id .. ':idp' end
local function k_unread(id) return P .. ':u:' .. id .. ':nu' end
local function k_notifications(id) return P .. ':u:' .. id .. ':n' end
local function k_mail_window(id) return P .. ':u:' .. id .. ':mw' end
local function k_mail_digest(id) return P .. ':u:' .. id .. ':md' end
local function k_session(id) return P .. ':s:' .. id end
local function k_session_used(id) return P .. ':s:' .. id .. ':used' end
local function k_login(kind, value) return P .. ':login:' .. kind .. ':' .. value end
local function k_identity(id) return P .. ':idp:' .. id end
local function k_code(purpose, target) return P .. ':code:' .. purpose .. ':' .. target end
local function k_limit(name, subject) return P .. ':limit:' .. name .. ':' .. subject end
local function k_role(role) return P .. ':role:' .. role end
local function k_webhook_queue(endpoint, order_key) return P .. ':wh:q:' .. endpoint .. ':' .. order_key end
local function k_webhook_log(endpoint) return P .. ':wh:log:' .. endpoint end
local K_WEBHOOKS = P .. ':wh'
local K_WEBHOOK_FAILURES = P .. ':wh:f'
local K_SHADOWBANNED = P .. ':sb'
local K_EPOCH = P .. ':epoch'
local K_REPORTS = P .. ':rq'
local K_MODQUEUE = P .. ':mq'
local K_BANNED = P .. ':ban'
local INDEXES = { 'new', 'top', 'hot', 'con' }

-- The id at the end of a comment key (KEYS[1] of the comment scripts).
local function comment_id_of(key) return key:sub(#P + 4) end

-- A locked page, or a locked site (its record is the hash at P), is read-only except for moderators.
local function is_locked(page_id)
  return redis.call('HGET', k_page(page_id), 'locked') == '1' or redis.call('HGET', P, 'locked') == '1'
end

local function fail(code, message)
  return redis.error_reply('TK ' .. code .. ' ' .. (message or code))
end

-- A comment is one MessagePack array (src/store/comment-record.ts reads the same):
-- page, parent ('' for a root), author, Markdown, HTML ('' when it is the plain
-- rendering of the Markdown), upvotes, downvotes, created (ms), modified (s, 0),
-- status code, stored replies, listed (1: in the public indexes, 0: among the
-- hidden), hold reason, edited (0/1). The id is the key's.
local STATUS = { a = 'approved', p = 'pending', r = 'rejected', d = 'deleted' }
local STATUS_CODE = { approved = 'a', pending = 'p', rejected = 'r', deleted = 'd' }

local function decode_comment(id, raw)
  local f = cmsgpack.unpack(raw)
  return {
    i = id, pg = f[1], pid = f[2], a = f[3], t = f[4], h = f[5], u = f[6], d = f[7], cm = f[8],
    m = f[9], s = STATUS[f[10]], rc = f[11], l = f[12], hr = f[13], e = f[14],
  }
end

local function load_comment(id)
  local raw = redis.call('GET', k_comment(id))
  if not raw then return nil end
  return decode_comment(id, raw)
end

local function save_comment(c)
  redis.call('SET', k_comment(c.i), cmsgpack.pack({
    c.pg, c.pid, c.a, c.t, c.h, c.u, c.d, c.cm, c.m, STATUS_CODE[c.s], c.rc, c.l or 0, c.hr or '', c.e,
  }))
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
  redis.call('ZADD', k_index(c.pg, 'con'), controversy_score(c.u, c.d), c.i)
end

local function unindex_root(c)
  for _, name in ipairs(INDEXES) do redis.call('ZREM', k_index(c.pg, name), c.i) end
end

local function is_shadowbanned(user_id)
  return redis.call('SISMEMBER', K_SHADOWBANNED, user_id) == 1
end

-- Ranks of the roles (moderation-service.ts has the same; the owner, with the secret key, is 4).
-- Nobody acts on someone of their own rank or above: callers pass their rank, and the
-- target's role is read in the same script, so a promotion in between cannot slip through.
local RANK = { user = 1, moderator = 2, admin = 3 }
local function rank_of(user_id)
  return RANK[redis.call('HGET', k_user(user_id), 'role')] or 1
end
local function outranks_actor(user_id, actor_rank)
  return rank_of(user_id) >= tonumber(actor_rank)
end
local OUTRANKED = 'You cannot act on someone of your own rank or above.'

-- Published: approved, by an author who is not shadow-banned.
local function is_published(c)
  return c.s == 'approved' and not is_shadowbanned(c.a)
end

-- Listed: in the public structure every reader walks (the page's root indexes,
-- or the parent's replies). Published comments are; a deleted placeholder is
-- while a listed reply needs it. Everything else stored is hidden: in the
-- page's hidden index (moderators) and its author's (the author), never in a
-- walk of the public thread.
local function is_listed(c)
  if c.s == 'deleted' then return redis.call('ZCARD', k_replies(c.i)) > 0 end
  return is_published(c)
end

-- Reached: every comment above c is listed, so a reader walking down from the
-- roots comes to c's place. A listed reply under a hidden comment is not: it
-- waits there, unseen, until its parent is published (or for ever).
local function reachable(c)
  local pid = c.pid
  while pid ~= '' do
    local parent = load_comment(pid)
    if not parent or parent.l ~= 1 then return false end
    pid = parent.pid
  end
  return true
end

-- Public: published where readers reach it. Exactly these are counted in the
-- page's count, and only these may be announced to everyone.
local function is_public(c)
  return is_published(c) and reachable(c)
end

-- How many published comments readers reach through c (itself aside): its
-- listed replies, theirs, and so on; placeholders pass on theirs but are not
-- counted. Breadth first in a loop, however deep the thread.
local function listed_below(id)
  local n = 0
  local queue = { id }
  local q = 1
  while q <= #queue do
    for _, rid in ipairs(redis.call('ZRANGE', k_replies(queue[q]), 0, -1)) do
      local r = load_comment(rid)
      if r then
        if r.s ~= 'deleted' then n = n + 1 end
        queue[#queue + 1] = rid
      end
    end
    q = q + 1
  end
  return n
end

-- Takes a comment out of the structure its `l` says holds it: the public
-- thread's indexes, or the hidden ones.
local function unplace(c)
  if c.l == 1 then
    if c.pid == '' then unindex_root(c) else redis.call('ZREM', k_replies(c.pid), c.i) end
  else
    redis.call('ZREM', k_hidden(c.pg), c.i)
    redis.call('ZREM', k_hidden_by(c.pg, c.a), c.i)
  end
end

-- A comment and the comments above it, up to its root: { c, parent, ..., root }.
-- Walked in a loop: a chain stored before threads had a deepest level may be thousands long.
local function ancestry(c)
  local chain = { c }
  while chain[#chain].pid ~= '' do
    local parent = load_comment(chain[#chain].pid)
    if not parent then break end
    chain[#chain + 1] = parent
  end
  return chain
end

-- Moves a comment into the structure `listed` (1/0) names, and saves it.
local function move(c, listed)
  unplace(c)
  c.l = listed
  save_comment(c)
  if listed == 1 then
    if c.pid == '' then index_root(c) else redis.call('ZADD', k_replies(c.pid), c.cm, c.i) end
  else
    redis.call('ZADD', k_hidden(c.pg), c.cm, c.i)
    -- A hidden placeholder is seen only by whoever sees its replies (they fetch it as their ancestor).
    if c.s ~= 'deleted' then redis.call('ZADD', k_hidden_by(c.pg, c.a), c.cm, c.i) end
  end
end

-- Puts a comment where its state says it belongs, saves it, and keeps the
-- page's count of public comments: the stored record says what it was. A
-- deleted parent is listed exactly while it has a listed reply, so the change
-- can climb the thread (in a loop, not by recursion: chains can be long). A
-- comment that leaves the public thread takes the comments readers reached
-- through it out of the count, and one that joins it brings them back.
local function place(c)
  local stored = load_comment(c.i)
  local before = stored and stored.l
  local counted = stored ~= nil and stored.l == 1 and stored.s ~= 'deleted'
  local listed = is_listed(c) and 1 or 0
  local delta = 0
  if listed == before then
    save_comment(c)
    local counts = listed == 1 and c.s ~= 'deleted'
    if counts ~= counted and reachable(c) then delta = counts and 1 or -1 end
  else
    -- Reached before it moves: placeholders above that it alone kept listed may leave with it.
    if before == 1 and reachable(c) then delta = -((counted and 1 or 0) + listed_below(c.i)) end
    move(c, listed)
    local node = c
    while node.pid ~= '' do
      local parent = load_comment(node.pid)
      if not parent or parent.s ~= 'deleted' then break end
      local parent_listed = is_listed(parent) and 1 or 0
      if parent_listed == parent.l then break end
      move(parent, parent_listed)
      node = parent
    end
    if listed == 1 and reachable(c) then delta = (c.s ~= 'deleted' and 1 or 0) + listed_below(c.i) end
  end
  if delta ~= 0 then redis.call('HINCRBY', k_page(c.pg), 'count', delta) end
end

local function touch_page(page_id, now_s)
  redis.call('HINCRBY', k_page(page_id), 'ver', 1)
  redis.call('HSET', k_page(page_id), 'updated', now_s)
end

local function vote_value(dir)
  if dir == 'u' then return 1 elseif dir == 'd' then return -1 end
  return 0
end

-- Moves a comment from one vote of a user to another (false: none): counts,
-- the author's karma, the root's ranking indexes and the page version.
local function change_vote(c, previous, current)
  if previous == 'u' then c.u = c.u - 1 elseif previous == 'd' then c.d = c.d - 1 end
  if current == 'u' then c.u = c.u + 1 elseif current == 'd' then c.d = c.d + 1 end
  local delta = vote_value(current) - vote_value(previous)
  if delta ~= 0 and redis.call('EXISTS', k_user(c.a)) == 1 then
    redis.call('HINCRBY', k_user(c.a), 'karma', delta)
  end
  save_comment(c)
  if c.pid == '' and c.l == 1 then index_root(c) end
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

-- An envelope built in `protocol/messages.ts` (`fillable`) with its holes
-- (`\1name\1`) filled with the JSON values in `values`: the script publishes
-- bytes made in one place, and assembles no JSON itself.
local function fill(envelope, values)
  return (string.gsub(envelope, '\1([%a_]+)\1', values))
end

-- Appends a live event to the page's short log and publishes it in the same
-- step, so the log's order is the order every subscriber saw. The log keeps
-- the last `window` ms and about `max` entries; the key itself lives `keep` ms
-- after the page's last event, so a quiet page can still say "nothing since".
-- `log` is { stream key, channel, max entries, window ms, keep ms, sharded }.
-- Returns the event's id.
local function log_page_event(log, envelope)
  local stream, channel = log[1], log[2]
  local window, keep = tonumber(log[4]), tonumber(log[5])
  local fresh = redis.call('EXISTS', stream) == 0
  local id = redis.call('XADD', stream, 'MAXLEN', '~', log[3], '*', 'e', envelope)
  local ms = tonumber(string.match(id, '^(%d+)'))
  if fresh then
    -- No log means no event for `keep` ms; before that, the new log cannot vouch for anything.
    redis.call('XSETID', stream, id, 'MAXDELETEDID', string.format('%d', ms - keep) .. '-18446744073709551615')
  end
  redis.call('XTRIM', stream, 'MINID', '~', string.format('%d', ms - window))
  redis.call('PEXPIRE', stream, keep)
  -- The published copy carries its log id in front of the envelope's fields.
  publish(channel, '{"id":"' .. id .. '",' .. string.sub(envelope, 2), log[6])
  return id
end

-- The `log` of log_page_event for a page the caller did not know: its stream, its channel
-- (a page's channel is its key, as `channels.page` makes it) and `settings`, the rest of a
-- PageLog ({ max entries, window ms, keep ms, sharded }).
local function page_log(page_id, settings)
  return { k_page_events(page_id), k_page(page_id), settings[1], settings[2], settings[3], settings[4] }
end

-- An address (kind 'email' or 'phone') was just proven on the account: it counts as
-- verified from now on. When it did not before, whoever registered it had not proved it
-- (perhaps to wait for its owner): the password they chose goes and every session ends, in
-- the same step as the proof, so nothing set up without it outlives it. The account exists.
-- Returns true when it was taken over so.
local function prove_address(uid, kind)
  local field = kind .. '_verified'
  if redis.call('HGET', k_user(uid), field) == '1' then return false end
  redis.call('HSET', k_user(uid), field, 1)
  redis.call('HDEL', k_user(uid), 'password')
  for _, sid in ipairs(redis.call('ZRANGE', k_user_sessions(uid), 0, -1)) do
    redis.call('DEL', k_session(sid), k_session_used(sid))
  end
  redis.call('DEL', k_user_sessions(uid))
  return true
end

-- What a signed-in request checks (session_state.lua, signed_in_read.lua): whose the session
-- is ('' once it has ended), whether the user is banned (1/0), then the user's `fields` (false
-- where absent; all false when the account is gone).
local function session_state(session_key, user_key, banned_key, user_id, fields)
  local reply = { redis.call('HGET', session_key, 'uid') or '', redis.call('SISMEMBER', banned_key, user_id) }
  local values = redis.call('HMGET', user_key, unpack(fields))
  for i = 1, #fields do reply[i + 2] = values[i] end
  return reply
end

-- What a signed-in thread read adds to the shared thread (reader_overlay.lua, signed_in_read.lua):
-- the ids of the newest `max` comments of the hidden index the reader may see (newest first), then,
-- with a votes hash, the reader's votes as votes_on.lua gives them (all of them, or false when they
-- are more than the `shown` comments of the thread and the caller asks for those by id).
local function reader_overlay(hidden_key, votes_key, max, shown)
  local hidden = redis.call('ZREVRANGE', hidden_key, 0, max - 1)
  if not votes_key then return { hidden } end
  if redis.call('HLEN', votes_key) > shown then return { hidden, false } end
  return { hidden, redis.call('HGETALL', votes_key) }
end
