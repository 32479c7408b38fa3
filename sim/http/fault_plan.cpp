#include "sim/http/fault_plan.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include <nlohmann/json.hpp>

#include "sim/core/did_you_mean.hpp"

namespace hemsrig::http {

using nlohmann::json;

namespace {

const std::vector<std::string> kCommonKeys = {"kind",   "id",          "method", "path",
                                              "client", "probability", "times"};

// The parameters each kind takes; required ones first, `required` says how many.
struct KindKeys {
  std::vector<std::string> keys;
  std::size_t required;
};

const KindKeys& keys_of(FaultKind kind) {
  static const std::map<FaultKind, KindKeys> table = {
      {FaultKind::Latency, {{"ms"}, 1}},
      {FaultKind::LatencyUniform, {{"min_ms", "max_ms"}, 2}},
      {FaultKind::LatencyLognormal, {{"median_ms", "sigma", "max_ms"}, 2}},
      {FaultKind::Dribble, {{"delay_ms", "chunk_bytes"}, 1}},
      {FaultKind::Status, {{"status", "body", "content_type"}, 1}},
      {FaultKind::Empty, {{}, 0}},
      {FaultKind::MalformedChunk, {{}, 0}},
      {FaultKind::RandomData, {{"bytes"}, 0}},
      {FaultKind::Reset, {{}, 0}},
      {FaultKind::Bandwidth, {{"bytes_per_second"}, 1}},
      {FaultKind::SlowClose, {{"ms"}, 1}},
      {FaultKind::Timeout, {{"ms"}, 0}},
      {FaultKind::DataLimit, {{"bytes"}, 1}},
  };
  return table.at(kind);
}

std::string join(const std::vector<std::string>& words) {
  std::string out;
  for (const auto& w : words) out += (out.empty() ? "" : ", ") + w;
  return out.empty() ? "no parameters" : out;
}

// Reads one rule; `where` prefixes key names in messages ("rules[2].").
class RuleReader {
 public:
  RuleReader(const json& j, std::string where) : j_(j), where_(std::move(where)) {}

