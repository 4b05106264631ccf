-- Who is on a page, across every WebSocket instance. Each instance holds one
-- member per signed-in user it serves there (`<instance>|<user>`, however many
-- tabs) and one for its anonymous readers (`<instance>|`, with their number
-- in the anonymous hash), each scored by when it expires unless the instance
-- refreshes it. A user is present while any instance holds them; joins and
-- leaves are published on the page channel from here, so every instance sees
-- the same ones. Members of an instance that stopped refreshing (it crashed)
-- are swept by the others' heartbeats.
-- KEYS: presence zset, users hash (user → instances), profiles hash, anonymous hash.
-- ARGV: P, channel, sharded, the user_joined and user_left envelopes (built in
--       `protocol/messages.ts`, with holes for `user`, `user_id` and `count`),
--       op, instance, now ms, expiry ms, keep ms, list limit, then per op:
--       join:  user id ('' anonymous), profile JSON
--       leave: user id ('' anonymous)
--       beat:  anonymous readers, then user id and profile JSON pairs (all the
--              instance holds on the page)
--       drop:  nothing; everything the instance holds leaves (it is shutting down)
--       look:  nothing; only the snapshot
-- Returns { count, profile JSON… } (at most `list limit` profiles).
local K_PRESENCE, K_USERS, K_PROFILES, K_ANON = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local channel, sharded, joined, left, op = ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6]
local instance, now, expiry = ARGV[7], tonumber(ARGV[8]), ARGV[9]
local keep, limit = ARGV[10], tonumber(ARGV[11])

local function count()
  local n = redis.call('HLEN', K_USERS)
  for _, v in ipairs(redis.call('HVALS', K_ANON)) do n = n + tonumber(v) end
  return n
end

-- Publishes a join's or leave's envelope, its holes filled (each value is JSON).
local function announce(envelope, profile, user)
  publish(channel, fill(envelope, { user = profile, user_id = cjson.encode(user), count = tostring(count()) }), sharded)
end

-- One more instance holds the user; announced when it is the first.
local function hold_user(user)
  if redis.call('HINCRBY', K_USERS, user, 1) == 1 then
    local profile = redis.call('HGET', K_PROFILES, user)
    if profile then announce(joined, profile, user) end
  end
end

-- One fewer instance holds the user; announced when it was the last.
local function release_user(user)
  if redis.call('HINCRBY', K_USERS, user, -1) <= 0 then
    redis.call('HDEL', K_USERS, user)
    redis.call('HDEL', K_PROFILES, user)
    announce(left, nil, user)
  end
end

-- Removes a member: an instance's anonymous readers, or its hold on a user.
local function forget(member)
  local owner, user = string.match(member, '^(.-)|(.*)$')
  redis.call('ZREM', K_PRESENCE, member)
  if user == '' then
    redis.call('HDEL', K_ANON, owner)
  else
    release_user(user)
  end
end

if op == 'join' then
  local user = ARGV[12]
  if user == '' then
    redis.call('HINCRBY', K_ANON, instance, 1)
    redis.call('ZADD', K_PRESENCE, expiry, instance .. '|')
  else
    redis.call('HSET', K_PROFILES, user, ARGV[13])
    if redis.call('ZADD', K_PRESENCE, expiry, instance .. '|' .. user) == 1 then hold_user(user) end
  end
elseif op == 'leave' then
  local user = ARGV[12]
  if user == '' then
    if redis.call('HINCRBY', K_ANON, instance, -1) <= 0 then
      redis.call('HDEL', K_ANON, instance)
      redis.call('ZREM', K_PRESENCE, instance .. '|')
    end
  elseif redis.call('ZREM', K_PRESENCE, instance .. '|' .. user) == 1 then
    release_user(user)
  end
elseif op == 'beat' then
  -- The instance's own view is authoritative: refresh it, re-adding what a sweep
  -- or a Redis restart removed.
  local anonymous = tonumber(ARGV[12])
  if anonymous > 0 then
    redis.call('HSET', K_ANON, instance, anonymous)
    redis.call('ZADD', K_PRESENCE, expiry, instance .. '|')
  else
    redis.call('HDEL', K_ANON, instance)
    redis.call('ZREM', K_PRESENCE, instance .. '|')
  end
  for i = 13, #ARGV, 2 do
    if redis.call('ZADD', K_PRESENCE, expiry, instance .. '|' .. ARGV[i]) == 1 then
      redis.call('HSET', K_PROFILES, ARGV[i], ARGV[i + 1])
      hold_user(ARGV[i])
    end
  end
  -- Sweep what instances that stopped refreshing left behind.
  for _, member in ipairs(redis.call('ZRANGEBYSCORE', K_PRESENCE, '-inf', now)) do forget(member) end
elseif op == 'drop' then
  for _, member in ipairs(redis.call('ZRANGE', K_PRESENCE, 0, -1)) do
    if string.sub(member, 1, #instance + 1) == instance .. '|' then forget(member) end
  end
end

for _, key in ipairs(KEYS) do redis.call('PEXPIRE', key, keep) end

local reply = { count() }
-- Up to `limit` of the people here (all of them when fewer).
local sample = redis.call('HRANDFIELD', K_PROFILES, limit, 'WITHVALUES')
for i = 2, #sample, 2 do reply[#reply + 1] = sample[i] end
return reply
