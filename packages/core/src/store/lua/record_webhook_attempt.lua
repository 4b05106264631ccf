-- KEYS[1] the endpoint's queue for one page. ARGV: prefix, endpoint id, job id, outcome ('sent',
-- 'retry' or 'dropped'), the job for its next attempt (retry), log entry JSON, log length kept,
-- failures that disable the endpoint, the reason it is disabled with.
-- Records one attempt at the job at the head of the queue: a sent or dropped job leaves the queue,
-- a retried one is replaced by its next attempt, and the attempt goes to the endpoint's log. A job
-- no longer at the head was settled by another worker (its lease ran out): nothing changes then.
-- Returns { jobs left in the queue, 1 when this attempt disabled the endpoint } or { -1, 0 }.
local head = redis.call('LINDEX', KEYS[1], 0)
if not head or cjson.decode(head).id ~= ARGV[3] then return { -1, 0 } end
local endpoint_id, outcome = ARGV[2], ARGV[4]
if outcome == 'retry' then
  redis.call('LSET', KEYS[1], 0, ARGV[5])
else
  redis.call('LPOP', KEYS[1])
end
local log = k_webhook_log(endpoint_id)
redis.call('LPUSH', log, ARGV[6])
redis.call('LTRIM', log, 0, tonumber(ARGV[7]) - 1)
local disabled = 0
if outcome == 'sent' then
  redis.call('HDEL', K_WEBHOOK_FAILURES, endpoint_id)
else
  local failures = redis.call('HINCRBY', K_WEBHOOK_FAILURES, endpoint_id, 1)
  local raw = redis.call('HGET', K_WEBHOOKS, endpoint_id)
  if raw and failures >= tonumber(ARGV[8]) then
    local endpoint = cjson.decode(raw)
    if endpoint.enabled then
      endpoint.enabled = false
      endpoint.disabled_reason = ARGV[9]
      redis.call('HSET', K_WEBHOOKS, endpoint_id, cjson.encode(endpoint))
      disabled = 1
    end
  end
end
return { redis.call('LLEN', KEYS[1]), disabled }
