// ProfileLibrary::load_mra: every class of an ECHONET Machine Readable
// Appendix folder (definitions, superClass, nodeProfile, devices/*.json). Of
// an EPC listed for several releases the entry valid in the latest one is
// kept. A malformed file comes back as an Error naming the file and the JSON
// path; a class already loaded (from YAML) keeps its profile.
#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <vector>

#include "devices/echonet/mra_data.hpp"
#include "devices/echonet/profile.hpp"
#include "devices/echonet/profile_detail.hpp"

namespace hemsrig::echonet {
namespace {

using json = nlohmann::json;
using detail::at;
using detail::fail;
using detail::hex_field;
using detail::MraError;
using detail::str;

Access access(const json& rule, const char* key, const std::string& path) {
  auto s = str(rule, key, path);
  auto a = detail::parse_access(s);
  if (!a) fail(path + "/" + key, "unknown access rule '" + s + "'");
  return *a;
}

class MraReader {
 public:
  explicit MraReader(const json& definitions) : defs_(definitions) {}

  ClassProfile read_class(const json& root) {
    ClassProfile cls;
    auto code = hex_field(root, "eoj", "", 2);
    cls.class_code = static_cast<std::uint16_t>(code[0] << 8 | code[1]);
    cls.name = str(root, "shortName", "");
    cls.title = str(at(root, "className", ""), "en", "/className");
    const json& props = at(root, "elProperties", "");
    if (!props.is_array()) fail("/elProperties", "expected an array");
    std::map<std::uint8_t, std::pair<std::string, std::size_t>> latest;  // epc -> (to, index)
    for (std::size_t i = 0; i < props.size(); ++i) {
      const auto path = "/elProperties/" + std::to_string(i);
      auto epc = hex_field(props[i], "epc", path, 1).front();
      auto to = str(at(props[i], "validRelease", path), "to", path + "/validRelease");
      if (to == "latest") to = "~";  // sorts after every release letter
      auto [it, fresh] = latest.emplace(epc, std::make_pair(to, i));
      if (!fresh && to >= it->second.first) it->second = {to, i};
    }
    for (const auto& [epc, chosen] : latest) {
      auto p =
          read_property(props[chosen.second], "/elProperties/" + std::to_string(chosen.second));
      cls.properties.emplace(epc, std::move(p));
    }
    return cls;
  }

 private:
  PropertySpec read_property(const json& j, const std::string& path) {
    PropertySpec p;
    p.epc = hex_field(j, "epc", path, 1).front();
    p.title = str(at(j, "propertyName", path), "en", path + "/propertyName");
    p.name = str(j, "shortName", path);
    if (p.name.empty() || p.name == "DEL") p.name = detail::lower_camel(p.title);
    const json& rule = at(j, "accessRule", path);
    const auto rpath = path + "/accessRule";
    p.access = {access(rule, "get", rpath), access(rule, "set", rpath), access(rule, "inf", rpath)};
    p.value = detail::mra_data(at(j, "data", path), defs_, path + "/data");
    p.default_edt = p.value.first_valid();
    if (auto st = p.value.check(p.default_edt); !st) {
      fail(path + "/data", "no valid default value: " + st.error().message);
    }
    return p;
  }

  const json& defs_;
};

Result<json> read_json(const std::filesystem::path& file) {
  std::ifstream in(file);
  if (!in) return make_error("mra", file.string() + ": cannot read the file");
  try {
    return json::parse(in);
  } catch (const json::exception& e) {
    return make_error("mra", file.string() + ": invalid JSON: " + e.what());
  }
}

Result<ClassProfile> read_class_file(const std::filesystem::path& file, const json& defs) {
  auto root = read_json(file);
  if (!root) return root.error();
  try {
    MraReader reader(defs);
    ClassProfile cls = reader.read_class(*root);
    cls.source = file.string();
    return cls;
  } catch (const MraError& e) {
    return make_error("mra", file.string() + ": " + e.path + ": " + e.message);
  } catch (const std::exception& e) {  // nlohmann::json type errors and the like
    return make_error("mra", file.string() + ": " + e.what());
  }
}

}  // namespace

Status ProfileLibrary::load_mra(const std::string& dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::path root(dir);
  if (!fs::is_directory(root / "devices", ec)) {
    return make_error("mra", dir + ": not an MRA folder (no devices/ in it)");
  }
  const auto defs_file = root / "definitions" / "definitions.json";
  auto defs = read_json(defs_file);
  if (!defs) return defs.error();
  if (!defs->is_object() || !defs->contains("definitions") || !(*defs)["definitions"].is_object()) {
    return make_error("mra", defs_file.string() + ": /definitions: expected an object");
  }
  std::vector<fs::path> files;
  for (const char* fixed : {"superClass/0x0000.json", "nodeProfile/0x0EF0.json"}) {
    if (fs::is_regular_file(root / fixed, ec)) files.push_back(root / fixed);
  }
  std::vector<fs::path> devices;
  for (const auto& entry : fs::directory_iterator(root / "devices", ec)) {
    if (entry.path().extension() == ".json") devices.push_back(entry.path());
  }
  std::sort(devices.begin(), devices.end());
  files.insert(files.end(), devices.begin(), devices.end());

  std::map<std::uint16_t, ClassProfile> loaded;  // all or nothing
  for (const auto& file : files) {
    auto cls = read_class_file(file, (*defs)["definitions"]);
    if (!cls) return cls.error();
    const auto code = cls->class_code;
    if (loaded.count(code)) {
      return make_error("mra", file.string() + ": class " + detail::hex(detail::write_be(code, 2)) +
                                   " is also in " + loaded[code].source);
    }
    loaded.emplace(code, std::move(*cls));
  }
  for (auto& [code, cls] : loaded) add(std::move(cls), /*replace=*/false);
  return ok_status();
}

}  // namespace hemsrig::echonet
