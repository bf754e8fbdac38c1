-- wrk script for bench/run.sh: adds `Authorization: Bearer $THREATHUB_TOKEN` when the variable
-- is set, and prints one machine-readable summary line at the end:
--
--   BENCH requests=N seconds=S rps=R p50_ms=A p90_ms=B p99_ms=C p999_ms=D max_ms=E errors=F
--
-- `errors` counts connect, read, write and timeout errors and answers outside 2xx/3xx; a run
-- with errors is not a valid measurement (a 401 is cheap and would flatter the figures).

local token = os.getenv("THREATHUB_TOKEN")
if token ~= nil and token ~= "" then
  wrk.headers["Authorization"] = "Bearer " .. token
end

-- No request() function: wrk then builds the request once and reuses it, which keeps the
-- client's own cost per request as low as a plain `wrk URL`.

function done(summary, latency, requests)
  local seconds = summary.duration / 1e6
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write +
                 summary.errors.timeout + summary.errors.status
  io.write(string.format(
      "BENCH requests=%d seconds=%.3f rps=%.1f p50_ms=%.3f p90_ms=%.3f p99_ms=%.3f " ..
      "p999_ms=%.3f max_ms=%.3f errors=%d\n",
      summary.requests, seconds, summary.requests / seconds,
      latency:percentile(50) / 1000, latency:percentile(90) / 1000,
      latency:percentile(99) / 1000, latency:percentile(99.9) / 1000,
      latency.max / 1000, errors))
end
