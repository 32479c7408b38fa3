// WorldSpec: a simulated home as written in a world file, checked and
// resolved (classes found, initial values valid) but not yet running.
// See docs/worlds.md for the file format.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "devices/echonet/behaviours/behaviours.hpp"
#include "devices/echonet/profile.hpp"
#include "rig/dut/dut_spec.hpp"
#include "rig/world/yaml_reader.hpp"
#include "sim/core/time.hpp"
#include "sim/net/fabric.hpp"

namespace hemsrig::rig {

struct ApplianceSpec {
  std::string id;
  std::string name;  // the name a person gives it (Japanese names welcome)
  std::uint16_t class_code = 0;
  std::string node;  // appliances naming the same node share one address
  std::optional<sim::Ipv4> address;
  std::uint8_t instance = 0;  // 0: next free
  std::optional<std::uint32_t> manufacturer;
  std::vector<std::pair<std::uint8_t, echonet::Bytes>> initial;  // EPC -> EDT at boot
  echonet::BehaviourParams physics;
  std::map<std::uint8_t, std::chrono::milliseconds> response_delays;
  bool powered = true;
  std::optional<std::uint16_t> fault;  // starts with 0x88 "fault occurred" and this 0x89 code
};

// A simulated AiSEG2 unit (devices/aiseg2/unit.hpp).
struct UnitSpec {
  std::string id;
  std::string model = "MKN704";
  std::string device_code = "99999-50072";
  std::string access_password;  // empty: factory (DOMAIN R32)
  std::string firmware = "Ver.2.97I-03";
  std::optional<sim::Ipv4> address;  // its controller node; default: planned like the appliances
  std::string web_address = "127.0.0.1";
  std::uint16_t web_port = 0;  // 0: a free port
  sim::Duration install_time = std::chrono::minutes(30);
  sim::Duration reboot_time = std::chrono::minutes(2);
  bool single_bank = false;
  bool online = true;  // false: no cloud (firmware checks fail offline, DOMAIN R10)
};

// The mock cloud (devices/cloud/mock_cloud.hpp): where it listens, the
// firmware it distributes, the CLUB IDs it starts with and its time limits.
struct CloudSpec {
  std::string address = "127.0.0.1";
  std::uint16_t port = 0;
  bool tls = false;  // HTTPS with a certificate from the rig's test CA (docs/tls.md)
  struct Firmware {
    std::string model;
    std::string version;
    std::string release_notes;
    std::size_t size = 65536;  // bytes of the image the rig makes up
  };
  std::vector<Firmware> firmware;
  struct Account {  // a CLUB ID that exists when the world starts
    std::string email;
    std::string password;  // DOMAIN R20
    bool verified = true;
    std::string phone;  // set: two-step verification by SMS (DOMAIN R22)
  };
  std::vector<Account> accounts;
  sim::Duration verification_link_lifetime = sim::hours(1);       // DOMAIN R21
  sim::Duration model_change_code_lifetime = sim::hours(24 * 7);  // DOMAIN R42
  sim::Duration command_timeout = sim::seconds(10);               // docs/unit-channel.md
};

// The Modbus bench (devices/bench, docs/bench.md): one coil per unit and
// appliance node, their power and energy in input registers.
struct BenchSpec {
  std::string address = "127.0.0.1";
  std::uint16_t port = 0;  // 0: a free port
  std::uint8_t unit_id = 1;
  double unit_power_w = 5.0;  // what a powered AiSEG2 unit draws (the rig's assumption)
};

struct FabricSpec {
  // Netns: a host (network namespace) per node on a private bridge, root only (NetnsFabric).
  enum class Kind { Auto, Udp, Local, Netns };
  Kind kind = Kind::Auto;      // Auto: real sockets in real time, in-process in virtual time
  std::string interface_name;  // empty: loopback
  sim::Ipv4 base_address = sim::Ipv4(0x7F0A0000);  // 127.10.0.0
  std::chrono::milliseconds multicast_answer_spread{20};
};

struct WorldSpec {
  std::string name;
  std::string file;
  std::uint64_t seed = 1;
  std::optional<sim::CalendarTime> start;
  sim::Duration physics_step = std::chrono::seconds(60);
  FabricSpec fabric;
  std::vector<ApplianceSpec> appliances;
  std::vector<UnitSpec> units;
  std::optional<CloudSpec> cloud;
  std::optional<BenchSpec> bench;
  std::vector<dut::DutSpec> duts;  // devices under test (docs/dut.md)
};

struct WorldLoad {
  std::optional<WorldSpec> spec;  // set when there were no errors
  std::vector<Diagnostic> diagnostics;
};

// Reads and checks a world file against the profiles it will use.
WorldLoad load_world_file(const std::string& path, const echonet::ProfileLibrary& profiles);
WorldLoad load_world_text(const std::string& text, const std::string& name,
                          const echonet::ProfileLibrary& profiles);
// Checks a world already read as YAML (a scenario's `world:`), reporting into
// `reader`; nullopt when `reader` holds errors afterwards.
std::optional<WorldSpec> parse_world_node(YamlReader& reader, const YAML::Node& root,
                                          const echonet::ProfileLibrary& profiles);

}  // namespace hemsrig::rig
