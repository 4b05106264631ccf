-- KEYS[1] user hash. ARGV: prefix, user id.
-- Erases an account: its votes are taken back (counts, karma, rankings), its
-- reports withdrawn, its sessions ended, its logins and personal data deleted.
-- Its comments stay, shown with a "[deleted]" author. Returns the ids of pages
-- whose threads changed.
local uid = ARGV[2]
local pages = {}

local votes = redis.call('HGETALL', k_votes(uid))
for i = 1, #votes, 2 do
  local c = load_comment(votes[i])
  if c then
    change_vote(c, votes[i + 1], false)
    pages[c.pg] = true
  end
end

for _, cid in ipairs(redis.call('ZRANGE', k_user_reports(uid), 0, -1)) do
  redis.call('HDEL', k_reports(cid), uid)
  if redis.call('HLEN', k_reports(cid)) == 0 then redis.call('ZREM', K_REPORTS, cid) end
end

for _, sid in ipairs(redis.call('ZRANGE', k_user_sessions(uid), 0, -1)) do
  redis.call('DEL', k_session(sid), k_session_used(sid))
end

-- The e-mail and phone go with everything keyed by them: the login, codes and limit counters.
local login = redis.call('HMGET', KEYS[1], 'email', 'phone')
for i, kind in ipairs({ 'email', 'phone' }) do
  local value = login[i]
  if value and value ~= '' then
    if redis.call('GET', k_login(kind, value)) == uid then redis.call('DEL', k_login(kind, value)) end
    local target = kind .. ':' .. redis.sha1hex(value)
    for _, purpose in ipairs({ 'verify', 'reset', 'signin' }) do redis.call('DEL', k_code(purpose, target)) end
    for _, limit in ipairs({ 'codes', 'failed-login' }) do redis.call('DEL', k_limit(limit, target)) end
  end
end

-- Sign-in provider links go: the provider's id for the person is personal data too.
for _, id in ipairs(redis.call('SMEMBERS', k_user_identities(uid))) do
  if redis.call('GET', k_identity(id)) == uid then redis.call('DEL', k_identity(id)) end
end

-- The comments stay, so their author's place in the thread does too; it just has no name.
-- Hidden ones stay hidden, seen by moderators only now that no one signs in as their author.
for _, cid in ipairs(redis.call('LRANGE', k_user_comments(uid), 0, -1)) do
  local c = load_comment(cid)
  if c then
    pages[c.pg] = true
    redis.call('ZREM', k_hidden_by(c.pg, uid), cid)
  end
end

redis.call('DEL', KEYS[1], k_votes(uid), k_user_reports(uid), k_user_comments(uid), k_user_sessions(uid),
  k_unread(uid), k_user_identities(uid), k_notifications(uid), k_mail_window(uid), k_mail_digest(uid))

-- Its name disappears from every thread it wrote in.
redis.call('INCR', K_EPOCH)
local out = {}
for page in pairs(pages) do
  redis.call('HINCRBY', k_page(page), 'ver', 1)
  out[#out + 1] = page
end
return out
