-- The login sequence: GET /init-session/json, then POST /authenticate-user with the
-- cookie it set. The connections of a thread share this state, so each
-- init-session answer queues its cookie and the next request to go out takes it
-- (each cookie logs in exactly once). counters.logins = successful logins.
require "stats"

local waiting = {}
local login_headers = {["Content-Type"] = "application/x-www-form-urlencoded"}
counters = {logins = 0}

function request()
  local cookie = table.remove(waiting)
  if cookie then
    login_headers["Cookie"] = cookie
    return wrk.format("POST", "/authenticate-user", login_headers, "user=admin&password=admin")
  end
  return wrk.format("GET", "/init-session/json")
end

function response(status, headers, body)
  count(status)
  if body:find('"action":%s*"init%-session"') then  -- with or without JSON spaces
    local cookie = headers["Set-Cookie"]
    if cookie then
      table.insert(waiting, cookie:match("^[^;]+"))
    end
  elseif status == 200 then
    counters.logins = counters.logins + 1
  end
end
