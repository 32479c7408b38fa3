// LocalFabric: the Fabric inside the process, for worlds where nothing outside takes part.
//
// send() copies the bytes and schedules the delivery on the Engine's timer queue after
// `latency` (0: the next turn of the loop, still through the queue), so deliveries run in send
// order and a virtual-time world gives the same trace on every run. Unicast reaches the open port
// that owns the address; multicast reaches every open port but the sender's; anything else is
// dropped and counted. Single-threaded like the Engine; destroying the fabric cancels what is
// still in flight.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "sim/core/engine.hpp"
#include "sim/net/fabric.hpp"

namespace hemsrig::sim {

struct LocalFabricOptions {
  std::uint16_t port = 3610;
  Ipv4 multicast_group = Ipv4{0xE0001700};  // 224.0.23.0
  Duration latency = Duration::zero();      // from send() to delivery
};

struct LocalFabricCounters {
  std::uint64_t sent = 0;         // datagrams accepted by send()
  std::uint64_t received = 0;     // datagrams that arrived (a multicast counts once)
  std::uint64_t delivered = 0;    // receiver calls (a multicast counts once per port)
  std::uint64_t dropped = 0;      // arrived for no open port (unknown address, other UDP port)
  std::uint64_t send_errors = 0;  // send() from a port that is not open
};

class LocalFabric : public Fabric {
 public:
  explicit LocalFabric(Engine& engine, LocalFabricOptions options = {});
  ~LocalFabric() override;
  LocalFabric(const LocalFabric&) = delete;
  LocalFabric& operator=(const LocalFabric&) = delete;

  // Errors: "invalid_address", "address_in_use" ("127.0.1.5:3610 is in use by another socket").
  Result<PortId> open(Ipv4 address, Receiver receiver) override;
  void close(PortId port) override;
  void send(PortId from, const UdpEndpoint& to, std::span<const std::uint8_t> bytes) override;
  std::string describe() const override;

  const LocalFabricCounters& counters() const { return counters_; }
  std::size_t open_ports() const { return ports_.size(); }
  std::size_t in_flight() const { return in_flight_.size(); }

 private:
  struct Port {
    Ipv4 address;
    Receiver receiver;
  };

  void arrive(std::uint64_t flight, const Datagram& d);
  void deliver_multicast(const Datagram& d);

  Engine& engine_;
  LocalFabricOptions options_;
  std::map<PortId, std::unique_ptr<Port>> ports_;  // ordered: fan-out in open order
  std::unordered_map<std::uint32_t, PortId> port_by_address_;
  PortId next_port_ = 1;
  std::unordered_map<std::uint64_t, TimerId> in_flight_;  // cancelled when the fabric dies
  std::uint64_t next_flight_ = 0;
  LocalFabricCounters counters_;
  int dispatch_depth_ = 0;
  std::vector<std::unique_ptr<Port>> closed_during_dispatch_;
};

}  // namespace hemsrig::sim
