-- Shared by the scenario scripts (require "stats"; wrk runs with this folder as its
-- working directory). done() prints one line for bench/run.py:
--   WRK_JSON {"requests":…, "duration_us":…, "p50_us":…, "p99_us":…, "non2xx":…, …}
-- with, when the scenario's response() hook counted them, the HTTP statuses seen
-- (thread global "statuses") and extra counters ("counters"); the simulation ids
-- acknowledged (thread global "ids") are written to the file named by "ids_file".
--
-- One session per connection: bench/run.py runs wrk with as many threads as
-- connections (-tN -cN), so each wrk thread drives exactly one connection; setup()
-- gives each thread its number (thread global "thread_number", 1..N) and
-- use_cookie() then picks line thread_number of a cookies file: no two connections
-- ever send the same session. (wrk's Lua API has no per-connection hook: the
-- connections of one thread share one Lua state, hence one thread per connection.)

local threads = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("thread_number", #threads)
end

-- The Cookie header of this thread's connection: line thread_number of the file.
function use_cookie(cookies_file)
  local n = 0
  for line in io.lines(cookies_file) do
    n = n + 1
    if n == thread_number then
      wrk.headers["Cookie"] = line
      return
    end
  end
  error("cookies file " .. cookies_file .. " has fewer lines than wrk has threads")
end

statuses = {}
counters = {}

function count(status)
  statuses[status] = (statuses[status] or 0) + 1
end

local function encode(value)
  if type(value) == "table" then
    local parts = {}
    for k, v in pairs(value) do
      table.insert(parts, string.format("%q:%s", tostring(k), encode(v)))
    end
    return "{" .. table.concat(parts, ",") .. "}"
  elseif type(value) == "number" then
    return string.format("%d", value)
  end
  return string.format("%q", tostring(value))
end

local function merge(into, from)
  for k, v in pairs(from or {}) do
    into[k] = (into[k] or 0) + v
  end
end

function done(summary, latency, requests)
  local all_statuses, all_counters, ids, ids_file = {}, {}, {}, nil
  for _, thread in ipairs(threads) do
    merge(all_statuses, thread:get("statuses"))
    merge(all_counters, thread:get("counters"))
    for _, id in ipairs(thread:get("ids") or {}) do
      table.insert(ids, id)
    end
    ids_file = ids_file or thread:get("ids_file")
  end
  if ids_file then
    local file = assert(io.open(ids_file, "w"))
    for _, id in ipairs(ids) do
      file:write(id, "\n")
    end
    file:close()
  end
  local errors = summary.errors
  io.write("WRK_JSON ", encode({
    requests = summary.requests,
    duration_us = summary.duration,
    p50_us = latency:percentile(50),
    p99_us = latency:percentile(99),
    max_us = latency.max,
    non2xx = errors.status,
    socket_errors = errors.connect + errors.read + errors.write + errors.timeout,
    statuses = all_statuses,
    counters = all_counters,
  }), "\n")
end
