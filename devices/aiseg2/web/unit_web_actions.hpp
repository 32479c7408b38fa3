// UnitWebActions: what the unit's web pages ask the unit to do.
//
// Control on the real unit is asynchronous (AISEG2-FACTS, seen): a `change` script call is
// accepted with an accept id, and `check` calls then ask how that control went. UnitWebSite
// parses and validates the script calls and hands the control to this interface; the unit
// implements it with its ECHONET Lite controller, tests with a fake. Called on the engine's
// thread, from inside an HTTP handler: do not block, start the control and return.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "sim/core/result.hpp"

namespace hemsrig::aiseg2 {

struct ControlRequest {
  std::uint32_t node_id = 0;  // "nodeId"
  std::uint32_t eoj = 0;      // "eoj": "0x029101"
  std::uint8_t type = 0;      // "type": "0x92" (web_type::...)
  // The `device` object of the request, values as sent: lighting {"onoff": "0x30" | "0x31" |
  // "-", "modulate": "-" | "0x14".."0x64"}; "-" means "leave as it is".
  std::map<std::string, std::string> changes;
};

// `check` replies: 0 done, 1 still running, 2 failed (AISEG2-FACTS, seen). Clients poll about
// six times 0.5-1 s apart, so a control must end (done or failed) within that.
enum class ControlStatus { Done = 0, Running = 1, Failed = 2 };

class UnitWebActions {
 public:
  virtual ~UnitWebActions() = default;
  // Starts a control; returns its accept id (digits, e.g. "108946"), or an Error when the unit
  // refuses it (unknown appliance, nothing to change, controller busy).
  virtual Result<std::string> start_control(const ControlRequest& request) = 0;
  // How the control with that accept id went; Failed for an id never handed out.
  virtual ControlStatus control_status(const std::string& accept_id) = 0;
};

}  // namespace hemsrig::aiseg2
