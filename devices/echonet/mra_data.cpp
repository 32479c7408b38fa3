// The MRA data model as ValueSpecs (see mra_data.hpp). Sizes the MRA leaves
// out take its defaults: date 4 bytes, time hh:mm:ss, date-time with seconds.
#include "devices/echonet/mra_data.hpp"

#include <optional>
#include <vector>

#include "devices/echonet/profile_detail.hpp"

namespace hemsrig::echonet::detail {

using json = nlohmann::json;
using Kind = ValueSpec::Kind;

[[noreturn]] void fail(const std::string& path, std::string message) {
  throw MraError{path.empty() ? "/" : path, std::move(message)};
}

const json& at(const json& obj, const char* key, const std::string& path) {
  if (!obj.is_object()) fail(path, "expected an object");
  auto it = obj.find(key);
  if (it == obj.end()) fail(path, std::string("missing \"") + key + "\"");
  return *it;
}

std::string str(const json& obj, const char* key, const std::string& path) {
  const json& v = at(obj, key, path);
  if (!v.is_string()) fail(path + "/" + key, "expected a string");
  return v.get<std::string>();
}

std::int64_t integer(const json& v, const std::string& path) {
  if (v.is_number_integer()) return v.get<std::int64_t>();
  if (v.is_number()) {  // 12.0 is fine; 0.5 or 1e30 is not
    const double d = v.get<double>();
    if (d > -9.0e18 && d < 9.0e18 && d == static_cast<double>(static_cast<std::int64_t>(d))) {
      return static_cast<std::int64_t>(d);
    }
  }
  fail(path, "expected a whole number");
}

std::int64_t integer(const json& obj, const char* key, const std::string& path) {
  return integer(at(obj, key, path), path + "/" + key);
}

Bytes hex_field(const json& obj, const char* key, const std::string& path, std::size_t size) {
  auto s = str(obj, key, path);
  auto bytes = detail::parse_hex(s);
  if (!bytes || (size && bytes->size() != size)) {
    fail(path + "/" + key,
         "'" + s + "' is not " + (size ? std::to_string(size) + "-byte " : "") + "hex");
  }
  return *bytes;
}

namespace {

void number(const json& j, const std::string& path, ValueSpec& s) {
  s.kind = Kind::Number;
  auto fmt = str(j, "format", path);
  auto f = parse_format(fmt);
  if (!f) fail(path + "/format", "unknown number format '" + fmt + "'");
  s.format = *f;
  auto bound = [&](const char* key) -> std::optional<std::int64_t> {
    if (!j.contains(key)) return std::nullopt;
    return integer(j, key, path);
  };
  std::vector<std::int64_t> enums;
  if (auto e = j.find("enum"); e != j.end()) {
    if (!e->is_array()) fail(path + "/enum", "expected an array");
    for (std::size_t i = 0; i < e->size(); ++i) {
      enums.push_back(integer((*e)[i], path + "/enum/" + std::to_string(i)));
    }
  }
  auto flag = [&](const char* key) {
    auto it = j.find(key);
    if (it == j.end()) return false;
    if (!it->is_boolean()) fail(path + "/" + key, "expected true or false");
    return it->get<bool>();
  };
  set_number_range(s, bound("minimum"), bound("maximum"), enums, flag("overflowCode"),
                   flag("underflowCode"));
  if (j.contains("unit")) s.unit = str(j, "unit", path);
  if (auto m = j.find("multiple"); m != j.end() && m->is_number()) s.multiple = m->get<double>();
  // An integral multipleOf is a step; 0.1 and the like give the scale instead.
  if (auto m = j.find("multipleOf"); m != j.end() && m->is_number()) {
    const double v = m->get<double>();
    if (v >= 1 && v == static_cast<double>(static_cast<std::int64_t>(v))) {
      s.step = v > 1 ? static_cast<std::int64_t>(v) : 0;
    } else if (!j.contains("multiple")) {
      s.multiple = v;
    }
  }
}

void choices(const json& j, const std::string& path, bool state, ValueSpec& s) {
  s.kind = state ? Kind::State : Kind::NumericValue;
  const auto size = static_cast<std::size_t>(integer(j, "size", path));
  s.min_size = s.max_size = size;
  const json& list = at(j, "enum", path);
  if (!list.is_array() || list.empty()) fail(path + "/enum", "expected a non-empty array");
  for (std::size_t i = 0; i < list.size(); ++i) {
    const auto epath = path + "/enum/" + std::to_string(i);
    const auto text = str(list[i], "edt", epath);
    ValueSpec::Choice c;
    const auto dots = text.find("...");
    auto first = parse_hex(text.substr(0, dots));
    std::optional<Bytes> last;
    if (dots != std::string::npos) last = parse_hex(text.substr(dots + 3));
    if (!first || first->size() != size ||
        (dots != std::string::npos && (!last || last->size() != size))) {
      fail(epath + "/edt", "'" + text + "' is not " + std::to_string(size) + "-byte hex");
    }
    c.edt = *first;
    if (last) c.last = *last;
    if (state) {
      c.name = str(list[i], "name", epath);
      if (auto ro = list[i].find("readOnly"); ro != list[i].end() && ro->is_boolean()) {
        c.read_only = ro->get<bool>();
      }
    } else {
      c.name = at(list[i], "numericValue", epath).dump();
    }
    s.choices.push_back(std::move(c));
  }
}

void clock(const json& j, const std::string& path, const std::string& type, ValueSpec& s) {
  const bool date = type == "date", time = type == "time";
  s.kind = date ? Kind::Date : time ? Kind::Time : Kind::DateTime;
  // MRA defaults: date YYYYMMDD, time hh:mm:ss, date-time YYYYMMDDhhmmss.
  auto size = j.contains("size") ? integer(j, "size", path) : date ? 4 : time ? 3 : 7;
  const bool ok = date ? size == 4 : time ? (size == 2 || size == 3) : (size == 6 || size == 7);
  if (!ok) fail(path + "/size", "unsupported " + type + " size " + std::to_string(size));
  s.min_size = s.max_size = static_cast<std::size_t>(size);
  if (time && j.contains("maximumOfHour"))
    s.max_hour = static_cast<int>(integer(j, "maximumOfHour", path));
}

}  // namespace

ValueSpec mra_data(const json& j, const json& defs, const std::string& path, int depth) {
  if (depth > 32) fail(path, "data nested too deeply (a $ref cycle?)");
  if (!j.is_object()) fail(path, "expected an object");
  if (auto ref = j.find("$ref"); ref != j.end()) {
    if (!ref->is_string()) fail(path + "/$ref", "expected a string");
    const auto target = ref->get<std::string>();
    const std::string prefix = "#/definitions/";
    if (target.rfind(prefix, 0) != 0) fail(path + "/$ref", "unsupported $ref '" + target + "'");
    auto def = defs.find(target.substr(prefix.size()));
    if (def == defs.end()) fail(path + "/$ref", "no definition '" + target + "'");
    json merged = *def;
    for (const auto& [k, v] : j.items()) {
      if (k != "$ref") merged[k] = v;
    }
    return mra_data(merged, defs, path + " -> " + target, depth + 1);
  }
  ValueSpec s;
  if (auto one_of = j.find("oneOf"); one_of != j.end()) {
    if (!one_of->is_array() || one_of->empty()) fail(path + "/oneOf", "expected a non-empty array");
    s.kind = Kind::OneOf;
    for (std::size_t i = 0; i < one_of->size(); ++i) {
      s.alternatives.push_back(
          mra_data((*one_of)[i], defs, path + "/oneOf/" + std::to_string(i), depth + 1));
    }
    return s;
  }
  const auto type = str(j, "type", path);
  if (type == "number") {
    number(j, path, s);
  } else if (type == "state" || type == "numericValue") {
    choices(j, path, type == "state", s);
  } else if (type == "level") {
    s.kind = Kind::Level;
    if (j.contains("base")) {
      auto base = hex_field(j, "base", path);
      if (base.size() > 2) fail(path + "/base", "a level base has 1 or 2 bytes");
      s.base = static_cast<std::uint16_t>(read_be(base, false));
      s.min_size = s.max_size = base.size();
      s.levels = static_cast<int>(integer(j, "maximum", path));
    } else {  // "leveldd": minimum..maximum
      auto lo = integer(j, "minimum", path);
      s.base = static_cast<std::uint16_t>(lo);
      s.min_size = s.max_size = 1;
      s.levels = static_cast<int>(integer(j, "maximum", path) - lo + 1);
    }
    if (s.levels < 1) fail(path + "/maximum", "a level needs at least one step");
  } else if (type == "raw") {
    s.kind = Kind::Raw;
    s.min_size = static_cast<std::size_t>(integer(j, "minSize", path));
    s.max_size = static_cast<std::size_t>(integer(j, "maxSize", path));
    if (s.min_size > s.max_size) fail(path, "minSize is greater than maxSize");
  } else if (type == "bitmap") {
    s.kind = Kind::Bitmap;
    s.min_size = s.max_size = static_cast<std::size_t>(integer(j, "size", path));
  } else if (type == "date" || type == "time" || type == "date-time") {
    clock(j, path, type, s);
  } else if (type == "object") {
    s.kind = Kind::Object;
    const json& fields = at(j, "properties", path);
    if (!fields.is_array() || fields.empty())
      fail(path + "/properties", "expected a non-empty array");
    for (std::size_t i = 0; i < fields.size(); ++i) {
      const auto fpath = path + "/properties/" + std::to_string(i);
      s.fields.push_back(
          {str(fields[i], "shortName", fpath),
           mra_data(at(fields[i], "element", fpath), defs, fpath + "/element", depth + 1)});
    }
  } else if (type == "array") {
    s.kind = Kind::Array;
    s.item_size = static_cast<std::size_t>(integer(j, "itemSize", path));
    s.min_items =
        j.contains("minItems") ? static_cast<std::size_t>(integer(j, "minItems", path)) : 0;
    s.max_items = static_cast<std::size_t>(integer(j, "maxItems", path));
    s.item.push_back(mra_data(at(j, "items", path), defs, path + "/items", depth + 1));
    const auto& item = s.item.front();
    if (item.smallest() != s.item_size || item.largest() != s.item_size) {
      fail(path + "/itemSize", "items are " + std::to_string(item.smallest()) + ".." +
                                   std::to_string(item.largest()) + " bytes, not " +
                                   std::to_string(s.item_size));
    }
    if (s.min_items > s.max_items) fail(path, "minItems is greater than maxItems");
  } else {
    fail(path + "/type", "unknown data type '" + type + "'");
  }
  return s;
}

}  // namespace hemsrig::echonet::detail
