// ProfileLibrary::load_yaml: the project's class profiles (docs/profiles.md).
// Every mistake is reported as "file:line:col: message" (1-based), unknown
// keys and values with a "did you mean" hint. A folder loads all or nothing.
#include <algorithm>
#include <filesystem>
#include <map>
#include <set>
#include <vector>

#include "devices/echonet/profile.hpp"
#include "devices/echonet/profile_detail.hpp"
#include "devices/echonet/profile_yaml.hpp"

namespace hemsrig::echonet {
namespace detail {

void ProfileYamlReader::fail(const YAML::Node& at, std::string message) const {
  throw ProfileYamlError{at.Mark(), std::move(message)};
}

void ProfileYamlReader::expect_keys(const YAML::Node& map,
                                    std::span<const std::string_view> allowed,
                                    const char* what) const {
  if (!map.IsMap()) fail(map, std::string(what) + " must be a map");
  std::set<std::string> seen;
  for (const auto& kv : map) {
    if (!kv.first.IsScalar()) fail(kv.first, std::string("keys of ") + what + " must be words");
    const auto key = kv.first.Scalar();
    if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
      fail(kv.first, "unknown key '" + key + "'" + did_you_mean(key, allowed));
    }
    if (!seen.insert(key).second) fail(kv.first, "duplicate key '" + key + "'");
  }
}

YAML::Node ProfileYamlReader::require(const YAML::Node& map, const char* key) const {
  YAML::Node node = map[key];
  if (!node.IsDefined() || node.IsNull()) fail(map, std::string("missing key '") + key + "'");
  return node;
}

std::string ProfileYamlReader::text(const YAML::Node& node, const char* what) const {
  if (!node.IsScalar()) fail(node, std::string(what) + " must be a single value");
  return node.Scalar();
}

std::int64_t ProfileYamlReader::integer(const YAML::Node& node, const char* what) const {
  auto v = parse_int(text(node, what));
  if (!v) fail(node, std::string(what) + " must be a whole number, not '" + node.Scalar() + "'");
  return *v;
}

Bytes ProfileYamlReader::hex_bytes(const YAML::Node& node, const char* what,
                                   std::size_t size) const {
  const auto s = text(node, what);
  auto bytes = parse_hex_list(s);
  if (!bytes)
    fail(node, std::string(what) + " must be hex bytes like 0x1A or 0x0130, not '" + s + "'");
  if (size && bytes->size() != size) {
    fail(node, std::string(what) + " must be " + std::to_string(size) +
                   (size == 1 ? " byte" : " bytes") + ", not '" + s + "'");
  }
  return *bytes;
}

AccessRule ProfileYamlReader::read_access(const YAML::Node& node) const {
  expect_keys(node, {"get", "set", "anno"}, "access");
  AccessRule rule;
  auto one = [&](const char* key, Access& out) {
    YAML::Node v = node[key];
    if (!v.IsDefined()) return;
    const auto s = text(v, key);
    auto a = parse_access(s);
    if (!a) {
      fail(v, "unknown access rule '" + s + "'" +
                  did_you_mean(
                      s, {"required", "required_c", "required_o", "optional", "notApplicable"}) +
                  "; use required, required_c, required_o, optional or notApplicable");
    }
    out = *a;
  };
  one("get", rule.get);
  one("set", rule.set);
  one("anno", rule.anno);
  return rule;
}

PropertySpec ProfileYamlReader::read_property(const YAML::Node& node) {
  expect_keys(node, {"epc", "name", "title", "access", "data", "default"}, "a property");
  PropertySpec p;
  YAML::Node epc = require(node, "epc");
  p.epc = hex_bytes(epc, "epc", 1).front();
  if (p.epc < 0x80)
    fail(epc, "epc " + hex(Bytes{p.epc}) + " is below 0x80, the first property code");
  p.name = text(require(node, "name"), "name");
  if (YAML::Node t = node["title"]; t.IsDefined()) p.title = text(t, "title");
  if (YAML::Node a = node["access"]; a.IsDefined()) p.access = read_access(a);
  p.value = read_data(require(node, "data"));
  if (YAML::Node d = node["default"]; d.IsDefined()) {
    p.default_edt = hex_bytes(d, "default");
    if (auto st = p.value.check(p.default_edt); !st) {
      fail(d, "default " + hex(p.default_edt) + " does not fit the data: " + st.error().message);
    }
  } else {
    p.default_edt = p.value.first_valid();
  }
  return p;
}

ClassProfile ProfileYamlReader::read_class(const YAML::Node& root) {
  expect_keys(root, {"class", "name", "title", "properties"}, "a profile");
  ClassProfile cls;
  auto code = hex_bytes(require(root, "class"), "class", 2);
  cls.class_code = static_cast<std::uint16_t>(code[0] << 8 | code[1]);
  cls.name = text(require(root, "name"), "name");
  if (YAML::Node t = root["title"]; t.IsDefined()) cls.title = text(t, "title");
  YAML::Node props = require(root, "properties");
  if (!props.IsSequence()) fail(props, "properties must be a list ('- epc: 0x80 ...')");
  std::map<std::uint8_t, int> line_of;
  for (const auto& item : props) {
    auto p = read_property(item);
    const int line = item.Mark().line + 1;
    if (auto [it, fresh] = line_of.emplace(p.epc, line); !fresh) {
      fail(item["epc"], "duplicate epc " + hex(Bytes{p.epc}) + " (first at line " +
                            std::to_string(it->second) + ")");
    }
    cls.properties.emplace(p.epc, std::move(p));
  }
  return cls;
}

}  // namespace detail

