-- KEYS[1] comment. ARGV: prefix, editor id, Markdown, HTML ('' when plain), now (s), hold (1/0),
-- hold reason, queue for review (1/0).
-- Only the author edits; the comment is marked edited. An edit held for review
-- (pre-moderation, or the spam checks) takes a published comment back to
-- pending, out of the public thread with the replies under it, as posting it
-- would have; one already waiting stays so, and a rejected one stays rejected.
-- Returns { comment record, visible to everyone before (1/0), after (1/0) }.
local c = load_comment(comment_id_of(KEYS[1]))
if not c or c.s == 'deleted' then return fail('not_found', 'Comment not found.') end
if c.a ~= ARGV[2] then return fail('forbidden', 'Only the author can edit a comment.') end
if is_locked(c.pg) then return fail('forbidden', 'Comments are closed here.') end
local was_public = is_public(c)
c.t = ARGV[3]
c.h = ARGV[4]
c.m = tonumber(ARGV[5])
c.e = 1
if ARGV[6] == '1' and c.s == 'approved' then c.s = 'pending' end
if ARGV[6] == '1' and c.s == 'pending' and ARGV[7] ~= '' then c.hr = ARGV[7] end
place(c)
if ARGV[8] == '1' and c.s ~= 'rejected' then redis.call('ZADD', K_MODQUEUE, c.cm, c.i) end
touch_page(c.pg, c.m)
return { redis.call('GET', KEYS[1]), was_public and 1 or 0, is_public(c) and 1 or 0 }
