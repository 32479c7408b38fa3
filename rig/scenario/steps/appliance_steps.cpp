// A person at an appliance with its remote control: `remote: {appliance:
// living_ac, set: {operationStatus: on, 0xB3: 26}}` changes the appliance
// itself (checked against its profile, announced by INF like any change).
// Check `appliance:` asserts on its power and property values.
#include <fmt/format.h>

#include "rig/scenario/run_context.hpp"
#include "rig/scenario/step.hpp"

namespace hemsrig::scenario {
namespace {

std::unique_ptr<Step> parse_remote(StepParser& p, const YAML::Node& params) {
  if (!p.fields(params, "'remote'", {"appliance", "set"})) return nullptr;
  auto a = p.appliance(params);
  if (!a) return nullptr;
  auto sets = p.properties(params["set"], *a);
  if (!sets) return nullptr;
  return std::make_unique<FunctionStep>([a = *a, sets = *sets](RunContext& ctx) -> Status {
    if (!ctx.node_of(a).powered())
      return make_error("appliance_off", fmt::format("{} is switched off at the mains", a));
    for (const auto& [epc, edt] : sets) {
      if (auto st = ctx.appliance(a).write(epc, edt, "user"); !st) return st;
    }
    return ok_status();
  });
}

std::unique_ptr<Check> parse_appliance_check(StepParser& p, const YAML::Node& params) {
  if (!p.fields(params, "check 'appliance'", {"id", "powered", "properties"})) return nullptr;
  auto a = p.appliance(params, "id");
  if (!a) return nullptr;
  auto powered = p.reader().boolean(params, "powered");
  std::vector<std::pair<std::uint8_t, echonet::Bytes>> want;
  if (params["properties"]) {
    auto props = p.properties(params["properties"], *a);
    if (!props) return nullptr;
    want = std::move(*props);
  }
  std::string expected = fmt::format("appliance {}", *a);
  if (powered) expected += *powered ? " powered" : " switched off";
  for (const auto& [epc, edt] : want) expected += fmt::format(" 0x{:02X}={}", epc, hex(edt));
  return std::make_unique<FunctionCheck>(
      expected, [=, a = *a](RunContext& ctx) -> std::optional<std::string> {
        std::string wrong;
        const bool on = ctx.node_of(a).powered();
        if (powered && *powered != on) wrong += on ? " powered" : " switched off";
        for (const auto& [epc, edt] : want) {
          const echonet::Bytes* v = ctx.appliance(a).value(epc);
          if (v == nullptr || *v != edt)
            wrong += fmt::format(" 0x{:02X}={}", epc, v ? hex(*v) : std::string("(none)"));
        }
        if (wrong.empty()) return std::nullopt;
        return "appliance " + a + wrong;
      });
}

const RegisterStep remote_step{
    {"remote", "remote: {appliance: ID, set: {operationStatus: on, 0xB3: 26}}", parse_remote}};
const RegisterCheck appliance_check{
    {"appliance", "appliance: {id, powered: true, properties: {0x80: on}}", parse_appliance_check}};

}  // namespace
}  // namespace hemsrig::scenario
