-- KEYS[1] page hash. ARGV: prefix, page id, deepest level, page url (''), page key (''), locked (1/0),
-- authors (JSON: [{i, f: {field: value}, login: e-mail or '', phone?, role?, ban?, sb?}]), comments
-- (JSON, parents before their replies: [{i, pid, a, t, h, u, d, cm, m, s, e, pin, hr, alt?, palt?,
-- gone?: 1 when `a` is an erased account, which keeps no list of its comments}]),
-- write (1, or 0 for a dry run), restore (1: a ThreadKit export; 0), the page's views and last
-- change (s) to restore (0: none).
-- Writes one batch of an import into a page as create_comment.lua writes a posted comment:
-- the record, its place (listed or hidden, with the page count), the parent's stored replies,
-- the author's comment list, the page's commenters, the review queue for pending ones, the
-- author's karma for imported votes. A comment already stored is left as it is, so running the
-- same import again adds nothing, and one that stopped part-way carries on. Each comment goes
-- in whole: an interrupted batch leaves every stored comment complete.
-- A restore keeps the export's ids: a comment whose id another comment of the site holds (not
-- created the same millisecond) gets its `alt` id instead, and its replies follow it there. A
-- restored author comes with their role, bans and karma, so their comments' votes are not added.
-- Returns { comments written, comments present, page was new (1/0), number of authors written,
-- ids of the authors written..., export ids given another id... } (for a dry run: would be).
local page_id, deepest = ARGV[2], tonumber(ARGV[3])
local write = ARGV[9] == '1'
local restore = ARGV[10] == '1'
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
      if author.phone then redis.call('SET', k_login('phone', author.phone), author.i, 'NX') end
      if author.role then redis.call('SADD', k_role(author.role), author.i) end
      if author.ban then redis.call('SADD', K_BANNED, author.i) end
      -- Before their comments are placed: a shadow-banned author's are hidden as they are live.
      if author.sb then redis.call('SADD', K_SHADOWBANNED, author.i) end
    end
  end
end

local written, present, newest = 0, 0, 0
local renamed = {}
for _, c in ipairs(cjson.decode(ARGV[8])) do
  if restore then
    local held = load_comment(c.i)
    if held and held.cm ~= c.cm then
      renamed[#renamed + 1] = c.i
      c.i = c.alt
    end
    -- A parent that went to its alt id (in this batch or an earlier run) takes its replies along.
    if c.pid ~= '' and redis.call('EXISTS', k_comment(c.palt)) == 1 then c.pid = c.palt end
    c.alt, c.palt = nil, nil
  end
  if redis.call('EXISTS', k_comment(c.i)) == 1 then
    present = present + 1
  elseif write then
    c.pg, c.rc = page_id, 0
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
    local gone = c.gone == 1
    c.gone = nil
    place(c)
    if gone then
      -- As erase_user.lua leaves an erased author's comments: no one signs in as them.
      redis.call('ZREM', k_hidden_by(page_id, c.a), c.i)
    else
      redis.call('RPUSH', k_user_comments(c.a), c.i)
    end
    if c.s == 'pending' then redis.call('ZADD', K_MODQUEUE, c.cm, c.i) end
    if c.u - c.d ~= 0 and redis.call('EXISTS', k_user(c.a)) == 1
      and not (restore and redis.call('HGET', k_user(c.a), 'imported') == 'threadkit') then
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
  if page_new == 1 and tonumber(ARGV[11]) > 0 then redis.call('HSET', page, 'views', ARGV[11]) end
  if written > 0 then
    -- Cached reads of the page see the import at their next check; `updated` never goes back.
    local updated = tonumber(redis.call('HGET', page, 'updated')) or 0
    touch_page(page_id, math.max(updated, math.floor(newest / 1000), tonumber(ARGV[12])))
  end
end
local out = { written, present, page_new, #authors_written }
for _, id in ipairs(authors_written) do out[#out + 1] = id end
for _, id in ipairs(renamed) do out[#out + 1] = id end
return out
