-- KEYS[1] comment, KEYS[2] the voter's votes hash. ARGV: prefix, voter id, direction ('up' | 'down'), voter is moderator,
-- then, to announce the vote, the page log's settings (max entries, window ms, keep ms, sharded) and the two
-- `vote_update` envelopes (`voteUpdateAnnouncements`): for everyone, and for the author and moderators.
-- The seed's voting flow: no vote -> +1; same direction -> toggle off; other
-- direction -> switch. Counts, author karma and ranking indexes move together.
-- Votes are stored as 'u' or 'd'. Returns { upvotes, downvotes, the voter's vote or '', page id, author id, public (1/0) }.
local id = comment_id_of(KEYS[1])
local voter = ARGV[2]
local direction = ARGV[3] == 'up' and 'u' or 'd'
local c = load_comment(id)
if not c or c.s ~= 'approved' then return fail('not_found', 'Comment not found.') end
local public = is_public(c)
-- Others vote only on what they can see: not on a shadow-banned author's comment, nor under a hidden one.
if c.a ~= voter and ARGV[4] ~= '1' and not public then return fail('not_found', 'Comment not found.') end
if c.a == voter then return fail('forbidden', 'You cannot vote on your own comment.') end
if ARGV[4] ~= '1' and is_locked(c.pg) then return fail('forbidden', 'Comments are closed here.') end

local previous = redis.call('HGET', KEYS[2], id)
local current = direction
if previous == direction then current = false end

if current then redis.call('HSET', KEYS[2], id, current) else redis.call('HDEL', KEYS[2], id) end
change_vote(c, previous, current)
-- Announced in the same step as the vote: a crash cannot leave it counted but unannounced.
if ARGV[5] then
  log_page_event(page_log(c.pg, { ARGV[5], ARGV[6], ARGV[7], ARGV[8] }), fill(public and ARGV[9] or ARGV[10], {
    comment_id = cjson.encode(id),
    page_id = cjson.encode(c.pg),
    user_id = cjson.encode(c.a),
    upvotes = string.format('%d', c.u),
    downvotes = string.format('%d', c.d),
  }))
end
local names = { u = 'up', d = 'down' }
return { c.u, c.d, current and names[current] or '', c.pg, c.a, public and 1 or 0 }
