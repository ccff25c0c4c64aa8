-- wrk script for bench/submit_speed.py: the widget's POST body, a unique Idempotency-Key on
-- every request, and a JSON summary line from done().
local counter = 0
local tag = "run"

function init(args)
  tag = args[1] or tag
end

wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"channel": "web", "language": "en", "answers": {"trust": true, '
  .. '"went_well": ["ease", "efficiency"], '
  .. '"comment": "Quick and easy, thank you. Call me at 613-555-0199 if you need more."}}'

function request()
  counter = counter + 1
  wrk.headers["Idempotency-Key"] = tag .. "-" .. counter
  return wrk.format()
end

function done(summary, latency, requests)
  local e = summary.errors
  local other = e.connect + e.read + e.write + e.timeout
  io.write(string.format(
    '{"rps": %.1f, "p50_ms": %.2f, "p99_ms": %.2f, "requests": %d, "non2xx": %d, '
      .. '"errors": %d, "ok": %d}\n',
    summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000,
    latency:percentile(99) / 1000, summary.requests, e.status, other,
    summary.requests - e.status))
end
