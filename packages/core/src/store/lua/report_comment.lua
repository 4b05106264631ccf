-- KEYS[1] comment, KEYS[2] its reports hash. ARGV: prefix, reporter id, report JSON, now (ms), reporter is moderator.
-- One report per user per comment; the site's report queue is ordered by the latest report.
local id = comment_id_of(KEYS[1])
local reporter = ARGV[2]
local c = load_comment(id)
if not c or c.s == 'deleted' then return fail('not_found', 'Comment not found.') end
local visible = c.a == reporter or ARGV[5] == '1' or is_public(c)
if not visible then return fail('not_found', 'Comment not found.') end
if c.a == reporter then return fail('forbidden', 'You cannot report your own comment.') end
if redis.call('HSETNX', KEYS[2], reporter, ARGV[3]) == 0 then
  return fail('conflict', 'You have already reported this comment.')
end
redis.call('ZADD', K_REPORTS, ARGV[4], id)
redis.call('ZADD', k_user_reports(reporter), ARGV[4], id)
return redis.call('HLEN', KEYS[2])
