-- Logs a live event in the page's short log and publishes it (`log_page_event`).
-- KEYS[1]: the page's event stream.
-- ARGV: P, channel, envelope JSON {"audience":…,"message":…}, max entries,
--       window ms, keep ms, sharded ('1' on Redis Cluster).
return log_page_event({ KEYS[1], ARGV[2], ARGV[4], ARGV[5], ARGV[6], ARGV[7] }, ARGV[3])
