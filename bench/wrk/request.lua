-- One fixed request, sent again and again (no response() hook: wrk does not keep
-- the answers, as for the ceiling).
--   wrk ... -s request.lua URL -- METHOD [BODY_FILE CONTENT_TYPE]
-- The session cookie comes with -H "Cookie: ...".
require "stats"

function init(args)
  wrk.method = args[1]
  if args[2] then
    local file = assert(io.open(args[2], "rb"))
    wrk.body = file:read("*a")
    file:close()
    wrk.headers["Content-Type"] = args[3]
  end
end
