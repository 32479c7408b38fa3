// Checks on what was seen since the scenario started: `event:` (firmware
// events, appliances found or lost by a unit, scene runs, power) and
// `frame:` (ECHONET Lite frames on the fabric, e.g. "a SetC to living_ac
// with EPC 0x80 = on was sent": {esv: SetC, to: living_ac, epc: 0x80, edt:
// 0x30}). `absent: true` asserts it was not seen; `at_least: N` counts.
#include <fmt/format.h>

#include "rig/dut/dut.hpp"
#include "rig/scenario/run_context.hpp"
#include "rig/scenario/step.hpp"

namespace hemsrig::scenario {
namespace {

std::string count_text(std::optional<bool> absent, std::optional<std::int64_t> at_least) {
  if (absent && *absent) return "none";
  return at_least ? fmt::format("at least {}", *at_least) : std::string("at least one");
}

bool count_ok(std::size_t n, std::optional<bool> absent, std::optional<std::int64_t> at_least) {
  if (absent && *absent) return n == 0;
  return static_cast<std::int64_t>(n) >= at_least.value_or(1);
}

std::unique_ptr<Check> parse_event_check(StepParser& p, const YAML::Node& params) {
  if (!p.fields(params, "check 'event'", {"unit", "kind", "detail", "absent", "at_least"}))
    return nullptr;
  auto unit = p.unit(params);
  auto kind = p.reader().string(params, "kind", true);
  auto detail = p.reader().string(params, "detail");
  auto absent = p.reader().boolean(params, "absent");
  auto at_least = p.reader().integer(params, "at_least", 1, 1000000);
  if (!unit || !kind) return nullptr;
  std::string expected =
      fmt::format("{} event {} from unit {}", count_text(absent, at_least), *kind, *unit);
  if (detail) expected += fmt::format(" with '{}'", *detail);
  return std::make_unique<FunctionCheck>(
      expected, [=, unit = *unit, kind = *kind](RunContext& ctx) -> std::optional<std::string> {
        std::size_t n = 0;
        std::string recent;
        for (const auto& e : ctx.events()) {
          if (e.source != unit) continue;
          recent = fmt::format("{} ({})", e.kind, e.detail);
          if (e.kind == kind && (!detail || e.detail.find(*detail) != std::string::npos)) ++n;
        }
        if (count_ok(n, absent, at_least)) return std::nullopt;
        std::string seen = fmt::format("{} such event(s)", n);
        if (!recent.empty()) seen += "; the unit's last event: " + recent;
        return seen;
      });
}

struct Party {
  std::string unit, appliance, dut;  // one is set (a DUT: docs/dut.md)
};

std::optional<Party> parse_party(StepParser& p, const YAML::Node& params, const char* key) {
  const YAML::Node n = params[key];
  if (!n) return Party{};
  const std::string id = scalar(n);
  for (const auto& a : p.world().appliances) {
    if (a.id == id) return Party{"", id, ""};
  }
  for (const auto& u : p.world().units) {
    if (u.id == id) return Party{id, "", ""};
  }
  for (const auto& d : p.world().duts) {
    if (d.id == id) return Party{"", "", id};
  }
  std::vector<std::string> ids;
  for (const auto& a : p.world().appliances) ids.push_back(a.id);
  for (const auto& u : p.world().units) ids.push_back(u.id);
  for (const auto& d : p.world().duts) ids.push_back(d.id);
  const std::string hint = rig::did_you_mean(id, ids);
  p.reader().error(n, fmt::format("'{}': unknown unit or appliance '{}'{}", key, id,
                                  hint.empty() ? "" : fmt::format(" (did you mean '{}'?)", hint)));
  return std::nullopt;
}

std::unique_ptr<Check> parse_frame_check(StepParser& p, const YAML::Node& params) {
  if (!p.fields(params, "check 'frame'",
                {"esv", "from", "to", "seoj", "deoj", "epc", "edt", "absent", "at_least"}))
    return nullptr;
  if (!params || !params.IsMap()) {
    p.reader().error(params, "check 'frame' needs at least one of esv, from, to, epc");
    return nullptr;
  }
  auto esv = p.reader().string(params, "esv");
  if (esv) {
    bool known = false;
    std::vector<std::string> names;
    for (int v = 0x50; v <= 0x7E; ++v) {
      if (!echonet::is_known_esv(static_cast<std::uint8_t>(v))) continue;
      names.push_back(echonet::esv_name(static_cast<echonet::Esv>(v)));
      known = known || names.back() == *esv;
    }
    if (!known) {
      const std::string hint = rig::did_you_mean(*esv, names);
      p.reader().error(
          params["esv"],
          fmt::format("unknown ESV '{}'{}; expected a name such as SetC, Get, INF, "
                      "Set_Res, Get_Res",
                      *esv, hint.empty() ? "" : fmt::format(" (did you mean '{}'?)", hint)));
      return nullptr;
    }
  }
  auto from = parse_party(p, params, "from");
  auto to = parse_party(p, params, "to");
  auto seoj = p.reader().integer(params, "seoj", 0, 0xFFFFFF);
  auto deoj = p.reader().integer(params, "deoj", 0, 0xFFFFFF);
  auto epc = p.reader().integer(params, "epc", 0x80, 0xFF);
  std::optional<echonet::Bytes> edt;
  if (auto s = p.reader().string(params, "edt")) {
    edt = parse_value(*s, nullptr);
    if (!edt) {
      p.reader().error(params["edt"],
                       fmt::format("'edt' must be hex such as 0x30, found '{}'", *s));
      return nullptr;
    }
    if (!epc) {
      p.reader().error(params["edt"], "'edt' needs 'epc' (the property it belongs to)");
      return nullptr;
    }
  }
  auto absent = p.reader().boolean(params, "absent");
  auto at_least = p.reader().integer(params, "at_least", 1, 100000000);
  if (!from || !to || p.reader().failed()) return nullptr;
  std::string what = fmt::format("{} frame(s)", count_text(absent, at_least));
  if (esv) what += " " + *esv;
  if (!from->unit.empty() || !from->appliance.empty() || !from->dut.empty())
    what += " from " + from->unit + from->appliance + from->dut;
  if (!to->unit.empty() || !to->appliance.empty() || !to->dut.empty())
    what += " to " + to->unit + to->appliance + to->dut;
  if (seoj) what += fmt::format(" SEOJ 0x{:06X}", *seoj);
  if (deoj) what += fmt::format(" DEOJ 0x{:06X}", *deoj);
  if (epc) what += fmt::format(" EPC 0x{:02X}", *epc);
  if (edt) what += " = " + hex(*edt);
  return std::make_unique<FunctionCheck>(
      what, [=, from = *from, to = *to](RunContext& ctx) -> std::optional<std::string> {
        // Where each party is on the fabric, and its object.
        // A party is its node's address and, for an appliance, its object; the node
        // profile (0x0EF001: INF 0xD5, instance lists) speaks for the whole node.
        auto place = [&](const Party& party) -> std::optional<std::pair<sim::Ipv4, std::uint32_t>> {
          if (!party.unit.empty()) return std::make_pair(ctx.unit(party.unit).node().address(), 0u);
          if (!party.dut.empty()) return std::make_pair(ctx.world().dut(party.dut)->address(), 0u);
          if (!party.appliance.empty())
            return std::make_pair(ctx.node_of(party.appliance).address(),
                                  ctx.appliance(party.appliance).eoj().value());
          return std::nullopt;
        };
        auto object_ok = [](const echonet::Eoj& eoj, std::uint32_t want) {
          return want == 0 || eoj.value() == want || eoj.class_code() == 0x0EF0;
        };
        const auto pf = place(from), pt = place(to);
        std::size_t n = 0;
        for (const auto& r : ctx.frames()) {
          const echonet::Frame& f = r.frame;
          if (esv && *esv != echonet::esv_name(f.esv)) continue;
          if (pf && (r.from.address != pf->first || !object_ok(f.seoj, pf->second))) continue;
          if (pt &&
              ((r.to.address != pt->first && r.to != ctx.world().fabric().multicast_group()) ||
               !object_ok(f.deoj, pt->second)))
            continue;
          if (seoj && f.seoj.value() != static_cast<std::uint32_t>(*seoj)) continue;
          if (deoj && f.deoj.value() != static_cast<std::uint32_t>(*deoj)) continue;
          if (epc) {
            bool has = false;
            for (const auto& prop : f.props) {
              has = has || (prop.epc == *epc && (!edt || prop.edt == *edt));
            }
            if (!has) continue;
          }
          ++n;
        }
        if (count_ok(n, absent, at_least)) return std::nullopt;
        std::string seen = fmt::format("{} matching of the {} frames kept", n, ctx.frames().size());
        if (ctx.frames_dropped() > 0)
          seen += fmt::format(" ({} older ones dropped)", ctx.frames_dropped());
        return seen;
      });
}

const RegisterCheck event_check{
    {"event", "event: {unit, kind, detail, absent: true | at_least: N}", parse_event_check}};
const RegisterCheck frame_check{
    {"frame", "frame: {esv: SetC, from, to, seoj, deoj, epc: 0x80, edt: 0x30, absent | at_least}",
     parse_frame_check}};

}  // namespace
}  // namespace hemsrig::scenario
