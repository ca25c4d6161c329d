-- bench/load.py's wrk script: sends the session cookie (BENCH_COOKIE) with every request,
-- counts the answers that are not 2xx (per thread, summed in done()) and prints one line of
-- JSON that load.py reads: requests, duration, latency percentiles (microseconds), non-2xx,
-- socket errors.
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  non2xx = 0
  statuses = ""
end

local cookie = os.getenv("BENCH_COOKIE")
if cookie and cookie ~= "" then
  wrk.headers["Cookie"] = cookie
end

function response(status, headers, body)
  if status < 200 or status > 299 then
    non2xx = non2xx + 1
    if #statuses < 200 then
      statuses = statuses .. status .. " "
    end
  end
end

function done(summary, latency, requests)
  local non = 0
  local seen = ""
  for _, t in ipairs(threads) do
    non = non + t:get("non2xx")
    seen = seen .. t:get("statuses")
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests": %d, "duration_us": %d, "p50_us": %d, "p90_us": %d, "p99_us": %d, ' ..
    '"max_us": %d, "non2xx": %d, "statuses": "%s", "connect": %d, "read": %d, "write": %d, ' ..
    '"timeout": %d, "status_errors": %d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.max, non, seen, e.connect, e.read, e.write, e.timeout, e.status))
end
