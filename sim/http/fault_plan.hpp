// FaultPlan as JSON: the one format for fault rules everywhere (the admin routes, scenario
// steps, files), documented in docs/faults.md. Reading checks every key: an unknown key, a
// parameter of another kind or a bad value is an Error ("fault_rule" / "fault_plan") whose
// message names the key, e.g. "rules[1].ms: must be a number, got \"x\"".
#pragma once

#include <string_view>

#include <nlohmann/json_fwd.hpp>

#include "sim/core/result.hpp"
#include "sim/http/fault_rule.hpp"

namespace hemsrig::http {

// {"kind": "latency", "path": "/firmware/*", "probability": 0.5, "ms": 200}
Result<FaultRule> parse_fault_rule(const nlohmann::json& json);
// {"offline": false, "rules": [ ...rules... ]}; both keys optional.
Result<FaultPlan> parse_fault_plan(const nlohmann::json& json);
// The same from text; malformed JSON is an Error "bad_json".
Result<FaultRule> parse_fault_rule_text(std::string_view text);
Result<FaultPlan> parse_fault_plan_text(std::string_view text);

// Back to JSON: every match key, the kind's parameters, "id" and (with_fired) "fired".
nlohmann::json fault_rule_json(const FaultRule& rule, bool with_fired = false);
nlohmann::json fault_plan_json(const FaultPlan& plan, bool with_fired = false);

}  // namespace hemsrig::http
