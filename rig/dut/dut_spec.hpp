// DutSpec: a device under test as written in a scenario's `dut:` block or a
// world's `duts:` list (docs/dut.md): its role, its adapter (a process the rig
// starts, or an external device it only watches and powers through a relay),
// its identity and how the rig tells that it is up. Commands and environment
// are templates ("{address}") checked at load time and expanded at power-on.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "devices/bench/coil_resource.hpp"
#include "sim/core/result.hpp"
#include "sim/core/time.hpp"
#include "sim/net/fabric.hpp"

namespace hemsrig::rig {
class YamlReader;
}

namespace hemsrig::dut {

// A text with {name} variables, split once at load time.
class DutTemplate {
 public:
  struct Part {
    bool variable = false;
    std::string text;  // literal text, or the variable's name ("address", "unit_address:hems")
  };
  // Splits `text`; an unknown {name} or an unclosed brace is an error that
  // names the variables there are. `unit_ids` are the ids {unit_address:ID} may name.
  static Result<DutTemplate> parse(const std::string& text,
                                   const std::vector<std::string>& unit_ids);
  const std::vector<Part>& parts() const { return parts_; }
  const std::string& source() const { return source_; }

 private:
  std::string source_;
  std::vector<Part> parts_;
};

// The names templates may use (docs/dut.md), for messages and docs.
const std::vector<std::string>& template_variables();

// What the variables stand for in a running world.
struct TemplateValues {
  std::map<std::string, std::string>
      values;  // "address" -> "127.10.0.9", "unit_address:hems" -> ...
};
// Every variable of `t` replaced; a variable without a value becomes "" (the
// world has no cloud, say).
std::string expand(const DutTemplate& t, const TemplateValues& v);

enum class DutRole { Controller, App };
enum class DutAdapterKind { Process, External };
enum class DutReady { Announce, Log, None };

struct DutSpec {
  std::string id;
  DutRole role = DutRole::Controller;
  DutAdapterKind adapter = DutAdapterKind::Process;
  std::string base_dir;  // absolute directory of the file that declared it ({scenario_dir})
  std::vector<DutTemplate> command;
  std::vector<std::pair<std::string, DutTemplate>> env;
  std::string cwd;                   // absolute; default base_dir
  std::optional<sim::Ipv4> address;  // default: planned like a unit's (controller)
  std::string device_code = "99999-50099";
  std::string model = "MKN704";
  std::string firmware = "Ver.2.97I-03";
  DutReady ready = DutReady::Announce;
  std::string ready_log;  // the regex of `ready: {log: REGEX}`
  sim::Duration ready_timeout = sim::seconds(20);
  sim::Duration stop_timeout = sim::seconds(5);
  std::optional<bench::CoilResource> power;  // external: `power: {modbus: {...}}`
};

// Reads one `dut:` block (a map) or a `duts:` list into `out`, reporting every
// mistake into `reader` (file:line:col, did-you-mean). `base_dir` is the
// directory of the file; `unit_ids` the world's units (for {unit_address:ID});
// `taken_ids` the ids already used in the world (DUT ids must be unique).
void parse_dut_block(rig::YamlReader& reader, const YAML::Node& node, bool list,
                     const std::string& base_dir, const std::vector<std::string>& unit_ids,
                     std::vector<std::string>& taken_ids, std::vector<DutSpec>& out);

const char* to_string(DutRole r);

}  // namespace hemsrig::dut
