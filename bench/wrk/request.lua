-- One fixed request, sent again and again (no response() hook: wrk does not keep
-- the answers, as for the ceiling).
--   wrk -tN -cN ... -s request.lua URL -- COOKIES_FILE METHOD [BODY_FILE CONTENT_TYPE]
-- COOKIES_FILE: one "name=value" session cookie a line, one line per connection
-- (stats.lua, use_cookie); "-" for none.
require "stats"

function init(args)
  if args[1] ~= "-" then
    use_cookie(args[1])
  end
  wrk.method = args[2]
  if args[3] then
    local file = assert(io.open(args[3], "rb"))
    wrk.body = file:read("*a")
    file:close()
    wrk.headers["Content-Type"] = args[4]
  end
end
