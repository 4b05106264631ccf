-- KEYS[1] comment. ARGV: prefix, action ('approve' | 'reject'), now (s), the actor's id ('' for the owner) and rank.
-- A moderator's decision: the comment is published or taken down (and moves
-- between the public thread and the hidden), leaves the review queue and its
-- reports are settled. Page counts follow its visibility, and that of the
-- replies readers reach through it. Nobody decides on the comments of someone
-- of their own rank or above (their own, yes).
-- Returns { page id, status before, comment record after, public before (1/0), public after (1/0) }.
local id = comment_id_of(KEYS[1])
local c = load_comment(id)
if not c or c.s == 'deleted' then return fail('not_found', 'Comment not found.') end
if c.a ~= ARGV[4] and outranks_actor(c.a, ARGV[5]) then return fail('forbidden', OUTRANKED) end
local before = c.s
local was_public = is_public(c)
c.s = ARGV[2] == 'approve' and 'approved' or 'rejected'
c.hr = '' -- the hold reason is settled with the decision
place(c)
redis.call('ZREM', K_MODQUEUE, id)
redis.call('DEL', k_reports(id))
redis.call('ZREM', K_REPORTS, id)
local now_public = is_public(c)
touch_page(c.pg, tonumber(ARGV[3]))
return { c.pg, before, redis.call('GET', KEYS[1]), was_public and 1 or 0, now_public and 1 or 0 }
