-- wrk script: POSTs SendTaskHeartbeat round-robin over the task tokens in a file (one a line) and prints
-- a JSON summary line. Usage: wrk -s heartbeat.lua URL -- TOKENS_FILE
local bodies = {}
local next_body = 0

function init(args)
  for token in io.lines(args[1]) do
    if token ~= "" then
      bodies[#bodies + 1] = '{"taskToken":"' .. token .. '"}'
    end
  end
  -- Threads start at different tokens.
  next_body = math.random(#bodies)
end

wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-amz-json-1.0"
wrk.headers["X-Amz-Target"] = "AWSStepFunctions.SendTaskHeartbeat"

function request()
  next_body = next_body % #bodies + 1
  return wrk.format(nil, "/", nil, bodies[next_body])
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRK_JSON {"requests":%d,"seconds":%.6f,"perSecond":%.1f,"non2xx":%d,"connectErrors":%d,' ..
    '"readErrors":%d,"writeErrors":%d,"timeouts":%d,"p50Ms":%.3f,"p99Ms":%.3f}\n',
    summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6), e.status, e.connect,
    e.read, e.write, e.timeout, latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
