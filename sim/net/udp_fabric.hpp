// UdpFabric: the Fabric on real UDP sockets, so real controllers and firmware can take part.
//
// One socket per node, bound to node-address:3610 (SO_REUSEADDR, so a controller's wildcard
// 0.0.0.0:3610 socket can live beside it), plus ONE shared socket bound to 224.0.23.0:3610 and
// joined on the interface; each multicast it reads is handed to every open port except the
// sender's own (a node does not hear itself). Nodes send unicast and multicast from their own
// socket, so the source is node-address:3610. Loopback by default (multicast interface 127.0.0.1,
// TTL 0: nothing leaves the host), or a named interface for a bench LAN (TTL 1).
// No per-socket receive buffer: each socket waits for readability and is drained into one shared
// 64 KiB buffer, which keeps a 10,000-node world to a few KiB of user memory per node.
// Single-threaded like the Engine; the fabric must be destroyed before its Engine.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include <boost/asio/ip/udp.hpp>

#include "sim/core/engine.hpp"
#include "sim/net/fabric.hpp"

namespace hemsrig::sim {

struct UdpFabricOptions {
  std::uint16_t port = 3610;
  Ipv4 multicast_group = Ipv4{0xE0001700};  // 224.0.23.0
  // Empty: loopback (multicast via 127.0.0.1, TTL 0, node addresses in 127/8). Otherwise the
  // name of a bench LAN interface ("eth1"): multicast via its IPv4 address, TTL 1, and every
  // node address must be one of that interface's addresses.
  std::string interface_name;
  // Receive buffer of the shared multicast socket, which every node's multicast lands in. Best
  // effort: the kernel caps it at net.core.rmem_max unless the process may force it.
  int multicast_receive_buffer = 4 * 1024 * 1024;
};

struct UdpFabricCounters {
  std::uint64_t sent = 0;         // datagrams handed to the kernel
  std::uint64_t received = 0;     // datagrams read from the network (a multicast counts once)
  std::uint64_t delivered = 0;    // receiver calls (a multicast counts once per port)
  std::uint64_t dropped = 0;      // sends refused for lack of buffer (EAGAIN, ENOBUFS)
  std::uint64_t send_errors = 0;  // any other failed send, or a send from an unknown port
};

class UdpFabric : public Fabric {
 public:
  // Opens the shared multicast socket. Errors: "interface_not_found",
  // "interface_has_no_ipv4", "multicast_setup_failed", "too_many_open_files".
  static Result<std::unique_ptr<UdpFabric>> create(Engine& engine, UdpFabricOptions options = {});
  ~UdpFabric() override;
  UdpFabric(const UdpFabric&) = delete;
  UdpFabric& operator=(const UdpFabric&) = delete;

  // Errors: "invalid_address" (not a unicast address), "address_not_on_interface",
  // "address_in_use" ("127.0.1.5:3610 is in use by another socket": another port, fabric or
  // process holds exactly that address; a controller's wildcard 0.0.0.0:3610 is no conflict),
  // "too_many_open_files" (says to raise `ulimit -n`), "bind_failed", "socket_failed".
  Result<PortId> open(Ipv4 address, Receiver receiver) override;
  void close(PortId port) override;
  void send(PortId from, const UdpEndpoint& to, std::span<const std::uint8_t> bytes) override;
  std::string describe() const override;

  const UdpFabricCounters& counters() const { return counters_; }
  std::size_t open_ports() const { return ports_.size(); }
  // The address multicast leaves and is joined on: 127.0.0.1, or the named interface's.
  Ipv4 interface_address() const { return interface_address_; }

 private:
  struct Port;
  using Socket = boost::asio::ip::udp::socket;

  UdpFabric(Engine& engine, UdpFabricOptions options, Ipv4 interface_address,
            unsigned interface_index);
  Status open_multicast_socket();
  Status check_on_interface(Ipv4 address);
  Status bind_node_socket(Socket& socket, Ipv4 address);
  Status configure_sender(Socket& socket);
  // Waits for `id` (kMulticastSocket or a port) to be readable, then drains it.
  void arm(PortId id);
  void on_readable(PortId id);
  void deliver_unicast(PortId id, const Datagram& d);
  void deliver_multicast(const Datagram& d);
  Socket* socket_of(PortId id);

  static constexpr PortId kMulticastSocket = 0;

  Engine& engine_;
  UdpFabricOptions options_;
  Ipv4 interface_address_;
  unsigned interface_index_;
  std::unique_ptr<Socket> multicast_socket_;
  std::map<PortId, std::unique_ptr<Port>> ports_;  // ordered: multicast fan-out in open order
  std::unordered_map<std::uint32_t, PortId> port_by_address_;
  std::uint64_t port_changes_ = 0;  // opens + closes: a fan-out notices its iterator may be stale
  PortId next_port_ = 1;            // never reused, so a stale handler never reaches a newer port
  std::vector<Ipv4> interface_addresses_;  // a named interface's; empty on loopback
  bool loopback_ = true;                   // node addresses: all of 127/8
  std::vector<std::uint8_t> buffer_;       // the one receive buffer, 64 KiB
  int dispatch_depth_ = 0;
  std::vector<std::unique_ptr<Port>> closed_during_dispatch_;
  UdpFabricCounters counters_;
  std::shared_ptr<int> alive_;  // handlers hold a weak_ptr: none touches a destroyed fabric
};

}  // namespace hemsrig::sim
