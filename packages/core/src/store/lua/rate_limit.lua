-- KEYS: one counter per budget of the request (site:{S}:rl:<bucket>:<subject>).
-- ARGV: prefix, now (ms, the server's clock), window (ms), mode, then per key: limit, pending, max grant.
-- Sliding window, approximated from two fixed windows: the count of the
-- previous window weighs as much as the part of it still inside the sliding
-- window, so a key is one small hash whatever its limit.
-- `pending` are requests the instance has already let through on a grant and
-- not yet reported: they are always added. Mode `check` also decides the
-- request at hand, for every key at once: allowed when each budget has room for
-- it, and then counted in each; refused otherwise, and counted in none.
-- Returns { allowed (1/0), then per key: the grant (allowed: how many more
-- requests the instance may let through before asking again), or the ms until
-- that budget has room (refused; 0 for a budget that had room) }.
local now = tonumber(ARGV[2])
local window = tonumber(ARGV[3])
local check = ARGV[4] == 'check'
local current = math.floor(now / window)
local elapsed = now - current * window

local states = {}
local allowed = true
for i = 1, #KEYS do
  local at = 4 + (i - 1) * 3
  local limit = tonumber(ARGV[at + 1])
  local stored = redis.call('HMGET', KEYS[i], 'w', 'c', 'p')
  local w = tonumber(stored[1])
  local c = tonumber(stored[2]) or 0
  local p = tonumber(stored[3]) or 0
  if w == nil or w < current - 1 then
    w, c, p = current, 0, 0
  elseif w == current - 1 then
    w, c, p = current, 0, c
  end
  -- (w > current: another instance's clock is a little ahead; its window counts as this one.)
  c = c + tonumber(ARGV[at + 2])
  local estimate = p * (window - elapsed) / window + c
  states[i] = { w = w, c = c, p = p, limit = limit, estimate = estimate, grant = tonumber(ARGV[at + 3]) }
  if check and estimate + 1 > limit then allowed = false end
end

local reply = { allowed and 1 or 0 }
for i = 1, #KEYS do
  local s = states[i]
  local value = 0
  if check and allowed then
    s.c = s.c + 1
    -- A tenth of the room left, so that near the limit every request is decided here.
    value = math.max(0, math.min(s.grant, math.floor((s.limit - s.estimate - 1) / 10)))
  elseif check and s.estimate + 1 > s.limit then
    local room = s.limit - 1
    local wait
    if s.c <= room then
      -- Room comes back within this window, as the previous window's weight fades.
      wait = window * (s.p - (room - s.c)) / s.p - elapsed
    else
      -- Only in the next window, as this window's count fades in turn.
      wait = (window - elapsed) + window * (s.c - room) / s.c
    end
    value = math.max(1, math.ceil(wait))
  end
  redis.call('HSET', KEYS[i], 'w', s.w, 'c', s.c, 'p', s.p)
  redis.call('PEXPIRE', KEYS[i], window * 2)
  reply[#reply + 1] = value
end
return reply
