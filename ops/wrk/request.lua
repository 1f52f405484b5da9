-- One request shape for a whole wrk run, read from the environment ops/load.py sets, and a
-- summary line of JSON at the end that ops/load.py parses.
wrk.method = os.getenv("WRK_METHOD") or "GET"
local body = os.getenv("WRK_BODY") or ""
if body ~= "" then
  wrk.body = body
end
-- A first-view page adds a parameter that differs on every request, so nothing cached answers.
local first_view = os.getenv("WRK_FIRST_VIEW") or ""
if first_view ~= "" then
  local sent = 0
  request = function()
    sent = sent + 1
    local separator = string.find(wrk.path, "?", 1, true) and "&" or "?"
    return wrk.format(nil, wrk.path .. separator .. first_view .. "=" .. sent)
  end
end
for name, value in string.gmatch(os.getenv("WRK_HEADERS") or "", "([^:\n]+):%s*([^\n]*)") do
  wrk.headers[name] = value
end

done = function(summary, latency, requests)
  io.write(string.format(
    'WRK_SUMMARY {"requests":%d,"duration_us":%d,"connect_errors":%d,"read_errors":%d,' ..
    '"write_errors":%d,"status_errors":%d,"timeouts":%d,"p50_us":%d,"p95_us":%d,"p99_us":%d}\n',
    summary.requests, summary.duration, summary.errors.connect, summary.errors.read,
    summary.errors.write, summary.errors.status, summary.errors.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99)))
end
