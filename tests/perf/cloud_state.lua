-- wrk script: the unit channel's state report (docs/unit-channel.md, section 2), a write route
-- of the mock cloud. Each request reports a new room temperature (0xBB) of one air conditioner,
-- so the cloud's copy really changes; cheap and repeatable. Usage:
--   wrk ... -s cloud_state.lua URL/v1/unit-channel/state -- SESSION
local counter = 0

function init(args)
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["Authorization"] = "Bearer " .. args[1]
end

function request()
  counter = counter + 1
  local body = string.format(
    '{"appliances":[{"key":"127.10.0.1/0x013001","name":"リビングエアコン","class":"0x0130",' ..
    '"online":true,"state":{"0x80":"30","0xB0":"42","0xBB":"%02X"}}]}', 10 + counter % 30)
  return wrk.format(nil, nil, nil, body)
end
