-- wrk script for tests/bench/bench.sh: one request shape per run, from the environment.
--   BENCH_METHOD, BENCH_PATH, BENCH_BODY, BENCH_TOKEN (X-Auth-Token), BENCH_SUBJECT
--   (X-Subject-Token), BENCH_EXPECT (status counted as success), BENCH_TOKENS_FILE (optional:
--   one token a line; each request then validates the next one, as its own X-Auth-Token and
--   X-Subject-Token, so many distinct tokens are in use at once).
-- Prints one line: RESULT {"requests":..,"seconds":..,"rps":..,"p50_ms":..,"p99_ms":..,"errors":..}
local method = os.getenv("BENCH_METHOD") or "GET"
local path = os.getenv("BENCH_PATH") or "/v3"
local body = os.getenv("BENCH_BODY")
local token = os.getenv("BENCH_TOKEN")
local subject = os.getenv("BENCH_SUBJECT")
local expect = tonumber(os.getenv("BENCH_EXPECT") or "200")
local tokens_file = os.getenv("BENCH_TOKENS_FILE")

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  unexpected = 0
  wrk.method = method
  wrk.path = path
  wrk.headers["Content-Type"] = "application/json"
  if body and body ~= "" then wrk.body = body end
  if token and token ~= "" then wrk.headers["X-Auth-Token"] = token end
  if subject and subject ~= "" then wrk.headers["X-Subject-Token"] = subject end
  pool = {}
  if tokens_file and tokens_file ~= "" then
    for line in io.lines(tokens_file) do table.insert(pool, line) end
  end
  -- Threads start at different places in the pool.
  next_token = math.random(math.max(#pool, 1))
end

function request()
  if #pool == 0 then return wrk.format() end
  next_token = next_token % #pool + 1
  local t = pool[next_token]
  return wrk.format(nil, nil, {["Content-Type"] = "application/json",
                               ["X-Auth-Token"] = t, ["X-Subject-Token"] = t})
end

function response(status, headers, body)
  if status ~= expect then unexpected = unexpected + 1 end
end

function done(summary, latency, requests)
  local bad = 0
  for _, t in ipairs(threads) do bad = bad + (t:get("unexpected") or 0) end
  local e = summary.errors
  bad = bad + e.connect + e.read + e.write + e.timeout
  local seconds = summary.duration / 1e6
  io.write(string.format(
    'RESULT {"requests":%d,"seconds":%.3f,"rps":%.1f,"p50_ms":%.3f,"p99_ms":%.3f,"errors":%d}\n',
    summary.requests, seconds, summary.requests / seconds,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, bad))
end
