#include "rig/world/yaml_reader.hpp"

#include "devices/echonet/profile_detail.hpp"
#include "sim/core/did_you_mean.hpp"

#include <algorithm>
#include <charconv>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

namespace hemsrig::rig {

namespace {
// A message may quote bytes of a broken file: invalid UTF-8 is shown as \xNN
// so a terminal or a CI log that decodes UTF-8 never chokes on it.
std::string printable(const std::string& s) {
  std::string out;
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    std::size_t len = c < 0x80           ? 1
                      : (c >> 5) == 0x6  ? 2
                      : (c >> 4) == 0xE  ? 3
                      : (c >> 3) == 0x1E ? 4
                                         : 0;
    bool valid = len > 0 && i + len <= s.size();
    for (std::size_t k = 1; valid && k < len; ++k)
      valid = (static_cast<unsigned char>(s[i + k]) >> 6) == 0x2;
    if (valid && (c >= 0x20 || c == '\t')) {
      out.append(s, i, len);
      i += len;
    } else {
      out += fmt::format("\\x{:02X}", c);
      ++i;
    }
  }
  return out;
}
}  // namespace

std::string Diagnostic::str() const {
  if (line <= 0) return fmt::format("{}: {}", file, printable(message));
  return fmt::format("{}:{}:{}: {}", file, line, column, printable(message));
}

namespace {
std::string kind_name(const YAML::Node& n) {
  switch (n.Type()) {
    case YAML::NodeType::Map:
      return "a map";
    case YAML::NodeType::Sequence:
      return "a list";
    case YAML::NodeType::Scalar:
      return fmt::format("'{}'", n.Scalar());
    case YAML::NodeType::Null:
      return "nothing";
    default:
      return "an undefined value";
  }
}
}  // namespace

std::string did_you_mean(const std::string& word, const std::vector<std::string>& candidates) {
  return closest_word(word, candidates);
}

YAML::Node YamlReader::load() {
  std::ifstream in(file_);
  if (!in) {
    diagnostics_.push_back(Diagnostic{file_, 0, 0, "cannot open the file"});
    return YAML::Node();
  }
  std::stringstream ss;
  ss << in.rdbuf();
  return load_string(ss.str());
}

YAML::Node YamlReader::load_string(const std::string& text) {
  try {
    YAML::Node root = YAML::Load(text);
    if (!root.IsDefined() || root.IsNull()) {
      diagnostics_.push_back(Diagnostic{file_, 1, 1, "the file is empty, expected a map"});
      return YAML::Node();
    }
    return root;
  } catch (const YAML::Exception& e) {
    diagnostics_.push_back(
        Diagnostic{file_, e.mark.line + 1, e.mark.column + 1, "YAML syntax: " + e.msg});
    return YAML::Node();
  }
}

void YamlReader::error(const YAML::Mark& at, const std::string& message) {
  diagnostics_.push_back(
      Diagnostic{file_, at.is_null() ? 0 : at.line + 1, at.is_null() ? 0 : at.column + 1, message});
}

void YamlReader::error(const YAML::Node& at, const std::string& message) {
  error(at.Mark(), message);
}

bool YamlReader::expect_map(const YAML::Node& node, const std::string& what,
                            const std::vector<std::string>& allowed) {
  if (!node.IsMap()) {
    error(node, fmt::format("{} must be a map, found {}", what, kind_name(node)));
    return false;
  }
  bool ok = true;
  for (const auto& kv : node) {
    const std::string key = kv.first.Scalar();
    if (std::find(allowed.begin(), allowed.end(), key) != allowed.end()) continue;
    ok = false;
    const std::string hint = did_you_mean(key, allowed);
    if (!hint.empty()) {
      error(kv.first, fmt::format("unknown key '{}' in {} (did you mean '{}'?)", key, what, hint));
    } else {
      std::string keys;
      for (const auto& a : allowed) keys += (keys.empty() ? "" : ", ") + a;
      error(kv.first, fmt::format("unknown key '{}' in {}; expected one of: {}", key, what, keys));
    }
  }
  return ok;
}

