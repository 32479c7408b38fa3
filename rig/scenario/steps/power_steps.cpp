// Power steps: a unit or an appliance's node switched off, on, or off and on
// again (`power_off: hems`, `power_on: {appliance: living_ac}`,
// `power_cycle: {unit: hems, off_for: 10s}`). A unit cut while installing
// firmware follows its bank mode (DOMAIN R12, the rig's power-cut rule).
#include <fmt/format.h>

#include "rig/scenario/run_context.hpp"
#include "rig/scenario/step.hpp"

namespace hemsrig::scenario {
namespace {

struct Target {
  std::string unit;       // set for a unit
  std::string appliance;  // set for an appliance (its whole node)
};

std::optional<Target> parse_target(StepParser& p, const YAML::Node& params, const char* step,
                                   std::vector<std::string> extra) {
  Target t;
  if (params && params.IsScalar()) {
    const std::string id = params.Scalar();
    for (const auto& a : p.world().appliances) {
      if (a.id == id) t.appliance = id;
    }
    if (!t.appliance.empty()) return t;
    auto u = p.unit(params);  // reports an unknown id, naming the units
    if (!u) return std::nullopt;
    t.unit = *u;
    return t;
  }
  extra.push_back("unit");
  extra.push_back("appliance");
  if (!p.fields(params, fmt::format("'{}'", step), extra)) return std::nullopt;
  if (params && params.IsMap() && params["appliance"]) {
    auto a = p.appliance(params);
    if (!a) return std::nullopt;
    t.appliance = *a;
    return t;
  }
  auto u = p.unit(params);
  if (!u) return std::nullopt;
  t.unit = *u;
  return t;
}

void switch_power(RunContext& ctx, const Target& t, bool on, Status& st) {
  if (!t.unit.empty()) {
    aiseg2::Unit& u = ctx.unit(t.unit);
    if (on) {
      st = u.power_on();
    } else {
      u.power_off();
    }
    ctx.record(t.unit, on ? "power_on" : "power_off", "");
    return;
  }
  echonet::Node& n = ctx.node_of(t.appliance);
  if (on) {
    st = n.power_on();
  } else {
    n.power_off();
  }
}

std::unique_ptr<Step> make_power(StepParser& p, const YAML::Node& params, const char* step,
                                 bool on) {
  auto t = parse_target(p, params, step, {});
  if (!t) return nullptr;
  return std::make_unique<FunctionStep>([t = *t, on](RunContext& ctx) -> Status {
    Status st = ok_status();
    switch_power(ctx, t, on, st);
    return st;
  });
}

std::unique_ptr<Step> parse_power_cycle(StepParser& p, const YAML::Node& params) {
  auto t = parse_target(p, params, "power_cycle", {"off_for"});
  if (!t) return nullptr;
  sim::Duration off_for = sim::seconds(10);
  if (params && params.IsMap() && params["off_for"]) {
    auto d = p.duration(params, "off_for");
    if (!d) return nullptr;
    off_for = *d;
  }
  return std::make_unique<FunctionStep>([t = *t, off_for](RunContext& ctx) -> Status {
    Status st = ok_status();
    switch_power(ctx, t, false, st);
    ctx.run_for(off_for);
    switch_power(ctx, t, true, st);
    return st;
  });
}

const RegisterStep power_off_step{
    {"power_off", "power_off: UNIT | {unit: ID} | {appliance: ID}",
     [](StepParser& p, const YAML::Node& n) { return make_power(p, n, "power_off", false); }}};
const RegisterStep power_on_step{
    {"power_on", "power_on: UNIT | {unit: ID} | {appliance: ID}",
     [](StepParser& p, const YAML::Node& n) { return make_power(p, n, "power_on", true); }}};
const RegisterStep power_cycle_step{
    {"power_cycle", "power_cycle: {unit: ID | appliance: ID, off_for: 10s}", parse_power_cycle}};

}  // namespace
}  // namespace hemsrig::scenario
