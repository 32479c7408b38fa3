// World: a running simulated home built from a WorldSpec: the engine, the
// fabric, one ECHONET Lite node per node key with its appliances, the
// household physics, and the trace and pcap that record it all.
//
// Two worlds in one process share nothing (each has its own engine and
// fabric), so tests and `--jobs` can run several side by side on distinct
// address ranges.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_set>
#include <vector>

#include "devices/aiseg2/unit.hpp"
#include "devices/bench/bench_server.hpp"
#include "devices/cloud/mock_cloud.hpp"
#include "devices/cloud/speaker_services.hpp"
#include "devices/echonet/household.hpp"
#include "devices/echonet/node.hpp"
#include "devices/echonet/profile.hpp"
#include "rig/world/world_spec.hpp"
#include "sim/core/engine.hpp"
#include "sim/http/fault_injector.hpp"
#include "sim/net/fabric.hpp"
#include "sim/trace/pcap_writer.hpp"
#include "sim/trace/trace.hpp"

namespace hemsrig::dut {
class Dut;
}

namespace hemsrig::rig {

struct WorldOptions {
  sim::ClockMode mode = sim::ClockMode::Virtual;
  std::optional<std::uint64_t> seed;          // overrides the file's seed
  std::string trace_path;                     // JSONL trace; empty: none
  std::string pcap_path;                      // pcap of every frame sent; empty: none
  std::optional<std::string> interface_name;  // overrides the file's fabric interface
  std::optional<sim::Ipv4> base_address;      // overrides the file's base address
  // Where units keep their energy history (SQLite, <dir>/<unit>-history.sqlite),
  // so a restarted rig keeps it; empty: in memory.
  std::string state_dir;
  // Where units answer the app's SSDP search: 1900 as on a real LAN; 0 gives
  // each unit a free port, so worlds side by side do not answer each other's apps.
  std::optional<std::uint16_t> ssdp_port;
  // Realtime only: scenario time runs `speed` times faster than the wall clock (docs/dut.md).
  double speed = 1.0;
};

// One line of `serve`'s endpoint list.
struct Endpoint {
  std::string kind;     // "echonet-node", "echonet-multicast"
  std::string id;       // node key
  std::string address;  // "127.10.0.1:3610"
  std::string detail;   // "0x013001 living_ac (リビングエアコン)"
};

class World {
 public:
  static Result<std::unique_ptr<World>> create(const WorldSpec& spec,
                                               const echonet::ProfileLibrary& profiles,
                                               WorldOptions options = {});
  ~World();
  World(const World&) = delete;
  World& operator=(const World&) = delete;

  // Powers every node that the file marks powered (binding its address) and
  // starts the physics. Fails naming the first address that cannot be bound.
  Status start();
  void stop();

  sim::Engine& engine() { return *engine_; }
  sim::Fabric& fabric() { return *fabric_; }
  echonet::Household& household() { return *household_; }
  const WorldSpec& spec() const { return spec_; }

  echonet::Node* node(const std::string& key);
  echonet::EchonetObject* appliance(const std::string& id);
  echonet::Node* node_of(const std::string& appliance_id);
  std::vector<std::string> node_keys() const;

  std::vector<Endpoint> endpoints() const;
  aiseg2::Unit* unit(const std::string& id) {
    auto it = units_.find(id);
    return it == units_.end() ? nullptr : it->second.get();
  }
  // The cloud's base URL ("http://127.0.0.1:PORT", https:// with tls), empty without a cloud.
  std::string cloud_url() const { return cloud_ ? cloud_->url() : std::string{}; }
  // With the file's `cloud: tls: true`: the PEM file of the CA that issued the cloud's HTTPS
  // certificate, for clients to trust (in tls::test_ca_dir(state_dir), or in a temporary folder
  // the World removes); empty without TLS.
  std::string cloud_ca_file() const;
  // The same CA certificate as PEM text (HttpClientOptions::ca_pem); empty without TLS.
  const std::string& cloud_ca_pem() const { return cloud_ca_pem_; }
  // The mock cloud (the file's `cloud:`), or nullptr.
  cloud::MockCloud* cloud() { return cloud_.get(); }
  // The faults of the cloud's HTTP server (docs/faults.md), also reachable
  // over /admin/faults on the cloud; nullptr without a cloud.
  http::FaultInjector* cloud_faults() { return cloud_faults_.get(); }
  trace::Trace* trace() { return trace_ ? &*trace_ : nullptr; }
  // The Modbus bench (the file's `bench:`), or nullptr. Channels: every unit in
  // file order, then every appliance node in order of first appearance.
  bench::ModbusBench* bench() { return bench_.get(); }
  // The devices under test (the spec's `duts`, docs/dut.md) in file order; nullptr for an
  // unknown id. Started by start() after the units, stopped (SIGTERM, then SIGKILL) by stop().
  dut::Dut* dut(const std::string& id);
  const std::vector<std::unique_ptr<dut::Dut>>& duts() const { return duts_; }

 private:
  World(WorldSpec spec, WorldOptions options);
  Status create_bench(const BenchSpec& bench);
  dut::TemplateValues dut_template_values(const dut::DutSpec& ds, sim::Ipv4 address) const;

  WorldSpec spec_;
  WorldOptions options_;
  std::unique_ptr<sim::Engine> engine_;
  std::unique_ptr<sim::Fabric> fabric_;
  std::optional<trace::Trace> trace_;
  std::optional<trace::PcapWriter> pcap_;
  std::unique_ptr<echonet::Household> household_;
  std::unordered_set<std::uint32_t> own_addresses_;  // every node's address
  std::vector<std::string> node_order_;
  std::map<std::string, std::unique_ptr<echonet::Node>> nodes_;
  std::map<std::string, std::pair<std::string, echonet::Eoj>> appliances_;  // id -> (node, eoj)
  // The speaker link, OAuth and Google fulfilment services inside the cloud;
  // declared first so that the cloud, which calls them, is destroyed before them.
  std::unique_ptr<cloud::SpeakerServices> speakers_;
  std::shared_ptr<http::FaultInjector> cloud_faults_;
  std::unique_ptr<cloud::MockCloud> cloud_;  // its state in <state_dir>/cloud.sqlite
  // The CA of the cloud's HTTPS (cloud_ca_file()), and without a state dir the temporary folder
  // that holds it, removed with the World.
  std::string cloud_ca_file_;
  std::string cloud_ca_pem_;
  std::string cloud_ca_temp_dir_;
  std::map<std::string, std::unique_ptr<aiseg2::Unit>> units_;
  std::vector<std::unique_ptr<dut::Dut>> duts_;  // rig/dut; before bench_: its channels use them
  std::unique_ptr<bench::ModbusBench> bench_;    // after units_ and nodes_: its channels use them
};

}  // namespace hemsrig::rig
