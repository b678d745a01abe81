-- request.lua, and every answer's status counted and the simulation id of each
-- 200 answer kept, written to IDS_FILE by done(): bench/run.py's no-lost-update check.
--   wrk ... -s acknowledged.lua URL -- COOKIES_FILE METHOD BODY_FILE CONTENT_TYPE IDS_FILE
require "request"

ids = {}
local init_request = init

function init(args)
  init_request(args)
  ids_file = args[5]
end

function response(status, headers, body)
  count(status)
  if status == 200 then
    table.insert(ids, tonumber(body:match('"id":%s*(%d+)')))
  end
end