bool YamlReader::expect_sequence(const YAML::Node& node, const std::string& what) {
  if (!node.IsSequence()) {
    error(node, fmt::format("{} must be a list, found {}", what, kind_name(node)));
    return false;
  }
  return true;
}

std::optional<std::string> YamlReader::string(const YAML::Node& map, const char* key,
                                              bool required) {
  const YAML::Node n = map[key];
  if (!n) {
    if (required) error(map, fmt::format("missing '{}'", key));
    return std::nullopt;
  }
  if (!n.IsScalar()) {
    error(n, fmt::format("'{}' must be a text value, found {}", key, kind_name(n)));
    return std::nullopt;
  }
  return n.Scalar();
}

std::optional<std::int64_t> parse_integer(const std::string& text) {
  if (!text.empty() && text[0] == '+')
    return echonet::detail::parse_int(std::string_view(text).substr(1));
  return echonet::detail::parse_int(text);
}

std::optional<std::int64_t> YamlReader::integer(const YAML::Node& map, const char* key,
                                                std::int64_t min, std::int64_t max, bool required) {
  const auto s = string(map, key, required);
  if (!s) return std::nullopt;
  const auto v = parse_integer(*s);
  if (!v) {
    error(map[key],
          fmt::format("'{}' must be a whole number (decimal or 0x hex), found '{}'", key, *s));
    return std::nullopt;
  }
  if (*v < min || *v > max) {
    error(map[key], fmt::format("'{}' is {}, expected {}..{}", key, *s, min, max));
    return std::nullopt;
  }
  return v;
}

std::optional<double> YamlReader::number(const YAML::Node& map, const char* key, bool required) {
  const auto s = string(map, key, required);
  if (!s) return std::nullopt;
  try {
    std::size_t used = 0;
    const double v = std::stod(*s, &used);
    if (used == s->size()) return v;
  } catch (const std::exception&) {
  }
  error(map[key], fmt::format("'{}' must be a number, found '{}'", key, *s));
  return std::nullopt;
}

std::optional<bool> YamlReader::boolean(const YAML::Node& map, const char* key) {
  const auto s = string(map, key);
  if (!s) return std::nullopt;
  if (*s == "true" || *s == "yes" || *s == "on") return true;
  if (*s == "false" || *s == "no" || *s == "off") return false;
  error(map[key], fmt::format("'{}' must be true or false, found '{}'", key, *s));
  return std::nullopt;
}

std::optional<std::int64_t> parse_duration_ns(const std::string& text) {
  std::size_t i = 0;
  while (i < text.size() && (std::isdigit(static_cast<unsigned char>(text[i])) || text[i] == '.'))
    ++i;
  if (i == 0) return std::nullopt;
  double v = 0;
  try {
    v = std::stod(text.substr(0, i));
  } catch (const std::exception&) {
    return std::nullopt;
  }
  const std::string unit = text.substr(i);
  double scale = 0;
  if (unit == "ms")
    scale = 1e6;
  else if (unit == "s")
    scale = 1e9;
  else if (unit == "m" || unit == "min")
    scale = 60e9;
  else if (unit == "h")
    scale = 3600e9;
  else if (unit == "d")
    scale = 86400e9;
  else if (unit == "w")
    scale = 7 * 86400e9;
  else if (unit == "us")
    scale = 1e3;
  else
    return std::nullopt;
  return static_cast<std::int64_t>(v * scale);
}

std::optional<std::int64_t> YamlReader::duration_ns(const YAML::Node& map, const char* key) {
  const auto s = string(map, key);
  if (!s) return std::nullopt;
  const auto v = parse_duration_ns(*s);
  if (!v)
    error(
        map[key],
        fmt::format("'{}' must be a duration such as 20ms, 60s, 30m, 1h, 1w; found '{}'", key, *s));
  return v;
}

}  // namespace hemsrig::rig
