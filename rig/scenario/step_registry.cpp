#include <fmt/format.h>

#include <algorithm>

#include "rig/scenario/step.hpp"

namespace hemsrig::scenario {

StepRegistry& StepRegistry::instance() {
  static StepRegistry registry;
  return registry;
}

void StepRegistry::add(StepKind kind) {
  steps_.push_back(std::move(kind));
}

void StepRegistry::add(CheckKind kind) {
  checks_.push_back(std::move(kind));
}

const StepKind* StepRegistry::step(std::string_view name) const {
  for (const auto& k : steps_) {
    if (k.name == name) return &k;
  }
  return nullptr;
}

const CheckKind* StepRegistry::check(std::string_view name) const {
  for (const auto& k : checks_) {
    if (k.name == name) return &k;
  }
  return nullptr;
}

std::vector<std::string> StepRegistry::step_names() const {
  std::vector<std::string> out;
  for (const auto& k : steps_) out.push_back(k.name);
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::string> StepRegistry::check_names() const {
  std::vector<std::string> out;
  for (const auto& k : checks_) out.push_back(k.name);
  std::sort(out.begin(), out.end());
  return out;
}

std::string scalar(const YAML::Node& n) {
  return n && n.IsScalar() ? n.Scalar() : std::string{};
}

std::string hex(const echonet::Bytes& b) {
  if (b.empty()) return "(empty)";
  std::string s = "0x";
  for (auto c : b) s += fmt::format("{:02X}", c);
  return s;
}

std::optional<echonet::Bytes> parse_value(const std::string& text,
                                          const echonet::PropertySpec* spec) {
  if (spec != nullptr) {
    for (const auto& c : spec->value.choices) {
      if (c.name == text) return c.edt;
    }
  }
  std::string digits;
  if (text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
    digits = text.substr(2);
  } else if (text.find(' ') != std::string::npos) {
    for (char c : text) {
      if (c != ' ') digits += c;
    }
  } else {
    auto v = rig::parse_integer(text);
    if (!v) return std::nullopt;
    std::size_t size = 1;
    if (spec != nullptr)
      size = spec->default_edt.empty() ? spec->value.smallest() : spec->default_edt.size();
    if (size == 0 || size > 8) return std::nullopt;
    return echonet::write_uint(static_cast<std::uint64_t>(*v), size);
  }
  if (digits.empty() || digits.size() % 2 != 0) return std::nullopt;
  echonet::Bytes out;
  for (std::size_t i = 0; i < digits.size(); i += 2) {
    auto v = rig::parse_integer("0x" + digits.substr(i, 2));
    if (!v) return std::nullopt;
    out.push_back(static_cast<std::uint8_t>(*v));
  }
  return out;
}

bool StepParser::fields(const YAML::Node& params, const std::string& what,
                        const std::vector<std::string>& allowed) {
  if (!params || params.IsNull()) return true;
  return reader_.expect_map(params, what, allowed);
}

namespace {
std::string id_list(const std::vector<std::string>& ids) {
  std::string s;
  for (const auto& i : ids) s += (s.empty() ? "" : ", ") + i;
  return s.empty() ? "(none)" : s;
}
}  // namespace

std::optional<std::string> StepParser::unit(const YAML::Node& params, const char* key) {
  std::vector<std::string> ids;
  for (const auto& u : world_.units) ids.push_back(u.id);
  YAML::Node at = params;
  std::string id;
  if (params && params.IsScalar()) {
    id = params.Scalar();
  } else if (params && params.IsMap() && params[key]) {
    at.reset(params[key]);
    if (!at.IsScalar()) {
      reader_.error(at, fmt::format("'{}' must be a unit id, one of: {}", key, id_list(ids)));
      return std::nullopt;
    }
    id = at.Scalar();
  } else if (params && !params.IsNull() && !params.IsMap()) {
    reader_.error(params, fmt::format("expected a unit id or {{{}: ID}} ({})", key, id_list(ids)));
    return std::nullopt;
  } else {
    if (ids.size() == 1) return ids[0];
    reader_.error(params, fmt::format("missing '{}': the world has {} units ({}), say which", key,
                                      ids.size(), id_list(ids)));
    return std::nullopt;
  }
  if (std::find(ids.begin(), ids.end(), id) != ids.end()) return id;
  const std::string hint = rig::did_you_mean(id, ids);
  reader_.error(at, fmt::format("unknown unit '{}'{}; the world's units: {}", id,
                                hint.empty() ? "" : fmt::format(" (did you mean '{}'?)", hint),
                                id_list(ids)));
  return std::nullopt;
}

std::optional<std::string> StepParser::appliance(const YAML::Node& params, const char* key) {
  std::vector<std::string> ids;
  for (const auto& a : world_.appliances) ids.push_back(a.id);
  const YAML::Node at = params && params.IsMap() ? params[key] : params;
  if (!at || !at.IsScalar()) {
    reader_.error(at ? at : params, fmt::format("missing '{}': an appliance id of the world ({})",
                                                key, id_list(ids)));
    return std::nullopt;
  }
  const std::string id = at.Scalar();
  if (std::find(ids.begin(), ids.end(), id) != ids.end()) return id;
  const std::string hint = rig::did_you_mean(id, ids);
  reader_.error(at, fmt::format("unknown appliance '{}'{}; the world's appliances: {}", id,
                                hint.empty() ? "" : fmt::format(" (did you mean '{}'?)", hint),
                                id_list(ids)));
  return std::nullopt;
}

std::optional<sim::Duration> StepParser::duration_value(const YAML::Node& value) {
  const std::string s = scalar(value);
  auto ns = rig::parse_duration_ns(s);
  if (!ns || *ns < 0) {
    reader_.error(value, fmt::format("expected a duration such as 30s, 31m, 2h or 7d, found '{}'",
                                     value.IsScalar() ? s : std::string("a structure")));
    return std::nullopt;
  }
  return sim::Duration{*ns};
}

std::optional<sim::Duration> StepParser::duration(const YAML::Node& params, const char* key) {
  if (!params || !params.IsMap() || !params[key]) {
    reader_.error(params,
                  fmt::format("missing '{}' (a duration in scenario time: 30s, 31m, 2h, 7d)", key));
    return std::nullopt;
  }
  return duration_value(params[key]);
}

Checks StepParser::checks(const YAML::Node& node, const std::vector<std::string>& skip) {
  Checks out;
  const auto& reg = StepRegistry::instance();
  auto one_map = [&](const YAML::Node& m) {
    if (!m.IsMap()) {
      reader_.error(m, fmt::format("an expectation must be a map of checks ({})",
                                   id_list(reg.check_names())));
      return;
    }
    for (const auto& kv : m) {
      const std::string name = scalar(kv.first);
      if (std::find(skip.begin(), skip.end(), name) != skip.end()) continue;
      const CheckKind* kind = reg.check(name);
      if (kind == nullptr) {
        std::vector<std::string> names = reg.check_names();
        names.insert(names.end(), skip.begin(), skip.end());
        const std::string hint = rig::did_you_mean(name, names);
        reader_.error(kv.first,
                      fmt::format("unknown check '{}'{}; expected one of: {}", name,
                                  hint.empty() ? "" : fmt::format(" (did you mean '{}'?)", hint),
                                  id_list(names)));
        continue;
      }
      if (auto c = kind->parse(*this, kv.second)) out.push_back(std::move(c));
    }
  };
  if (node.IsSequence()) {
    for (const auto& m : node) one_map(m);
  } else {
    one_map(node);
  }
  return out;
}

}  // namespace hemsrig::scenario

namespace hemsrig::scenario {

std::optional<std::vector<std::pair<std::uint8_t, echonet::Bytes>>> StepParser::properties(
    const YAML::Node& map, const std::string& appliance_id) {
  if (!map || !map.IsMap() || map.size() == 0) {
    reader_.error(map,
                  "expected a map of properties to values, e.g. {operationStatus: on, 0xB3: 26}");
    return std::nullopt;
  }
  std::uint16_t cls = 0;
  for (const auto& a : world_.appliances) {
    if (a.id == appliance_id) cls = a.class_code;
  }
  const auto merged = profiles_.merged(cls);
  std::vector<std::pair<std::uint8_t, echonet::Bytes>> out;
  bool ok = true;
  for (const auto& kv : map) {
    const std::string key = scalar(kv.first);
    const echonet::PropertySpec* spec = nullptr;
    if (auto epc = rig::parse_integer(key)) {
      spec = merged ? merged->find(static_cast<std::uint8_t>(*epc)) : nullptr;
      if (*epc < 0x80 || *epc > 0xFF) {
        reader_.error(kv.first, fmt::format("'{}' is not an EPC (0x80..0xFF)", key));
        ok = false;
        continue;
      }
    } else if (merged) {
      std::vector<std::string> names;
      for (const auto& [e, p] : merged->properties) {
        names.push_back(p.name);
        if (p.name == key) spec = &p;
      }
      if (spec == nullptr) {
        const std::string hint = rig::did_you_mean(key, names);
        reader_.error(kv.first,
                      fmt::format("{} ({}) has no property '{}'{}; write an EPC (0x80) or a "
                                  "property name of its profile",
                                  appliance_id, merged->name, key,
                                  hint.empty() ? "" : fmt::format(" (did you mean '{}'?)", hint)));
        ok = false;
        continue;
      }
    }
    if (spec == nullptr) {
      reader_.error(kv.first, fmt::format("{} has no property {}", appliance_id, key));
      ok = false;
      continue;
    }
    auto v = kv.second.IsScalar() ? parse_value(kv.second.Scalar(), spec) : std::nullopt;
    if (!v) {
      std::string names;
      for (const auto& c : spec->value.choices)
        if (!c.name.empty()) names += (names.empty() ? "" : ", ") + c.name;
      reader_.error(kv.second, fmt::format("'{}' is not a value of 0x{:02X} ({}): write hex "
                                           "(0x30), a number{}",
                                           scalar(kv.second), spec->epc, spec->name,
                                           names.empty() ? "" : " or one of: " + names));
      ok = false;
      continue;
    }
    out.emplace_back(spec->epc, std::move(*v));
  }
  if (!ok) return std::nullopt;
  return out;
}

}  // namespace hemsrig::scenario
