-- KEYS[1] comment. ARGV: prefix, editor id, Markdown, HTML ('' when plain), now (s).
-- Only the author edits; the comment keeps its place and is marked edited.
-- Returns { comment record, visible to everyone (1/0) }.
local c = load_comment(comment_id_of(KEYS[1]))
if not c or c.s == 'deleted' then return fail('not_found', 'Comment not found.') end
if c.a ~= ARGV[2] then return fail('forbidden', 'Only the author can edit a comment.') end
if is_locked(c.pg) then return fail('forbidden', 'Comments are closed here.') end
c.t = ARGV[3]
c.h = ARGV[4]
c.m = tonumber(ARGV[5])
c.e = 1
save_comment(c)
touch_page(c.pg, c.m)
return { redis.call('GET', KEYS[1]), is_public(c) and 1 or 0 }
