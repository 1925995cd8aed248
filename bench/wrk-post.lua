-- wrk script for the saturation runs: POSTs the body in the file BENCH_BODY_FILE (a file: one environment
-- variable holds at most 128 KiB) with the headers in BENCH_HEADERS (one
-- "name: value" per line), and prints one JSON line at the end with the latency ladder in
-- microseconds (wrk's own histogram) and the error counts.
wrk.method = "POST"
local body_file = assert(io.open(os.getenv("BENCH_BODY_FILE"), "rb"))
wrk.body = body_file:read("*a")
body_file:close()
wrk.headers["Content-Type"] = "application/json"
for line in string.gmatch(os.getenv("BENCH_HEADERS") or "", "[^\n]+") do
  local name, value = line:match("^([^:]+):%s*(.*)$")
  if name then wrk.headers[name] = value end
end

function done(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format(
    '{"requests":%d,"durationMicros":%d,"bytes":%d,"p50":%d,"p90":%d,"p99":%d,"p999":%d,"max":%d,' ..
    '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d}}\n',
    summary.requests, summary.duration, summary.bytes,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency:percentile(99.9), latency.max,
    errors.connect, errors.read, errors.write, errors.status, errors.timeout))
end
