-- KEYS[1] the site's webhook endpoints (hash). ARGV: prefix, event type, job JSON, order key (page id,
-- or '_' for the site's own events), queue cap, one endpoint id ('' for every subscribed one).
-- Appends the job to the queue of each enabled endpoint subscribed to the event (or of the one
-- named, whatever it subscribes to), one queue per endpoint and page so each keeps its order.
-- Returns { endpoints queued for, endpoints whose queue is full (the job is not queued there) }.
local queued, full = {}, {}
local cap = tonumber(ARGV[5])
local entries = redis.call('HGETALL', KEYS[1])
for i = 1, #entries, 2 do
  local id = entries[i]
  local wanted = id == ARGV[6]
  if ARGV[6] == '' then
    local endpoint = cjson.decode(entries[i + 1])
    if endpoint.enabled then
      for _, name in ipairs(endpoint.events) do
        if name == ARGV[2] then wanted = true end
      end
    end
  end
  if wanted then
    local queue = k_webhook_queue(id, ARGV[4])
    if redis.call('LLEN', queue) >= cap then
      full[#full + 1] = id
    else
      redis.call('RPUSH', queue, ARGV[3])
      queued[#queued + 1] = id
    end
  end
end
return { queued, full }
