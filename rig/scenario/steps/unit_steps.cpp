// Unit-wide steps and checks: the unit on or off the phone's LAN (DOMAIN
// R30/R31), renaming an appliance on the unit (the spoken name, R65); checks
// `unit:` (up, powered, appliances found), `registry:` (names on the unit),
// `lint:` (R65 name warnings) and `history:` (the energy history, R50).
#include <fmt/format.h>

#include "rig/scenario/run_context.hpp"
#include "rig/scenario/step.hpp"

namespace hemsrig::scenario {
namespace {

std::unique_ptr<Step> parse_lan(StepParser& p, const YAML::Node& params) {
  if (!p.fields(params, "'lan'", {"unit", "on"})) return nullptr;
  auto unit = p.unit(params);
  auto on = p.reader().boolean(params, "on");
  if (unit && !on && !p.reader().failed()) p.reader().error(params, "missing 'on' (true or false)");
  if (!unit || !on) return nullptr;
  return std::make_unique<FunctionStep>([unit = *unit, on = *on](RunContext& ctx) {
    ctx.unit(unit).set_on_lan(on);
    return ok_status();
  });
}

std::unique_ptr<Step> parse_rename(StepParser& p, const YAML::Node& params) {
  if (!p.fields(params, "'appliance_rename'", {"unit", "appliance", "name"})) return nullptr;
  auto unit = p.unit(params);
  auto a = p.appliance(params);
  auto name = p.reader().string(params, "name", true);
  if (!unit || !a || !name) return nullptr;
  return std::make_unique<FunctionStep>(
      [unit = *unit, a = *a, name = *name](RunContext& ctx) -> Status {
        aiseg2::Unit& u = ctx.unit(unit);
        const std::string key = ctx.unit_key(a);
        for (const auto* r : u.registry().all()) {
          if (aiseg2::to_string(r->key) == key) return u.registry().rename(r->key, name);
        }
        return make_error("not_registered",
                          fmt::format("{} is not registered on unit {} (not found yet?)", a, unit));
      });
}

std::unique_ptr<Check> parse_unit_check(StepParser& p, const YAML::Node& params) {
  if (!p.fields(params, "check 'unit'", {"unit", "up", "powered", "appliances", "on_lan"}))
    return nullptr;
  auto unit = p.unit(params);
  auto up = p.reader().boolean(params, "up");
  auto powered = p.reader().boolean(params, "powered");
  auto on_lan = p.reader().boolean(params, "on_lan");
  auto count = p.reader().integer(params, "appliances", 0, 100000);
  if (!unit) return nullptr;
  std::string expected = fmt::format("unit {}", *unit);
  if (up) expected += *up ? " up" : " down";
  if (powered) expected += *powered ? " powered" : " unpowered";
  if (on_lan) expected += *on_lan ? " on the LAN" : " off the LAN";
  if (count) expected += fmt::format(" with {} appliances registered", *count);
  return std::make_unique<FunctionCheck>(
      expected, [=, unit = *unit](RunContext& ctx) -> std::optional<std::string> {
        aiseg2::Unit& u = ctx.unit(unit);
        const bool bad = (up && u.up() != *up) || (powered && u.powered() != *powered) ||
                         (on_lan && u.options().on_lan != *on_lan) ||
                         (count && static_cast<std::int64_t>(u.registry().size()) != *count);
        if (!bad) return std::nullopt;
        return fmt::format("unit {} {}, {}, {}, {} appliances registered", unit,
                           u.up() ? "up" : "down", u.powered() ? "powered" : "unpowered",
                           u.options().on_lan ? "on the LAN" : "off the LAN", u.registry().size());
      });
}

std::unique_ptr<Check> parse_registry_check(StepParser& p, const YAML::Node& params) {
  if (!p.fields(params, "check 'registry'", {"unit", "names"})) return nullptr;
  auto unit = p.unit(params);
  std::map<std::string, std::string> names;
  const YAML::Node n = params && params.IsMap() ? params["names"] : YAML::Node();
  if (!n || !n.IsMap()) {
    p.reader().error(n ? n : params, "'names' must map appliance ids to their names on the unit");
    return nullptr;
  }
  for (const auto& kv : n) {
    if (!p.appliance(kv.first)) return nullptr;
    names[scalar(kv.first)] = scalar(kv.second);
  }
  if (!unit) return nullptr;
  std::string expected = fmt::format("unit {} names", *unit);
  for (const auto& [a, name] : names) expected += fmt::format(" {}={}", a, name);
  return std::make_unique<FunctionCheck>(
      expected, [=, unit = *unit](RunContext& ctx) -> std::optional<std::string> {
        aiseg2::Unit& u = ctx.unit(unit);
        std::string wrong;
        for (const auto& [a, name] : names) {
          const std::string key = ctx.unit_key(a);
          std::string got = "(not registered)";
          for (const auto* r : u.registry().all()) {
            if (aiseg2::to_string(r->key) == key) got = r->name;
          }
          if (got != name) wrong += fmt::format(" {}={}", a, got);
        }
        if (wrong.empty()) return std::nullopt;
        return fmt::format("unit {} names{}", unit, wrong);
      });
}

std::unique_ptr<Check> parse_lint_check(StepParser& p, const YAML::Node& params) {
  if (!p.fields(params, "check 'lint'", {"unit", "has", "lacks", "none"})) return nullptr;
  auto unit = p.unit(params);
  auto none = p.reader().boolean(params, "none");
  // has / lacks: lists of {code, name}
  auto pairs = [&](const char* key, bool& bad) {
    std::vector<std::pair<std::string, std::string>> out;
    const YAML::Node l = params && params.IsMap() ? params[key] : YAML::Node();
    if (!l) return out;
    if (!l.IsSequence()) {
      p.reader().error(l, fmt::format("'{}' must be a list of {{code, name}}", key));
      bad = true;
      return out;
    }
    for (const auto& w : l) {
      if (!p.fields(w, "a lint warning", {"code", "name"}) || !w.IsMap()) {
        bad = true;
        continue;
      }
      out.emplace_back(scalar(w["code"]), scalar(w["name"]));
    }
    return out;
  };
  bool bad = false;
  auto has = pairs("has", bad);
  auto lacks = pairs("lacks", bad);
  if (!unit || bad) return nullptr;
  std::string expected = fmt::format("unit {} name lint (DOMAIN R65)", *unit);
  if (none && *none) expected += " without warnings";
  for (const auto& [c, n] : has) expected += fmt::format(" with {} on '{}'", c, n);
  for (const auto& [c, n] : lacks) expected += fmt::format(" without {} on '{}'", c, n);
  return std::make_unique<FunctionCheck>(
      expected, [=, unit = *unit](RunContext& ctx) -> std::optional<std::string> {
        const auto warnings = ctx.unit(unit).registry().lint();
        auto found = [&](const std::string& code, const std::string& name) {
          for (const auto& w : warnings) {
            if (w.warning.code == code && (name.empty() || w.warning.name == name)) return true;
          }
          return false;
        };
        bool ok = !(none && *none && !warnings.empty());
        for (const auto& [c, n] : has) ok = ok && found(c, n);
        for (const auto& [c, n] : lacks) ok = ok && !found(c, n);
        if (ok) return std::nullopt;
        std::string seen;
        for (const auto& w : warnings)
          seen +=
              fmt::format("{}{} on '{}'", seen.empty() ? "" : ", ", w.warning.code, w.warning.name);
        return "warnings: " + (seen.empty() ? std::string("none") : seen);
      });
}

std::unique_ptr<Check> parse_history_check(StepParser& p, const YAML::Node& params) {
  if (!p.fields(params, "check 'history'", {"unit", "empty", "at_least"})) return nullptr;
  auto unit = p.unit(params);
  auto empty = p.reader().boolean(params, "empty");
  auto at_least = p.reader().integer(params, "at_least", 0, 100000000);
  if (!unit) return nullptr;
  std::string expected = fmt::format("unit {} energy history", *unit);
  if (empty) expected += *empty ? " empty" : " present";
  if (at_least) expected += fmt::format(" of at least {} slots", *at_least);
  return std::make_unique<FunctionCheck>(
      expected, [=, unit = *unit](RunContext& ctx) -> std::optional<std::string> {
        const std::size_t n = ctx.unit(unit).history().slots().size();
        const bool ok = (!empty || (n == 0) == *empty) &&
                        (!at_least || static_cast<std::int64_t>(n) >= *at_least);
        if (ok) return std::nullopt;
        return fmt::format("unit {} energy history of {} slots", unit, n);
      });
}

const RegisterStep lan_step{{"lan", "lan: {unit, on: false} (DOMAIN R30/R31)", parse_lan}};
const RegisterStep rename_step{
    {"appliance_rename", "appliance_rename: {unit, appliance, name}", parse_rename}};
const RegisterCheck unit_check{
    {"unit", "unit: {unit, up, powered, on_lan, appliances: N}", parse_unit_check}};
const RegisterCheck registry_check{
    {"registry", "registry: {unit, names: {appliance: name}}", parse_registry_check}};
const RegisterCheck lint_check{
    {"lint", "lint: {unit, has: [{code, name}], lacks: [...], none: true}", parse_lint_check}};
const RegisterCheck history_check{
    {"history", "history: {unit, empty: true | at_least: N}", parse_history_check}};

}  // namespace
}  // namespace hemsrig::scenario