namespace {

std::string located(const std::string& file, const YAML::Mark& mark, const std::string& message) {
  if (mark.line < 0) return file + ": " + message;
  return file + ":" + std::to_string(mark.line + 1) + ":" + std::to_string(mark.column + 1) + ": " +
         message;
}

Result<ClassProfile> read_file(const std::string& file) {
  try {
    YAML::Node root = YAML::LoadFile(file);
    detail::ProfileYamlReader reader;
    ClassProfile cls = reader.read_class(root);
    cls.source = file;
    return cls;
  } catch (const detail::ProfileYamlError& e) {
    return make_error("profile", located(file, e.mark, e.message));
  } catch (const YAML::BadFile&) {
    return make_error("profile", file + ": cannot read the file");
  } catch (const YAML::Exception& e) {
    return make_error("profile", located(file, e.mark, e.msg));
  } catch (const std::exception& e) {
    return make_error("profile", file + ": " + e.what());
  }
}

}  // namespace

Status ProfileLibrary::load_yaml(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  std::vector<std::string> files;
  if (fs::is_directory(path, ec)) {
    for (const auto& entry : fs::directory_iterator(path, ec)) {
      const auto ext = entry.path().extension();
      if (entry.is_regular_file(ec) && (ext == ".yaml" || ext == ".yml")) {
        files.push_back(entry.path().string());
      }
    }
    std::sort(files.begin(), files.end());
  } else if (fs::is_regular_file(path, ec)) {
    files.push_back(path);
  } else {
    return make_error("profile", path + ": no such profile file or folder");
  }
  // All or nothing: a library never holds half a folder.
  std::map<std::uint16_t, ClassProfile> loaded;
  for (const auto& file : files) {
    auto cls = read_file(file);
    if (!cls) return cls.error();
    const auto code = cls->class_code;
    if (auto it = loaded.find(code); it != loaded.end()) {
      return make_error("profile", file + ": class " + detail::hex(detail::write_be(code, 2)) +
                                       " is also defined in " + it->second.source);
    }
    loaded.emplace(code, std::move(*cls));
  }
  for (auto& [code, cls] : loaded) add(std::move(cls), /*replace=*/true);
  return ok_status();
}

}  // namespace hemsrig::echonet
