// Script-call bodies: the JSON a page's script (or a client) POSTs to /data/... and /action/...
//
// The unit's own scripts send `data=<JSON>` without percent-encoding; clients send that, the
// form-encoded `data=%7B...%7D`, bare JSON, or an empty body (AISEG2-FACTS, seen). All four are
// accepted; an empty body (or an empty `data=`) is an empty JSON object.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "sim/core/result.hpp"

namespace hemsrig::aiseg2::web {

// Errors: "bad_body" (none of the accepted forms parses as JSON).
Result<nlohmann::json> parse_script_body(const std::string& body);

}  // namespace hemsrig::aiseg2::web
