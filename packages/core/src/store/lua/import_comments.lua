-- KEYS[1] page hash. ARGV: prefix, page id, deepest level, page url (''), page key (''), locked (1/0),
-- authors (JSON: [{i, f: {field: value}, login: e-mail or ''}]), comments (JSON, parents before
-- their replies: [{i, pid, a, t, h, u, d, cm, m, s, e, pin}]), write (1, or 0 for a dry run).
-- Writes one batch of an import into a page as create_comment.lua writes a posted comment:
-- the record, its place (listed or hidden, with the page count), the parent's stored replies,
-- the author's comment list, the page's commenters, the review queue for pending ones, the
-- author's karma for imported votes. A comment already stored is left as it is, so running the
-- same import again adds nothing, and one that stopped part-way carries on. Each comment goes
-- in whole: an interrupted batch leaves every stored comment complete.
-- Returns { comments written, comments present, page was new (1/0), ids of the authors written... }
-- (for a dry run: what would be written).
local page_id, deepest = ARGV[2], tonumber(ARGV[3])
local write = ARGV[9] == '1'
local page = KEYS[1]
local page_new = redis.call('EXISTS', page) == 0 and 1 or 0

local authors_written = {}
for _, author in ipairs(cjson.decode(ARGV[7])) do
  if redis.call('EXISTS', k_user(author.i)) == 0 then
    authors_written[#authors_written + 1] = author.i
    if write then
      local fields = {}
      for name, value in pairs(author.f) do
        fields[#fields + 1] = name
        fields[#fields + 1] = value
      end
      redis.call('HSET', k_user(author.i), unpack(fields))
      -- Whoever later proves this address signs in to this account (prove_address in the prelude).
      if author.login ~= '' then redis.call('SET', k_login('email', author.login), author.i, 'NX') end
    end
  end
end

local written, present, newest = 0, 0, 0
for _, c in ipairs(cjson.decode(ARGV[8])) do
  if redis.call('EXISTS', k_comment(c.i)) == 1 then
    present = present + 1
  elseif write then
    c.pg, c.rc, c.hr = page_id, 0, ''
    if c.pid ~= '' then
      local parent = load_comment(c.pid)
      if parent and parent.pg == page_id then
        -- Beyond the deepest level a reply goes beside its parent, as a posted one does.
        local chain = ancestry(parent)
        if #chain >= deepest then parent = chain[#chain - deepest + 2] end
        c.pid = parent.i
        parent.rc = parent.rc + 1
        save_comment(parent)
      else
        c.pid = ''
      end
    end
    place(c)
    redis.call('RPUSH', k_user_comments(c.a), c.i)
    if c.s == 'pending' then redis.call('ZADD', K_MODQUEUE, c.cm, c.i) end
    if c.u - c.d ~= 0 and redis.call('EXISTS', k_user(c.a)) == 1 then
      redis.call('HINCRBY', k_user(c.a), 'karma', c.u - c.d)
    end
    if c.pin == 1 and c.pid == '' and c.s == 'approved' and redis.call('ZCARD', k_pinned(page_id)) < 10 then
      redis.call('ZADD', k_pinned(page_id), c.cm, c.i)
    end
    local who = k_index(page_id, 'who')
    if not redis.call('LPOS', who, c.a) then redis.call('RPUSH', who, c.a) end
    if c.cm > newest then newest = c.cm end
    written = written + 1
  else
    written = written + 1
  end
end

if write then
  if ARGV[4] ~= '' then redis.call('HSETNX', page, 'url', ARGV[4]) end
  if ARGV[5] ~= '' then redis.call('HSETNX', page, 'key', ARGV[5]) end
  if ARGV[6] == '1' then redis.call('HSET', page, 'locked', 1) end
  if written > 0 then
    -- Cached reads of the page see the import at their next check; `updated` never goes back.
    local updated = tonumber(redis.call('HGET', page, 'updated')) or 0
    touch_page(page_id, math.max(updated, math.floor(newest / 1000)))
  end
end
local out = { written, present, page_new }
for _, id in ipairs(authors_written) do out[#out + 1] = id end
return out
