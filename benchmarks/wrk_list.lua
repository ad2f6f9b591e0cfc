-- wrk script for the HTTP benchmarks (benchmarks/_wrk.py runs it): requests from a prepared list, each thread
-- taking every n-th line; once (every request sent once, e.g. one settle per prepared visit) or looping until
-- wrk's -d ends; saturating or paced to a fixed offered rate; counts answers by status; optionally captures
-- `mdtrt_id` and `institution` from each answer (registering visits for the next phase).
--
--   wrk -t T -c C -d S -s wrk_list.lua URL -- LIST MODE RATE T EXPECT OUT
--     LIST    file of "METHOD<TAB>PATH<TAB>AUTHORIZATION<TAB>BODY" lines (BODY one line of JSON, may be empty)
--     MODE    once | loop
--     RATE    offered requests/s for the whole run, 0 = as fast as answers come back (saturating)
--     EXPECT  the status every answer must have (e.g. 200, 201)
--     OUT     prefix of this run's files: OUT.done (a line per finished thread), OUT.cap.<thread> (captures),
--             OUT.err (first error answers)
--
-- Fixed rate: Debian's wrk is wrk 4 (no wrk2 -R). Each thread keeps a schedule of send slots spaced
-- T / RATE apart and delay() holds each next request until its slot; a request whose slot has passed is sent at
-- once and counted as late. wrk times a request from when it is sent, so when the server falls behind, the
-- time a request waited for its slot is not in p50/p99 (coordinated omission): the late count says whether the
-- offered rate was held. Each connection's first request goes out at connect time, before any slot.

local ffi = require("ffi")
ffi.cdef[[
typedef struct { long tv_sec; long tv_nsec; } yidi_timespec;
int clock_gettime(int clk_id, yidi_timespec *tp);
]]
local ts = ffi.new("yidi_timespec")
local function now_ms()
  ffi.C.clock_gettime(1, ts) -- CLOCK_MONOTONIC
  return tonumber(ts.tv_sec) * 1000 + tonumber(ts.tv_nsec) / 1e6
end

local counter = 0
local threads = {}

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

local items, n_items = {}, 0
local mode, rate, expect, out
local next_i = 1
local interval, next_slot = 0, nil
local pending = 0 -- sends delay() let through that request() has not yet taken an item for
local fillers = 0 -- health checks sent by a connection that found nothing left (answers not counted)
local filler = nil
local verified = false -- wrk calls request() once on thread 0's script before any connection (to check it)
sent, ok, bad, late, received = 0, 0, 0, 0, 0
t_first, t_last = 0, 0
local cap, done_written, errs_written = nil, false, 0

function init(args)
  local list, nthreads = args[1], tonumber(args[4])
  mode, rate, expect, out = args[2], tonumber(args[3]), tonumber(args[5]), args[6]
  local k = 0
  for line in io.lines(list) do
    if k % nthreads == id then
      local method, path, auth, body = line:match("^([^\t]*)\t([^\t]*)\t([^\t]*)\t(.*)$")
      local headers = {}
      if auth ~= "" then headers["Authorization"] = auth end
      if body ~= "" then headers["Content-Type"] = "application/json" else body = nil end
      n_items = n_items + 1
      items[n_items] = wrk.format(method, path, headers, body)
    end
    k = k + 1
  end
  if rate > 0 then interval = 1000.0 * nthreads / rate end
  if out ~= "" then cap = io.open(out .. ".cap." .. id, "w") end
  if mode == "once" and n_items == 0 then -- fewer items than threads: this one has nothing to do
    done_written = true
    local f = io.open(out .. ".done", "a")
    f:write(id, "\n")
    f:close()
  end
end

function delay()
  -- once-mode: every item goes to one send; a connection that finds none left idles until the runner stops
  -- wrk. delay() and request() run at different times, so count the sends already let through.
  if mode == "once" and next_i + pending > n_items then return 3600000 end
  pending = pending + 1
  if interval == 0 then return 0 end
  local now = now_ms()
  if next_slot == nil then next_slot = now end
  local slot = next_slot
  next_slot = next_slot + interval
  if slot < now then
    if now - slot > interval then late = late + 1 end
    return 0
  end
  return slot - now
end

function request()
  if not verified then
    verified = true
    if id == 0 then return items[1] or wrk.format("GET", "/api/v1/health") end -- wrk's check: not sent
  end
  if pending > 0 then pending = pending - 1 end
  if n_items == 0 or (mode == "once" and next_i > n_items) then
    -- wrk asks for a request on every new connection: with nothing left, a health check whose answer is
    -- recognised and not counted (only when a thread has fewer items than connections)
    if filler == nil then filler = wrk.format("GET", "/api/v1/health") end
    fillers = fillers + 1
    return filler
  end
  local i = next_i
  if i > n_items then i = ((i - 1) % n_items) + 1 end -- loop mode
  next_i = next_i + 1
  sent = sent + 1
  if t_first == 0 then t_first = now_ms() end
  return items[i]
end

function response(status, headers, body)
  if fillers > 0 and status == 200 and body:find('"packs"', 1, true) then
    fillers = fillers - 1
    return
  end
  received = received + 1
  t_last = now_ms()
  if status == expect then
    ok = ok + 1
    if cap ~= nil then
      local mid = body:match('"mdtrt_id"%s*:%s*"([^"]+)"')
      local inst = body:match('"institution"%s*:%s*"([^"]+)"')
      if mid ~= nil then cap:write(mid, "\t", inst or "", "\n") end
    end
  else
    bad = bad + 1
    if errs_written < 3 and out ~= "" then
      local f = io.open(out .. ".err", "a")
      f:write(status, " ", (body or ""):sub(1, 400), "\n")
      f:close()
      errs_written = errs_written + 1
    end
  end
  if mode == "once" and received >= n_items and not done_written then
    done_written = true
    if cap ~= nil then cap:close(); cap = nil end
    local f = io.open(out .. ".done", "a")
    f:write(id, "\n")
    f:close()
  end
end

function done(summary, latency, requests)
  local s_ok, s_bad, s_late, s_sent, first, last = 0, 0, 0, 0, nil, 0
  for _, t in ipairs(threads) do
    s_ok = s_ok + t:get("ok")
    s_bad = s_bad + t:get("bad")
    s_late = s_late + t:get("late")
    s_sent = s_sent + t:get("sent")
    local f, l = t:get("t_first"), t:get("t_last")
    if f > 0 and (first == nil or f < first) then first = f end
    if l > last then last = l end
  end
  io.write(string.format(
    'WRKJSON {"ok": %d, "bad": %d, "late": %d, "sent": %d, "seconds": %.4f, "p50_us": %d, "p90_us": %d, ' ..
    '"p99_us": %d, "max_us": %d, "wrk_requests": %d, "socket_errors": %d, "timeouts": %d}\n',
    s_ok, s_bad, s_late, s_sent, ((last - (first or last)) / 1000.0), latency:percentile(50),
    latency:percentile(90), latency:percentile(99), latency.max, summary.requests,
    summary.errors.connect + summary.errors.read + summary.errors.write, summary.errors.timeout))
end
