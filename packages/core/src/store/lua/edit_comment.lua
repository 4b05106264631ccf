-- KEYS[1] comment. ARGV: prefix, editor id, markdown, html, now (s).
-- Only the author edits; the comment keeps its place and is marked edited.
-- Returns { comment JSON, visible to everyone (1/0) }.
local c = load_comment(KEYS[1]:match(':comment:(.+)$'))
if not c or c.s == 'deleted' then return fail('not_found', 'Comment not found.') end
if c.a ~= ARGV[2] then return fail('forbidden', 'Only the author can edit a comment.') end
if is_locked(c.pg) then return fail('forbidden', 'Comments are closed here.') end
c.t = ARGV[3]
c.h = ARGV[4]
c.m = tonumber(ARGV[5])
c.e = 1
save_comment(c)
touch_page(c.pg, c.m)
return { cjson.encode(c), is_public(c) and 1 or 0 }
