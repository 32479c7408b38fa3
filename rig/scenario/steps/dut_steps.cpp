// DUT checks (docs/dut.md): `dut: {id: fw, up: true, boots: 2, output: REGEX}`
// in `expect:` and `wait_until:`: whether the device under test is up (from
// the wire: its INF 0xD5 or its answer to Get 0xD6), how many times it came
// up, and whether any line it wrote so far matches a regex.
#include <fmt/format.h>

#include <regex>

#include "rig/dut/dut.hpp"
#include "rig/scenario/run_context.hpp"
#include "rig/scenario/step.hpp"

namespace hemsrig::scenario {
namespace {

std::optional<std::string> dut_id(StepParser& p, const YAML::Node& params) {
  std::vector<std::string> ids;
  for (const auto& d : p.world().duts) ids.push_back(d.id);
  YAML::Node at = params;
  if (params && params.IsMap()) at.reset(params["id"]);
  if (!at || !at.IsScalar()) {
    if (ids.size() == 1 && !(params && params.IsMap() && params["id"])) return ids[0];
    std::string list;
    for (const auto& i : ids) list += (list.empty() ? "" : ", ") + i;
    p.reader().error(at ? at : params, fmt::format("missing 'id': which DUT ({})",
                                                   list.empty() ? "the scenario has none" : list));
    return std::nullopt;
  }
  const std::string id = at.Scalar();
  for (const auto& i : ids) {
    if (i == id) return id;
  }
  std::string list;
  for (const auto& i : ids) list += (list.empty() ? "" : ", ") + i;
  const std::string hint = rig::did_you_mean(id, ids);
  p.reader().error(at, fmt::format("unknown DUT '{}'{}; the scenario's DUTs: {}", id,
                                   hint.empty() ? "" : fmt::format(" (did you mean '{}'?)", hint),
                                   list.empty() ? "(none: add a 'dut:' block)" : list));
  return std::nullopt;
}

std::unique_ptr<Check> parse_dut_check(StepParser& p, const YAML::Node& params) {
  if (!(params && params.IsScalar()) &&
      !p.fields(params, "check 'dut'", {"id", "up", "boots", "output"}))
    return nullptr;
  auto id = dut_id(p, params);
  // Plain values (GCC 12 takes optionals from a ?: for uninitialised).
  bool has_up = false, want_up = false, has_boots = false;
  std::int64_t want_boots = 0;
  std::string output;
  if (params && params.IsMap()) {
    if (auto v = p.reader().boolean(params, "up")) {
      has_up = true;
      want_up = *v;
    }
    if (auto v = p.reader().integer(params, "boots", 0, 1000000)) {
      has_boots = true;
      want_boots = *v;
    }
    if (auto v = p.reader().string(params, "output")) output = *v;
  }
  std::shared_ptr<std::regex> re;
  if (!output.empty()) {
    try {
      re = std::make_shared<std::regex>(output);
    } catch (const std::regex_error& e) {
      p.reader().error(params["output"],
                       fmt::format("'output' must be a regular expression: {}", e.what()));
      return nullptr;
    }
  }
  if (!id || p.reader().failed()) return nullptr;
  std::string expected = fmt::format("DUT {}", *id);
  if (!has_up && !has_boots && !re) {  // `dut: fw` alone: it is up
    has_up = true;
    want_up = true;
  }
  if (has_up) expected += want_up ? " up" : " down";
  if (has_boots) expected += fmt::format(", {} boot(s)", want_boots);
  if (re) expected += fmt::format(", a line of its output matching '{}'", output);
  const bool check_up = has_up;
  const bool check_boots = has_boots;
  struct Scan {
    std::uint64_t read = 0;  // lines of output already matched against the regex
    bool matched = false;
  };
  auto scan = std::make_shared<Scan>();
  return std::make_unique<FunctionCheck>(
      expected,
      [re, scan, want_up, check_up, check_boots, want_boots,
       id = *id](RunContext& ctx) -> std::optional<std::string> {
        dut::Dut* d = ctx.world().dut(id);
        if (d == nullptr) return "no such DUT in the world";
        // Each line is matched once: the check remembers how far it has read.
        if (re && !scan->matched) {
          const auto& out = d->output();
          const std::uint64_t unread = d->output_total() - scan->read;
          const std::size_t from =
              out.size() > unread ? out.size() - static_cast<std::size_t>(unread) : 0;
          for (std::size_t i = from; i < out.size() && !scan->matched; ++i)
            scan->matched = std::regex_search(out[i], *re);
          scan->read = d->output_total();
        }
        const bool matched = !re || scan->matched;
        const bool ok = (!check_up || d->up() == want_up) &&
                        (!check_boots || d->boots() == want_boots) && matched;
        if (ok) return std::nullopt;
        std::string seen =
            fmt::format("{}, {} boot(s), {} line(s) of output{}", d->up() ? "up" : "down",
                        d->boots(), d->output().size(), d->powered() ? "" : ", power off");
        if (re && !matched && !d->output().empty())
          seen += fmt::format(", none matching (the last: '{}')", d->output().back());
        return seen;
      });
}

const RegisterCheck dut_check{
    {"dut", "dut: {id: fw, up: true, boots: 2, output: REGEX}", parse_dut_check}};

}  // namespace
}  // namespace hemsrig::scenario
