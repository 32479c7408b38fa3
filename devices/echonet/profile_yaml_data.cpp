// The `data:` part of a YAML profile: one key naming the kind (number, state,
// level, raw, bitmap, date, time, date-time, numericValue, oneOf, object,
// array) plus that kind's modifiers, mirroring the MRA's data model. Plain
// `date`, `time` and `date-time` stand for their MRA default sizes.
#include <algorithm>
#include <array>
#include <optional>
#include <set>
#include <vector>

#include "devices/echonet/profile_detail.hpp"
#include "devices/echonet/profile_yaml.hpp"

namespace hemsrig::echonet::detail {

namespace {

using Kind = ValueSpec::Kind;

constexpr std::array<std::string_view, 12> kKinds = {"number",       "state", "level",  "raw",
                                                     "bitmap",       "date",  "time",   "date-time",
                                                     "numericValue", "oneOf", "object", "array"};

// Modifiers: the keys that may sit beside each kind key.
std::vector<std::string_view> keys_of(std::string_view kind) {
  if (kind == "number") {
    return {"number", "min", "max", "unit", "multiple", "step", "enum", "overflow", "underflow"};
  }
  if (kind == "state") return {"state", "readOnly"};
  if (kind == "level") return {"level", "levels"};
  if (kind == "time") return {"time", "maxHour"};
  if (kind == "array") return {"array", "items"};
  return {kind};
}

bool is_kind(std::string_view s) {
  return std::find(kKinds.begin(), kKinds.end(), s) != kKinds.end();
}

// A size N, or a range [min, max].
std::pair<std::int64_t, std::int64_t> size_range(const ProfileYamlReader& r, const YAML::Node& node,
                                                 const char* what) {
  if (node.IsSequence()) {
    if (node.size() != 2) r.fail(node, std::string(what) + " must be N or [min, max]");
    auto lo = r.integer(node[0], what), hi = r.integer(node[1], what);
    if (lo < 0 || lo > hi) r.fail(node, std::string(what) + " [min, max] needs 0 <= min <= max");
    return {lo, hi};
  }
  auto n = r.integer(node, what);
  if (n < 0) r.fail(node, std::string(what) + " cannot be negative");
  return {n, n};
}

void read_number(const ProfileYamlReader& r, const YAML::Node& node, ValueSpec& s) {
  s.kind = Kind::Number;
  const YAML::Node fmt = node["number"];
  const auto name = r.text(fmt, "number");
  auto f = parse_format(name);
  if (!f) {
    r.fail(fmt, "unknown number format '" + name + "'" +
                    did_you_mean(name, {"int8", "uint8", "int16", "uint16", "int32", "uint32"}));
  }
  s.format = *f;
  auto bound = [&](const char* key) -> std::optional<std::int64_t> {
    const YAML::Node v = node[key];
    if (!v.IsDefined()) return std::nullopt;
    const auto x = r.integer(v, key);
    if (x < format_min(s.format) || x > format_max(s.format)) {
      r.fail(v, std::string(key) + " " + std::to_string(x) + " does not fit " + name + " (" +
                    std::to_string(format_min(s.format)) + ".." +
                    std::to_string(format_max(s.format)) + ")");
    }
    return x;
  };
  const auto lo = bound("min"), hi = bound("max");
  if (lo && hi && *lo > *hi) r.fail(node["min"], "min is greater than max");
  std::vector<std::int64_t> enums;
  if (const YAML::Node e = node["enum"]; e.IsDefined()) {
    if (!e.IsSequence() || e.size() == 0) r.fail(e, "enum must be a list of numbers");
    for (const auto& v : e) enums.push_back(r.integer(v, "enum value"));
  }
  auto flag = [&](const char* key) {
    const YAML::Node v = node[key];
    if (!v.IsDefined()) return false;
    const auto t = r.text(v, key);
    if (t != "true" && t != "false") r.fail(v, std::string(key) + " must be true or false");
    return t == "true";
  };
  set_number_range(s, lo, hi, enums, flag("overflow"), flag("underflow"));
  if (const YAML::Node u = node["unit"]; u.IsDefined()) s.unit = r.text(u, "unit");
  if (const YAML::Node m = node["multiple"]; m.IsDefined()) {
    try {
      s.multiple = m.as<double>();
    } catch (const YAML::Exception&) {
      r.fail(m, "multiple must be a number like 0.1");
    }
  }
  if (const YAML::Node st = node["step"]; st.IsDefined()) {
    s.step = r.integer(st, "step");
    if (s.step < 1) r.fail(st, "step must be 1 or more");
  }
}

// state: {0x30: on, 0x31: off}; numericValue: {0x01: 0.1}. Keys may be ranges
// "0x000A..0x0013". All values have one size.
void read_choices(const ProfileYamlReader& r, const YAML::Node& map, ValueSpec& s,
                  const char* what) {
  if (!map.IsMap() || map.size() == 0)
    r.fail(map, std::string(what) + " must map values to names, like {0x30: on}");
  for (const auto& kv : map) {
    const auto key = r.text(kv.first, "a value");
    ValueSpec::Choice c;
    auto dots = key.find("..");
    auto first = parse_hex(key.substr(0, dots));
    std::optional<Bytes> last;
    if (dots != std::string::npos) last = parse_hex(key.substr(key.find_first_not_of('.', dots)));
    if (!first || (dots != std::string::npos && (!last || last->size() != first->size()))) {
      r.fail(kv.first, "'" + key + "' is not a hex value like 0x30 or a range like 0x0A..0x13");
    }
    c.edt = *first;
    if (last) c.last = *last;
    c.name = r.text(kv.second, "a name");
    if (!s.choices.empty() && c.edt.size() != s.choices.front().edt.size()) {
      r.fail(kv.first, "'" + key + "' has " + std::to_string(c.edt.size()) + " bytes but " +
                           hex(s.choices.front().edt) + " has " +
                           std::to_string(s.choices.front().edt.size()));
    }
    for (const auto& other : s.choices) {
      if (other.edt == c.edt) r.fail(kv.first, "value " + hex(c.edt) + " is listed twice");
    }
    s.choices.push_back(std::move(c));
  }
  s.min_size = s.max_size = s.choices.front().edt.size();
}

void read_read_only(const ProfileYamlReader& r, const YAML::Node& node, ValueSpec& s) {
  if (node.IsScalar() && (node.Scalar() == "true" || node.Scalar() == "false")) {
    for (auto& c : s.choices) c.read_only = node.Scalar() == "true";
    return;
  }
  if (!node.IsSequence()) r.fail(node, "readOnly must be true or a list of values like [0xFD]");
  for (const auto& v : node) {
    auto edt = r.hex_bytes(v, "a readOnly value");
    auto it =
        std::find_if(s.choices.begin(), s.choices.end(), [&](auto& c) { return c.edt == edt; });
    if (it == s.choices.end())
      r.fail(v, "readOnly value " + hex(edt) + " is not one of the states");
    it->read_only = true;
  }
}

// `date`, `time`, `date-time`: plain, or with a size ({time: 2}).
void read_clock(const ProfileYamlReader& r, const YAML::Node& size, std::string_view kind,
                ValueSpec& s) {
  const bool time = kind == "time", date = kind == "date";
  s.kind = date ? Kind::Date : time ? Kind::Time : Kind::DateTime;
  std::int64_t n = date ? 4 : time ? 3 : 7;
  if (size.IsDefined() && !size.IsNull()) n = r.integer(size, std::string(kind).c_str());
  const bool ok = date ? n == 4 : time ? (n == 2 || n == 3) : (n == 6 || n == 7);
  if (!ok) {
    r.fail(size, std::string(kind) + " size must be " +
                     (date   ? "4"
                      : time ? "2 (hh:mm) or 3 (hh:mm:ss)"
                             : "6 (no seconds) or 7"));
  }
  s.min_size = s.max_size = static_cast<std::size_t>(n);
}

}  // namespace

ValueSpec ProfileYamlReader::read_data(const YAML::Node& node) {
  ValueSpec s;
  if (node.IsScalar()) {
    const auto& kind = node.Scalar();
    if (kind == "date" || kind == "time" || kind == "date-time") {
      read_clock(*this, YAML::Node(), kind, s);
      return s;
    }
    if (is_kind(kind)) fail(node, "data kind '" + kind + "' needs a map, like {" + kind + ": ...}");
    fail(node, "unknown data kind '" + kind + "'" + did_you_mean(kind, kKinds));
  }
  if (!node.IsMap() || node.size() == 0)
    fail(node, "data must be a kind like {number: uint8} or date");
  std::string kind;
  for (const auto& kv : node) {
    if (!kv.first.IsScalar() || !is_kind(kv.first.Scalar())) continue;
    if (!kind.empty())
      fail(kv.first, "data has two kinds, '" + kind + "' and '" + kv.first.Scalar() + "'");
    kind = kv.first.Scalar();
  }
  if (kind.empty()) {
    const auto first = node.begin()->first;
    const auto word = first.IsScalar() ? first.Scalar() : std::string();
    fail(first, "unknown data kind '" + word + "'" + did_you_mean(word, kKinds));
  }
  expect_keys(node, keys_of(kind), "data");
  const YAML::Node v = node[kind];
  if (kind == "number") {
    read_number(*this, node, s);
  } else if (kind == "state" || kind == "numericValue") {
    s.kind = kind == "state" ? Kind::State : Kind::NumericValue;
    read_choices(*this, v, s, kind.c_str());
    if (const YAML::Node ro = node["readOnly"]; ro.IsDefined()) read_read_only(*this, ro, s);
  } else if (kind == "level") {
    s.kind = Kind::Level;
    auto base = hex_bytes(v, "level base");
    if (base.size() > 2) fail(v, "level base must be 1 or 2 bytes, like 0x31");
    s.base = static_cast<std::uint16_t>(read_be(base, false));
    s.min_size = s.max_size = base.size();
    const YAML::Node levels = require(node, "levels");
    const auto n = integer(levels, "levels");
    if (n < 1 || s.base + n - 1 > (base.size() == 1 ? 0xFF : 0xFFFF)) {
      fail(levels, "levels must be 1 or more and end within " + std::to_string(base.size()) +
                       (base.size() == 1 ? " byte" : " bytes"));
    }
    s.levels = static_cast<int>(n);
  } else if (kind == "raw") {
    s.kind = Kind::Raw;
    auto [lo, hi] = size_range(*this, v, "raw");
    s.min_size = static_cast<std::size_t>(lo);
    s.max_size = static_cast<std::size_t>(hi);
  } else if (kind == "bitmap") {
    s.kind = Kind::Bitmap;
    auto n = integer(v, "bitmap");
    if (n < 1) fail(v, "bitmap size must be 1 or more bytes");
    s.min_size = s.max_size = static_cast<std::size_t>(n);
  } else if (kind == "date" || kind == "time" || kind == "date-time") {
    read_clock(*this, v, kind, s);
    if (const YAML::Node h = node["maxHour"]; h.IsDefined()) {
      const auto hours = integer(h, "maxHour");
      if (hours < 23 || hours > 255) fail(h, "maxHour must be 23..255");
      s.max_hour = static_cast<int>(hours);
    }
  } else if (kind == "oneOf") {
    s.kind = Kind::OneOf;
    if (!v.IsSequence() || v.size() == 0) fail(v, "oneOf must be a list of data kinds");
    for (const auto& alt : v) s.alternatives.push_back(read_data(alt));
  } else if (kind == "object") {
    s.kind = Kind::Object;
    if (!v.IsMap() || v.size() == 0)
      fail(v, "object must map field names to data, like {min: {number: uint16}}");
    std::set<std::string> names;
    for (const auto& kv : v) {
      auto name = text(kv.first, "a field name");
      if (!names.insert(name).second) fail(kv.first, "duplicate field '" + name + "'");
      s.fields.push_back({name, read_data(kv.second)});
    }
  } else {  // array
    s.kind = Kind::Array;
    s.item.push_back(read_data(v));
    if (s.item.front().smallest() != s.item.front().largest() || s.item.front().smallest() == 0) {
      fail(v, "array items must all have one size");
    }
    s.item_size = s.item.front().smallest();
    auto [lo, hi] = size_range(*this, require(node, "items"), "items");
    s.min_items = static_cast<std::size_t>(lo);
    s.max_items = static_cast<std::size_t>(hi);
  }
  return s;
}

}  // namespace hemsrig::echonet::detail
