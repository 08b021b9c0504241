-- wrk script of bench_page.py: GET many distinct stamp pages as a phone's browser does.
--
-- wrk -s bench/stamp_page.lua URL -- PATHS_FILE THREADS START
--   PATHS_FILE  one Digital Link path per line (/01/{gtin}/10/{lot}/21/{serial})
--   THREADS     wrk's -t, so thread k takes paths START+k, START+k+THREADS, ... (no overlap)
--   START       where this run begins in the list; bench_page.py continues where the previous
--               run stopped, so scans spread over the stamps like real use (mostly first scans)
--               instead of every run re-scanning the same few.
-- done() prints one line "BENCH_JSON {...}" with the summary and latency percentiles, which
-- bench_page.py parses (wrk's own text output is kept for people).

wrk.method = "GET"
wrk.headers["Accept"] = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,"
  .. "image/webp,*/*;q=0.8"
wrk.headers["Accept-Language"] = "vi-VN,vi;q=0.9,en-US;q=0.8,en;q=0.7"
wrk.headers["Accept-Encoding"] = "identity"
wrk.headers["User-Agent"] = "Mozilla/5.0 (Linux; Android 14; SM-A556E) AppleWebKit/537.36 "
  .. "(KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36"

local threads = {}

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

function init(args)
  paths = {}
  for line in io.lines(args[1]) do
    paths[#paths + 1] = line
  end
  stride = tonumber(args[2])
  position = tonumber(args[3]) + id
  sent = 0
end

function request()
  local path = paths[position % #paths + 1]
  position = position + stride
  sent = sent + 1
  return wrk.format(nil, path)
end

function done(summary, latency, requests)
  local most = 0
  for _, thread in ipairs(threads) do
    most = math.max(most, thread:get("sent"))
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests": %d, "duration_us": %d, "bytes": %d, "errors": {"connect": %d, '
      .. '"read": %d, "write": %d, "status": %d, "timeout": %d}, "latency_us": {"mean": %.1f, '
      .. '"stdev": %.1f, "max": %d, "p50": %d, "p75": %d, "p90": %d, "p99": %d, "p999": %d}, '
      .. '"paths_used": %d}\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status,
    e.timeout, latency.mean, latency.stdev, latency.max, latency:percentile(50),
    latency:percentile(75), latency:percentile(90), latency:percentile(99),
    latency:percentile(99.9), most * #threads))
end
