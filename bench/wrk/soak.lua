-- The soak's mixed load: each connection (one per wrk thread, see stats.lua) is a
-- client going round this cycle, every answer expected 200:
--   init-session/json, authenticate-user, then 40 calculate-tax, with after every
--   5th a list-simulations and after every 10th a get-admindata, a calculate-taxes
--   of 11 and a delete-simulation of the last id; then end-session, and again.
-- The session stays small (at most ~85 simulations), so the latency of a cycle
-- does not grow with the run's length. The session cookie is taken from every
-- Set-Cookie (init-session sets it, the login renews the id).
-- Throttle: plain wrk has no request rate option (wrk2's -R): delay() holds every
-- request DELAY_MS, which bench/run.py recalibrates each minute to reach its rate.
--   wrk -tN -cN ... -s soak.lua URL -- DELAY_MS FORM_FILE BATCH_FILE
require "stats"

local form_headers = {["Content-Type"] = "application/x-www-form-urlencoded"}
local json_headers = {["Content-Type"] = "application/json"}
local plain_headers = {}
local cycle = {}
local step = 1  -- the cycle's next request; advanced by response(), not request(): wrk
                -- calls request() once more in the first thread, before the run, to check it
local cookie = nil
local last_id = nil

local function read(path)
  local file = assert(io.open(path, "rb"))
  local text = file:read("*a")
  file:close()
  return text
end

function init(args)
  delay_ms = tonumber(args[1])
  local form, batch = read(args[2]), read(args[3])
  table.insert(cycle, {"GET", "/init-session/json"})
  table.insert(cycle, {"POST", "/authenticate-user", form_headers, "user=admin&password=admin"})
  for i = 1, 40 do
    table.insert(cycle, {"POST", "/calculate-tax", form_headers, form})
    if i % 5 == 0 then table.insert(cycle, {"GET", "/list-simulations"}) end
    if i % 10 == 0 then
      table.insert(cycle, {"GET", "/get-admindata"})
      table.insert(cycle, {"POST", "/calculate-taxes", json_headers, batch})
      table.insert(cycle, {"DELETE-LAST"})
    end
  end
  table.insert(cycle, {"GET", "/end-session"})
end

function delay()
  return delay_ms
end

function request()
  local item = cycle[step]
  local headers = item[3] or plain_headers
  headers["Cookie"] = cookie
  if item[1] == "DELETE-LAST" then
    return wrk.format("GET", "/delete-simulation/" .. (last_id or 0), headers)
  end
  return wrk.format(item[1], item[2], headers, item[4])
end

function response(status, headers, body)
  count(status)
  local set_cookie = headers["Set-Cookie"]
  if set_cookie then
    cookie = set_cookie:match("^[^;]+")
  end
  local id = body:match('^{"action":"calculate%-tax".-"id":(%d+)')
  if id then last_id = id end
  step = step % #cycle + 1
end
