-- KEYS[1] comment. ARGV: prefix, actor id, actor's rank (moderators are 2 and up), now (s).
-- Soft delete: a comment with replies stays as a "[deleted]" placeholder (listed
-- while a listed reply needs it); one without is removed, and so is any
-- placeholder parent it leaves childless. Moderators delete others' comments, but
-- not those of someone of their own rank or above.
-- Returns { page id, placeholder (1/0), was public (1/0), author id, removed ids... }.
local id = comment_id_of(KEYS[1])
local c = load_comment(id)
if not c or c.s == 'deleted' then return fail('not_found', 'Comment not found.') end
if c.a ~= ARGV[2] then
  if tonumber(ARGV[3]) < RANK.moderator then
    return fail('forbidden', 'Only the author or a moderator can delete this comment.')
  end
  if outranks_actor(c.a, ARGV[3]) then return fail('forbidden', OUTRANKED) end
end

local now = tonumber(ARGV[4])
local was_public = is_public(c)

local removed = {}
local placeholder = 0
if c.rc > 0 then
  c.s = 'deleted'
  c.t = ''
  c.h = ''
  c.m = now
  c.hr = ''
  redis.call('ZREM', K_MODQUEUE, c.i)
  redis.call('ZREM', k_hidden_by(c.pg, c.a), c.i)
  place(c)
  placeholder = 1
else
  if was_public then redis.call('HINCRBY', k_page(c.pg), 'count', -1) end
  local node = c
  while node do
    unplace(node)
    redis.call('ZREM', k_pinned(node.pg), node.i)
    redis.call('DEL', k_comment(node.i), k_replies(node.i), k_reports(node.i))
    redis.call('LREM', k_user_comments(node.a), 1, node.i)
    redis.call('ZREM', K_REPORTS, node.i)
    redis.call('ZREM', K_MODQUEUE, node.i)
    table.insert(removed, node.i)
    local parent = nil
    if node.pid ~= '' then
      parent = load_comment(node.pid)
      if parent then
        parent.rc = parent.rc - 1
        -- A placeholder left with no reply goes too (the loop goes on with it); one that lost
        -- its last listed reply leaves the public thread.
        if parent.s ~= 'deleted' then
          save_comment(parent)
          parent = nil
        elseif parent.rc > 0 then
          place(parent)
          parent = nil
        end
      end
    end
    node = parent
  end
end

touch_page(c.pg, now)
local out = { c.pg, placeholder, was_public and 1 or 0, c.a }
for _, rid in ipairs(removed) do table.insert(out, rid) end
return out
