// Firmware steps on a unit's version screens (DOMAIN R10-R13): check (waits
// for the answer; offline is refused with `offline`, R10), release notes,
// install (waits for the download; the install itself takes install_time of
// scenario time, then the unit reboots), acknowledge, recover (single bank).
// Check `firmware:` asserts on version, state, release notes and failures.
#include <fmt/format.h>

#include "rig/scenario/run_context.hpp"
#include "rig/scenario/step.hpp"

namespace hemsrig::scenario {
namespace {

using aiseg2::FirmwareState;

// The refusal of the first event of `kinds` the unit reported since event `from`.
std::optional<Error> failure_since(RunContext& ctx, const std::string& unit, std::size_t from,
                                   const std::vector<std::string>& kinds) {
  const auto& ev = ctx.events();
  for (std::size_t i = from; i < ev.size(); ++i) {
    if (ev[i].source != unit) continue;
    if (std::find(kinds.begin(), kinds.end(), ev[i].kind) == kinds.end()) continue;
    const auto colon = ev[i].detail.find(':');
    std::string code = ev[i].kind;
    if (ev[i].kind == "check_failed" && colon != std::string::npos)
      code = ev[i].detail.substr(0, colon);  // "offline" (DOMAIN R10)
    return make_error(code, fmt::format("{}: {}", ev[i].kind, ev[i].detail));
  }
  return std::nullopt;
}

using UnitAction = std::function<Status(RunContext&, const std::string& unit)>;

StepFactory unit_step(const char* name, UnitAction action) {
  return [name, action](StepParser& p, const YAML::Node& params) -> std::unique_ptr<Step> {
    if (params && params.IsMap() && !p.fields(params, fmt::format("'{}'", name), {"unit"}))
      return nullptr;
    auto unit = p.unit(params);
    if (!unit) return nullptr;
    return std::make_unique<FunctionStep>(
        [unit = *unit, action](RunContext& ctx) { return action(ctx, unit); });
  };
}

Status check(RunContext& ctx, const std::string& unit) {
  aiseg2::Firmware& fw = ctx.unit(unit).firmware();
  const std::size_t from = ctx.events().size();
  if (auto st = fw.check(); !st) return st;
  ctx.run_until([&] { return fw.state() != FirmwareState::Checking; }, sim::minutes(5));
  if (auto e = failure_since(ctx, unit, from, {"check_failed"})) return *e;
  if (fw.state() == FirmwareState::Checking)
    return make_error("check_timeout", "the check got no answer within 5m");
  return ok_status();
}

Status release_notes(RunContext& ctx, const std::string& unit) {
  aiseg2::Firmware& fw = ctx.unit(unit).firmware();
  if (fw.state() != FirmwareState::UpdateAvailable || !fw.available()) {
    return make_error("no_update", fmt::format("release notes show only on the update-available "
                                               "screen; the unit is {} (DOMAIN R11)",
                                               aiseg2::to_string(fw.state())));
  }
  ctx.values[unit + ".release_notes"] = fw.available()->release_notes;
  return ok_status();
}

Status install(RunContext& ctx, const std::string& unit) {
  aiseg2::Firmware& fw = ctx.unit(unit).firmware();
  const std::size_t from = ctx.events().size();
  if (auto st = fw.install(); !st) return st;
  ctx.run_until([&] { return fw.state() != FirmwareState::Downloading; }, sim::minutes(10));
  if (auto e = failure_since(ctx, unit, from, {"download_failed", "checksum_mismatch"})) return *e;
  return ok_status();
}

Status acknowledge(RunContext& ctx, const std::string& unit) {
  return ctx.unit(unit).firmware().acknowledge();
}

Status recover(RunContext& ctx, const std::string& unit) {
  return ctx.unit(unit).firmware().recover();
}

const std::vector<std::string> kFirmwareCheckKeys{
    "unit", "version", "state", "available", "release_notes", "last_failure", "screen"};

std::unique_ptr<Check> parse_firmware_check(StepParser& p, const YAML::Node& params) {
  if (!p.fields(params, "check 'firmware'", kFirmwareCheckKeys)) return nullptr;
  auto unit = p.unit(params);
  if (!unit) return nullptr;
  std::map<std::string, std::string> want;
  for (const auto& k : kFirmwareCheckKeys) {
    if (k == "unit" || !params[k]) continue;
    if (!params[k].IsScalar()) {
      p.reader().error(params[k], fmt::format("'{}' must be a single value", k));
      return nullptr;
    }
    want[k] = params[k].Scalar();
  }
  if (auto it = want.find("state"); it != want.end()) {
    static const std::vector<std::string> states{
        "idle",       "checking",  "latest",      "update_available", "downloading",
        "installing", "rebooting", "powered_off", "unbootable"};
    if (std::find(states.begin(), states.end(), it->second) == states.end()) {
      const std::string hint = rig::did_you_mean(it->second, states);
      p.reader().error(
          params["state"],
          fmt::format("unknown firmware state '{}'{}; expected one of: idle, "
                      "checking, latest, update_available, downloading, installing, "
                      "rebooting, powered_off, unbootable",
                      it->second, hint.empty() ? "" : fmt::format(" (did you mean '{}'?)", hint)));
      return nullptr;
    }
  }
  std::string expected = fmt::format("unit {} firmware", *unit);
  for (const auto& [k, v] : want) expected += fmt::format(" {} '{}'", k, v);
  return std::make_unique<FunctionCheck>(
      expected, [unit = *unit, want](RunContext& ctx) -> std::optional<std::string> {
        const aiseg2::Firmware& fw = ctx.unit(unit).firmware();
        std::map<std::string, std::string> seen{
            {"version", fw.running_version()},
            {"state", aiseg2::to_string(fw.state())},
            {"available", fw.available() ? fw.available()->version : std::string("none")},
            {"release_notes", fw.available() ? fw.available()->release_notes : std::string()},
            {"last_failure", fw.last_failure().empty() ? std::string("none") : fw.last_failure()},
            {"screen", fw.screen()}};
        std::string wrong;
        for (const auto& [k, v] : want) {
          const std::string& s = seen[k];
          // Texts match by substring; states and versions exactly.
          const bool text =
              k == "release_notes" || k == "screen" || (k == "last_failure" && v != "none");
          const bool ok = text ? s.find(v) != std::string::npos : s == v;
          if (!ok) wrong += fmt::format("{}{} '{}'", wrong.empty() ? "" : ", ", k, s);
        }
        if (wrong.empty()) return std::nullopt;
        return fmt::format("unit {} firmware {}", unit, wrong);
      });
}

const RegisterStep check_step{
    {"firmware_check", "firmware_check: UNIT (waits for the answer; offline: refused 'offline')",
     unit_step("firmware_check", check)}};
const RegisterStep notes_step{{"firmware_release_notes", "firmware_release_notes: UNIT",
                               unit_step("firmware_release_notes", release_notes)}};
const RegisterStep install_step{{"firmware_install",
                                 "firmware_install: UNIT (downloads; installs in install_time)",
                                 unit_step("firmware_install", install)}};
const RegisterStep ack_step{{"firmware_acknowledge", "firmware_acknowledge: UNIT",
                             unit_step("firmware_acknowledge", acknowledge)}};
const RegisterStep recover_step{
    {"firmware_recover", "firmware_recover: UNIT", unit_step("firmware_recover", recover)}};
const RegisterCheck firmware_check{
    {"firmware", "firmware: {unit, version, state, available, release_notes, last_failure, screen}",
     parse_firmware_check}};

}  // namespace
}  // namespace hemsrig::scenario
