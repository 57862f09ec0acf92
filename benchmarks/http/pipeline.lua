-- wrk script: HTTP/1.1 pipelining. Every write on a connection carries DEPTH requests for the
-- URL's path back to back; the next batch is written only after all DEPTH responses are in.
--
--   wrk -t1 -c64 -d1s --latency -s pipeline.lua http://127.0.0.1:PORT/plaintext -- 16
--
-- The depth is the first argument after "--" (default 16).
--
-- How wrk counts this (wrk 4.1.0, checked against its source):
--   * At start-up wrk parses the string request() returns and counts the requests in it; that
--     count is the pipeline depth. "N requests" and "Requests/sec" count RESPONSES, one per
--     request, so they compare directly with non-pipelined runs.
--   * Latency is recorded once per BATCH: from the first byte of the batch's write to the last
--     of its DEPTH responses. p50/p99 are therefore batch latencies, with 1/DEPTH as many samples.
--   * wrk's end-of-run latency correction uses runtime / (responses per connection) as the
--     expected interval, which for pipelining is 1/DEPTH of the real batch interval; compare
--     pipelined latencies between servers only, never with non-pipelined runs.

local depth = 16
local batch

function init(args)
   if args[1] ~= nil then
      depth = tonumber(args[1])
   end
   local requests = {}
   for i = 1, depth do
      requests[i] = wrk.format(nil, wrk.path)
   end
   batch = table.concat(requests)
end

function request()
   return batch
end