  Result<FaultRule> read() {
    if (!j_.is_object()) return fail("", "a fault rule must be a JSON object, got " + j_.dump());
    const auto kind_it = j_.find("kind");
    if (kind_it == j_.end())
      return fail("kind", "missing (one of " + join(fault_kind_names()) + ")");
    if (!kind_it->is_string()) return fail("kind", "must be a string, got " + kind_it->dump());
    const auto kind = fault_kind_from_name(kind_it->get<std::string>());
    if (!kind) {
      const auto name = kind_it->get<std::string>();
      const auto near = closest_word(name, fault_kind_names());
      return fail("kind", "unknown kind '" + name + "'" +
                              (near.empty() ? "" : "; did you mean '" + near + "'?") + " (one of " +
                              join(fault_kind_names()) + ")");
    }
    FaultRule rule;
    rule.kind = *kind;
    const KindKeys& params = keys_of(*kind);
    for (const auto& [key, value] : j_.items()) {
      if (std::find(kCommonKeys.begin(), kCommonKeys.end(), key) != kCommonKeys.end()) continue;
      if (std::find(params.keys.begin(), params.keys.end(), key) != params.keys.end()) continue;
      if (key == "fired") {
        return fail(key, "is reported by GET /admin/faults and cannot be set");
      }
      std::vector<std::string> allowed = kCommonKeys;
      allowed.insert(allowed.end(), params.keys.begin(), params.keys.end());
      const auto near = closest_word(key, allowed);
      return fail(key, "unknown key for kind " + std::string(fault_kind_name(*kind)) +
                           (near.empty() ? "" : "; did you mean '" + near + "'?") +
                           " (its parameters: " + join(params.keys) + ")");
    }
    for (std::size_t i = 0; i < params.required; ++i) {
      if (!j_.contains(params.keys[i])) {
        return fail(params.keys[i],
                    "missing (kind " + std::string(fault_kind_name(*kind)) + " needs it)");
      }
    }
    if (auto e = text("id", rule.id)) return *e;
    if (auto e = text("method", rule.match.method)) return *e;
    if (auto e = text("path", rule.match.path)) return *e;
    if (auto e = text("client", rule.match.client)) return *e;
    std::transform(rule.match.method.begin(), rule.match.method.end(), rule.match.method.begin(),
                   [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    if (auto e = number("probability", rule.probability, 0, 1)) return *e;
    if (auto e = count("times", rule.times)) return *e;
    switch (rule.kind) {
      case FaultKind::Latency:
      case FaultKind::SlowClose:
      case FaultKind::Timeout:
        if (auto e = millis("ms", rule.delay)) return *e;
        break;
      case FaultKind::LatencyUniform:
        if (auto e = millis("min_ms", rule.min_delay)) return *e;
        if (auto e = millis("max_ms", rule.max_delay)) return *e;
        break;
      case FaultKind::LatencyLognormal:
        if (auto e = number("median_ms", rule.median_ms, 0, 1e9)) return *e;
        if (auto e = number("sigma", rule.sigma, 0, 10)) return *e;
        if (auto e = millis("max_ms", rule.max_delay)) return *e;
        break;
      case FaultKind::Dribble:
        if (auto e = millis("delay_ms", rule.delay)) return *e;
        if (auto e = size("chunk_bytes", rule.chunk_bytes)) return *e;
        break;
      case FaultKind::Status: {
        std::uint64_t status = static_cast<std::uint64_t>(rule.status);
        if (auto e = count("status", status)) return *e;
        rule.status = static_cast<int>(std::min<std::uint64_t>(status, 1000));
        if (auto e = text("body", rule.body)) return *e;
        if (auto e = text("content_type", rule.content_type)) return *e;
        break;
      }
      case FaultKind::RandomData:
      case FaultKind::DataLimit:
        if (auto e = size("bytes", rule.bytes)) return *e;
        break;
      case FaultKind::Bandwidth:
        if (auto e = size("bytes_per_second", rule.bytes_per_second)) return *e;
        break;
      case FaultKind::Empty:
      case FaultKind::MalformedChunk:
      case FaultKind::Reset:
        break;
    }
    if (auto s = check_fault_rule(rule); !s) {
      // check_fault_rule names the field first ("ms: ..."); add our prefix.
      return make_error("fault_rule", where_ + s.error().message);
    }
    return rule;
  }

 private:
  Error fail(const std::string& key, const std::string& message) const {
    return make_error("fault_rule", where_ + (key.empty() ? "" : key + ": ") + message);
  }
  std::optional<Error> text(const char* key, std::string& out) const {
    const auto it = j_.find(key);
    if (it == j_.end()) return std::nullopt;
    if (!it->is_string()) return fail(key, "must be a string, got " + it->dump());
    out = it->get<std::string>();
    return std::nullopt;
  }
  std::optional<Error> number(const char* key, double& out, double min, double max) const {
    const auto it = j_.find(key);
    if (it == j_.end()) return std::nullopt;
    if (!it->is_number()) return fail(key, "must be a number, got " + it->dump());
    const double v = it->get<double>();
    if (!std::isfinite(v) || v < min || v > max) {
      return fail(key, "must be between " + json(min).dump() + " and " + json(max).dump() +
                           ", got " + it->dump());
    }
    out = v;
    return std::nullopt;
  }
  std::optional<Error> millis(const char* key, sim::Duration& out) const {
    double ms = 0;
    if (auto e = number(key, ms, 0, 1e9)) return e;  // up to about 11 days
    if (j_.contains(key)) {
      out =
          std::chrono::duration_cast<sim::Duration>(std::chrono::duration<double, std::milli>(ms));
    }
    return std::nullopt;
  }
  std::optional<Error> count(const char* key, std::uint64_t& out) const {
    const auto it = j_.find(key);
    if (it == j_.end()) return std::nullopt;
    const bool whole =
        it->is_number_unsigned() || (it->is_number_integer() && it->get<std::int64_t>() >= 0);
    if (!whole) return fail(key, "must be a whole number >= 0, got " + it->dump());
    out = it->get<std::uint64_t>();
    return std::nullopt;
  }
  std::optional<Error> size(const char* key, std::size_t& out) const {
    std::uint64_t v = out;
    if (auto e = count(key, v)) return e;
    if (v > (std::uint64_t{1} << 40)) return fail(key, "is too large");
    out = static_cast<std::size_t>(v);
    return std::nullopt;
  }

  const json& j_;
  std::string where_;
};

double to_ms(sim::Duration d) {
  return std::chrono::duration<double, std::milli>(d).count();
}

Result<json> parse_text(std::string_view text) {
  json j = json::parse(text.begin(), text.end(), nullptr, false);
  if (j.is_discarded()) return make_error("bad_json", "the body is not valid JSON");
  return j;
}

}  // namespace

Result<FaultRule> parse_fault_rule(const json& j) {
  return RuleReader(j, "").read();
}

Result<FaultPlan> parse_fault_plan(const json& j) {
  if (!j.is_object()) return make_error("fault_plan", "a fault plan must be a JSON object");
  FaultPlan plan;
  for (const auto& [key, value] : j.items()) {
    if (key == "offline") {
      if (!value.is_boolean()) {
        return make_error("fault_plan", "offline: must be true or false, got " + value.dump());
      }
      plan.offline = value.get<bool>();
    } else if (key == "rules") {
      if (!value.is_array()) return make_error("fault_plan", "rules: must be an array");
      for (std::size_t i = 0; i < value.size(); ++i) {
        auto rule = RuleReader(value[i], "rules[" + std::to_string(i) + "].").read();
        if (!rule) return rule.error();
        plan.rules.push_back(std::move(*rule));
      }
    } else {
      const auto near = closest_word(key, std::vector<std::string>{"offline", "rules"});
      return make_error("fault_plan", key + ": unknown key" +
                                          (near.empty() ? "" : "; did you mean '" + near + "'?") +
                                          " (a fault plan has offline and rules)");
    }
  }
  return plan;
}

Result<FaultRule> parse_fault_rule_text(std::string_view text) {
  auto j = parse_text(text);
  if (!j) return j.error();
  return parse_fault_rule(*j);
}

Result<FaultPlan> parse_fault_plan_text(std::string_view text) {
  auto j = parse_text(text);
  if (!j) return j.error();
  return parse_fault_plan(*j);
}

json fault_rule_json(const FaultRule& rule, bool with_fired) {
  json j = json::object();
  if (!rule.id.empty()) j["id"] = rule.id;
  j["kind"] = std::string(fault_kind_name(rule.kind));
  j["method"] = rule.match.method;
  j["path"] = rule.match.path;
  if (!rule.match.client.empty()) j["client"] = rule.match.client;
  j["probability"] = rule.probability;
  if (rule.times != 0) j["times"] = rule.times;
  switch (rule.kind) {
    case FaultKind::Latency:
    case FaultKind::SlowClose:
    case FaultKind::Timeout:
      j["ms"] = to_ms(rule.delay);
      break;
    case FaultKind::LatencyUniform:
      j["min_ms"] = to_ms(rule.min_delay);
      j["max_ms"] = to_ms(rule.max_delay);
      break;
    case FaultKind::LatencyLognormal:
      j["median_ms"] = rule.median_ms;
      j["sigma"] = rule.sigma;
      if (rule.max_delay > sim::Duration::zero()) j["max_ms"] = to_ms(rule.max_delay);
      break;
    case FaultKind::Dribble:
      j["delay_ms"] = to_ms(rule.delay);
      j["chunk_bytes"] = rule.chunk_bytes;
      break;
    case FaultKind::Status:
      j["status"] = rule.status;
      if (!rule.body.empty()) j["body"] = rule.body;
      if (!rule.content_type.empty()) j["content_type"] = rule.content_type;
      break;
    case FaultKind::RandomData:
    case FaultKind::DataLimit:
      j["bytes"] = rule.bytes;
      break;
    case FaultKind::Bandwidth:
      j["bytes_per_second"] = rule.bytes_per_second;
      break;
    case FaultKind::Empty:
    case FaultKind::MalformedChunk:
    case FaultKind::Reset:
      break;
  }
  if (with_fired) j["fired"] = rule.fired;
  return j;
}

json fault_plan_json(const FaultPlan& plan, bool with_fired) {
  json rules = json::array();
  for (const auto& r : plan.rules) rules.push_back(fault_rule_json(r, with_fired));
  return json{{"offline", plan.offline}, {"rules", std::move(rules)}};
}

}  // namespace hemsrig::http
