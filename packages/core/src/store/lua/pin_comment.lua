-- KEYS[1] comment. ARGV: prefix, pinned (1/0), now (ms), max pins per page.
-- Only published root comments can be pinned; pins are listed newest first.
-- Returns { page id, public (1/0), author id }.
local id = comment_id_of(KEYS[1])
local c = load_comment(id)
if not c or c.s == 'deleted' then return fail('not_found', 'Comment not found.') end
local key = k_pinned(c.pg)
if ARGV[2] == '1' then
  if c.pid ~= '' then return fail('conflict', 'Only top-level comments can be pinned.') end
  if c.s ~= 'approved' then return fail('conflict', 'Only published comments can be pinned.') end
  if not redis.call('ZSCORE', key, id) and redis.call('ZCARD', key) >= tonumber(ARGV[4]) then
    return fail('conflict', 'This page already has the most pinned comments allowed.')
  end
  redis.call('ZADD', key, ARGV[3], id)
else
  redis.call('ZREM', key, id)
end
redis.call('HINCRBY', k_page(c.pg), 'ver', 1)
return { c.pg, is_public(c) and 1 or 0, c.a }
