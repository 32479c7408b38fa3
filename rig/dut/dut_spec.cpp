// Reads `dut:` blocks and `duts:` lists (docs/dut.md) with the world's YAML
// reader, so every mistake is file:line:col with a did-you-mean.
#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <regex>

#include "devices/aiseg2/device_code.hpp"
#include "devices/aiseg2/model.hpp"
#include "rig/dut/dut_spec.hpp"
#include "rig/world/yaml_reader.hpp"

namespace hemsrig::dut {

namespace {

namespace fs = std::filesystem;

const std::vector<std::string> kDutKeys{
    "id",          "role",  "adapter",  "command", "env",           "cwd",          "address",
    "device_code", "model", "firmware", "ready",   "ready_timeout", "stop_timeout", "power"};
const std::vector<std::string> kPowerKeys{"modbus"};
const std::vector<std::string> kModbusKeys{"host", "port", "unit_id", "coil", "invert"};
const std::vector<std::string> kReadyKeys{"log"};

std::optional<DutTemplate> read_template(rig::YamlReader& r, const YAML::Node& n,
                                         const std::vector<std::string>& unit_ids) {
  if (!n.IsScalar()) {
    r.error(n, "expected text (a template such as \"{address}\")");
    return std::nullopt;
  }
  auto t = DutTemplate::parse(n.Scalar(), unit_ids);
  if (!t) {
    r.error(n, t.error().message);
    return std::nullopt;
  }
  return std::move(*t);
}

std::optional<sim::Duration> read_duration(rig::YamlReader& r, const YAML::Node& map,
                                           const char* key) {
  auto d = r.duration_ns(map, key);
  if (!d) return std::nullopt;
  if (*d <= 0) {
    r.error(map[key], fmt::format("'{}' must be longer than 0", key));
    return std::nullopt;
  }
  return sim::Duration{*d};
}

void parse_power(rig::YamlReader& r, const YAML::Node& n, DutSpec& d) {
  if (!r.expect_map(n, "'power' of a DUT", kPowerKeys) && !n.IsMap()) return;
  const YAML::Node m = n["modbus"];
  if (!m) {
    r.error(n, "'power' needs 'modbus: {host, port, unit_id, coil, invert}' (a relay coil)");
    return;
  }
  if (!r.expect_map(m, "'modbus' of a DUT's power", kModbusKeys) && !m.IsMap()) return;
  bench::CoilResource c;
  if (auto s = r.string(m, "host", true)) c.host = *s;
  if (auto p = r.integer(m, "port", 1, 65535)) c.port = static_cast<std::uint16_t>(*p);
  if (auto u = r.integer(m, "unit_id", 0, 255)) c.unit_id = static_cast<std::uint8_t>(*u);
  if (auto k = r.integer(m, "coil", 0, 65535, true)) c.coil = static_cast<std::uint16_t>(*k);
  if (auto b = r.boolean(m, "invert")) c.invert = *b;
  d.power = c;
}

void parse_one(rig::YamlReader& r, const YAML::Node& n, const std::string& base_dir,
               const std::vector<std::string>& unit_ids, std::vector<std::string>& taken,
               std::vector<DutSpec>& out) {
  if (!r.expect_map(n, "a DUT", kDutKeys) && !n.IsMap()) return;
  DutSpec d;
  d.base_dir = base_dir;
  d.cwd = base_dir;
  if (auto s = r.string(n, "id", true)) {
    d.id = *s;
    if (std::find(taken.begin(), taken.end(), d.id) != taken.end())
      r.error(n["id"], fmt::format("id '{}' is used twice; ids must be unique", d.id));
    taken.push_back(d.id);
  }
  if (auto s = r.string(n, "role")) {
    if (*s == "controller")
      d.role = DutRole::Controller;
    else if (*s == "app")
      d.role = DutRole::App;
    else
      r.error(n["role"], fmt::format("'role' must be controller or app, found '{}'", *s));
  }
  d.ready = d.role == DutRole::Controller ? DutReady::Announce : DutReady::None;
  if (auto s = r.string(n, "adapter")) {
    if (*s == "process")
      d.adapter = DutAdapterKind::Process;
    else if (*s == "external")
      d.adapter = DutAdapterKind::External;
    else
      r.error(n["adapter"], fmt::format("'adapter' must be process or external, found '{}'", *s));
  }
  if (const YAML::Node cmd = n["command"]) {
    if (!cmd.IsSequence() || cmd.size() == 0) {
      r.error(cmd, "'command' must be a non-empty list: [PROGRAM, ARG, ...]");
    } else {
      for (const auto& a : cmd) {
        if (auto t = read_template(r, a, unit_ids)) d.command.push_back(std::move(*t));
      }
    }
  } else if (d.adapter == DutAdapterKind::Process) {
    r.error(n, "a DUT with 'adapter: process' needs 'command' (the program and its arguments)");
  }
  if (d.adapter == DutAdapterKind::External && n["command"])
    r.error(n["command"], "an external DUT is already running: it takes no 'command'");
  if (const YAML::Node env = n["env"]) {
    if (!env.IsMap()) {
      r.error(env, "'env' must map variable names to values, e.g. {DUT_LOG: debug}");
    } else {
      for (const auto& kv : env) {
        if (auto t = read_template(r, kv.second, unit_ids))
          d.env.emplace_back(kv.first.Scalar(), std::move(*t));
      }
    }
  }
  if (auto s = r.string(n, "cwd")) {
    fs::path p(*s);
    d.cwd = (p.is_absolute() ? p : fs::path(base_dir) / p).lexically_normal().string();
  }
  if (auto s = r.string(n, "address")) {
    boost::system::error_code ec;
    auto a = boost::asio::ip::make_address_v4(*s, ec);
    if (ec)
      r.error(n["address"], fmt::format("'address' must be an IPv4 address, found '{}'", *s));
    else
      d.address = a;
  }
  if (auto s = r.string(n, "device_code")) {
    if (auto c = aiseg2::DeviceCode::parse(*s); !c) r.error(n["device_code"], c.error().message);
    d.device_code = *s;
  }
  if (auto s = r.string(n, "model")) {
    if (aiseg2::find_model(*s) == nullptr)  // DOMAIN R2
      r.error(n["model"], fmt::format("'{}' is not an AiSEG2 model the services support: MKN704, "
                                      "MKN705 or MKN713 (DOMAIN R2)",
                                      *s));
    d.model = *s;
  }
  if (auto s = r.string(n, "firmware")) d.firmware = *s;
  if (const YAML::Node ready = n["ready"]) {
    if (ready.IsMap()) {
      if (r.expect_map(ready, "'ready'", kReadyKeys)) {
        if (auto s = r.string(ready, "log", true)) {
          try {
            std::regex re(*s);
            d.ready = DutReady::Log;
            d.ready_log = *s;
          } catch (const std::regex_error& e) {
            r.error(ready["log"],
                    fmt::format("'{}' is not a regular expression: {}", *s, e.what()));
          }
        }
      }
    } else if (ready.IsScalar() && ready.Scalar() == "announce") {
      d.ready = DutReady::Announce;
    } else if (ready.IsScalar() && ready.Scalar() == "none") {
      d.ready = DutReady::None;
    } else {
      r.error(ready, "'ready' must be announce, none or {log: REGEX}");
    }
  }
  if (d.ready == DutReady::Announce && d.role == DutRole::App)
    r.error(n["ready"] ? n["ready"] : n,
            "an app DUT has no ECHONET Lite node to announce: use none or {log: REGEX}");
  if (auto t = read_duration(r, n, "ready_timeout")) d.ready_timeout = *t;
  if (auto t = read_duration(r, n, "stop_timeout")) d.stop_timeout = *t;
  if (d.adapter == DutAdapterKind::External && d.role == DutRole::Controller && !d.address &&
      !n["address"])
    r.error(n, "an external controller DUT needs 'address' (where it already is on the fabric)");
  if (const YAML::Node p = n["power"]) {
    if (d.adapter != DutAdapterKind::External)
      r.error(p, "'power' is for external DUTs; a process DUT gets a bench channel");
    else
      parse_power(r, p, d);
  }
  out.push_back(std::move(d));
}

}  // namespace

void parse_dut_block(rig::YamlReader& r, const YAML::Node& node, bool list,
                     const std::string& base_dir, const std::vector<std::string>& unit_ids,
                     std::vector<std::string>& taken_ids, std::vector<DutSpec>& out) {
  const std::string abs =
      fs::absolute(base_dir.empty() ? "." : base_dir).lexically_normal().string();
  if (!list) {
    parse_one(r, node, abs, unit_ids, taken_ids, out);
    return;
  }
  if (!r.expect_sequence(node, "'duts'")) return;
  for (const auto& d : node) parse_one(r, d, abs, unit_ids, taken_ids, out);
}

}  // namespace hemsrig::dut
