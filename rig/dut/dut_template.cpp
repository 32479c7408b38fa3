// Templates of a DUT's command and environment: {name} variables, {{ and }}
// for literal braces (docs/dut.md, "Template variables").
#include <fmt/format.h>

#include <algorithm>

#include "rig/dut/dut_spec.hpp"
#include "rig/world/yaml_reader.hpp"

namespace hemsrig::dut {

const std::vector<std::string>& template_variables() {
  static const std::vector<std::string> names{
      "id",        "scenario_dir", "address",         "interface",
      "multicast", "echonet_port", "cloud_url",       "ca_file",
      "state_dir", "speed",        "device_code",     "model",
      "firmware",  "ssdp_port",    "unit_address:ID", "unit_web_url:ID"};
  return names;
}

namespace {

std::string known_list() {
  std::string s;
  for (const auto& n : template_variables()) s += fmt::format("{}{{{}}}", s.empty() ? "" : ", ", n);
  return s;
}

Status check_variable(const std::string& name, const std::vector<std::string>& unit_ids) {
  const auto& names = template_variables();
  for (const char* prefix : {"unit_address:", "unit_web_url:"}) {
    const std::string p = prefix;
    if (name.rfind(p, 0) != 0) continue;
    const std::string id = name.substr(p.size());
    if (std::find(unit_ids.begin(), unit_ids.end(), id) != unit_ids.end()) return ok_status();
    std::string ids;
    for (const auto& u : unit_ids) ids += (ids.empty() ? "" : ", ") + u;
    const std::string hint = rig::did_you_mean(id, unit_ids);
    return make_error("unknown_template_unit",
                      fmt::format("{{{}}}: the world has no unit '{}'{}; its units: {}", name, id,
                                  hint.empty() ? "" : fmt::format(" (did you mean '{}'?)", hint),
                                  ids.empty() ? "(none)" : ids));
  }
  if (name.find(':') == std::string::npos &&
      std::find(names.begin(), names.end(), name) != names.end())
    return ok_status();
  const std::string hint = rig::did_you_mean(name, names);
  return make_error(
      "unknown_template_variable",
      fmt::format("unknown template variable {{{}}}{}; known: {} (write {{{{ and }}}} "
                  "for literal braces)",
                  name, hint.empty() ? "" : fmt::format(" (did you mean {{{}}}?)", hint),
                  known_list()));
}

}  // namespace

Result<DutTemplate> DutTemplate::parse(const std::string& text,
                                       const std::vector<std::string>& unit_ids) {
  DutTemplate t;
  t.source_ = text;
  std::string literal;
  auto flush = [&] {
    if (!literal.empty()) t.parts_.push_back(Part{false, std::move(literal)});
    literal.clear();
  };
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if ((c == '{' || c == '}') && i + 1 < text.size() && text[i + 1] == c) {
      literal += c;
      ++i;
      continue;
    }
    if (c == '}')
      return make_error("bad_template",
                        fmt::format("'{}': a '}}' without its '{{' (write }}}} for a "
                                    "literal brace)",
                                    text));
    if (c != '{') {
      literal += c;
      continue;
    }
    const auto end = text.find('}', i + 1);
    if (end == std::string::npos)
      return make_error(
          "bad_template",
          fmt::format("'{}': a '{{' without its '}}' (write {{{{ for a literal brace)", text));
    const std::string name = text.substr(i + 1, end - i - 1);
    if (auto st = check_variable(name, unit_ids); !st) return st.error();
    flush();
    t.parts_.push_back(Part{true, name});
    i = end;
  }
  flush();
  return t;
}

std::string expand(const DutTemplate& t, const TemplateValues& v) {
  std::string out;
  for (const auto& p : t.parts()) {
    if (!p.variable) {
      out += p.text;
      continue;
    }
    auto it = v.values.find(p.text);
    if (it != v.values.end()) out += it->second;
  }
  return out;
}

const char* to_string(DutRole r) {
  return r == DutRole::Controller ? "controller" : "app";
}

}  // namespace hemsrig::dut
