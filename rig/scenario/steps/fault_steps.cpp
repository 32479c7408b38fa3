// Fault steps: the cloud misbehaves on purpose (docs/faults.md), the way
// WireMock and Toxiproxy would: `cloud_fault: {kind: status, path: ..., status:
// 503}` adds a rule (checked when the file loads, errors at file:line:col),
// `cloud_faults_clear` removes every rule, `cloud_offline: {offline: true,
// for: 10m}` takes the whole cloud off the Internet, which the unit sees as
// DOMAIN R10's "offline". Every fault that fires is in the trace (cloud.fault).
#include <fmt/format.h>

#include "rig/scenario/run_context.hpp"
#include "rig/scenario/step.hpp"
#include "sim/http/fault_plan.hpp"

namespace hemsrig::scenario {
namespace {

using nlohmann::json;

// A plain YAML map as JSON, numbers as numbers (the rule's ms, status, probability).
json rule_json(const YAML::Node& n) {
  if (n.IsMap()) {
    json o = json::object();
    for (const auto& kv : n) o[kv.first.as<std::string>()] = rule_json(kv.second);
    return o;
  }
  if (n.IsSequence()) {
    json a = json::array();
    for (const auto& v : n) a.push_back(rule_json(v));
    return a;
  }
  const std::string s = n.Scalar();
  if (n.Tag() != "!") {
    if (s == "true") return true;
    if (s == "false") return false;
    char* end = nullptr;
    const double d = std::strtod(s.c_str(), &end);
    if (!s.empty() && end != nullptr && *end == '\0') {
      if (s.find_first_of(".eE") == std::string::npos) return static_cast<std::int64_t>(d);
      return d;
    }
  }
  return s;
}

http::FaultInjector* faults_of(RunContext& ctx) {
  return ctx.world().cloud_faults();
}

Status no_cloud() {
  return make_error("no_cloud", "the scenario's world has no cloud (add a `cloud:` section)");
}

std::unique_ptr<Step> parse_fault(StepParser& p, const YAML::Node& params) {
  if (!params || !params.IsMap()) {
    p.reader().error(params,
                     "'cloud_fault' takes a fault rule: {kind: status, status: 503, ...} "
                     "(docs/faults.md)");
    return nullptr;
  }
  auto rule = http::parse_fault_rule(rule_json(params));
  if (!rule) {
    p.reader().error(params, "cloud_fault: " + rule.error().message);
    return nullptr;
  }
  return std::make_unique<FunctionStep>([rule = *rule](RunContext& ctx) -> Status {
    auto* f = faults_of(ctx);
    if (f == nullptr) return no_cloud();
    auto id = f->add(rule);
    if (!id) return id.error();
    ctx.record("cloud", "fault_added", *id);
    return ok_status();
  });
}

std::unique_ptr<Step> parse_clear(StepParser& p, const YAML::Node& params) {
  if (params && params.IsMap() && !p.fields(params, "'cloud_faults_clear'", {})) return nullptr;
  return std::make_unique<FunctionStep>([](RunContext& ctx) -> Status {
    auto* f = faults_of(ctx);
    if (f == nullptr) return no_cloud();
    f->clear();
    ctx.record("cloud", "faults_cleared", "");
    return ok_status();
  });
}

std::unique_ptr<Step> parse_offline(StepParser& p, const YAML::Node& params) {
  bool offline = true;
  std::optional<sim::Duration> span;
  if (params.IsScalar()) {
    const std::string v = params.Scalar();
    if (v != "true" && v != "false") {
      p.reader().error(params, "cloud_offline: true, false, or {offline: true, for: 10m}");
      return nullptr;
    }
    offline = v == "true";
  } else {
    if (!p.fields(params, "'cloud_offline'", {"offline", "for"})) return nullptr;
    if (auto b = p.reader().boolean(params, "offline")) offline = *b;
    if (params["for"]) {
      span = p.duration(params, "for");
      if (!span) return nullptr;
    }
  }
  return std::make_unique<FunctionStep>([offline, span](RunContext& ctx) -> Status {
    auto* f = faults_of(ctx);
    if (f == nullptr) return no_cloud();
    f->set_offline(offline, span.value_or(sim::Duration::zero()));
    ctx.record("cloud", offline ? "offline" : "online", "");
    return ok_status();
  });
}

const RegisterStep reg_fault{
    {"cloud_fault",
     "cloud_fault: {kind: status, method: POST, path: /v1/app/phones, status: 503, probability: "
     "1, times: 1}",
     parse_fault}};
const RegisterStep reg_clear{{"cloud_faults_clear", "cloud_faults_clear: {}", parse_clear}};
const RegisterStep reg_offline{
    {"cloud_offline", "cloud_offline: true | false | {offline: true, for: 10m}", parse_offline}};

}  // namespace
}  // namespace hemsrig::scenario
