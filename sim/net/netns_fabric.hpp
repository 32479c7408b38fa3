// NetnsFabric: the Fabric on a private bridged network, where every node address is a host of
// its own (a Linux network namespace with one veth into a bridge), so a node, or a device under
// test started with `ip netns exec NAME`, sees one interface, one address and real multicast,
// like a box on a LAN. Root only: netns_support() says why not, and create() fails with
// "netns_unavailable" instead. See docs/ARCHITECTURE.md ("Networks") for the layout.
// The bridge lives in a namespace of its own (hemsrig-<pid>-<k>-br), so the host's network is
// never touched; destroying the fabric deletes every namespace it made (and with them the veths
// and the bridge). Single-threaded like the Engine; destroy the fabric before its Engine.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/ip/udp.hpp>

#include "sim/core/engine.hpp"
#include "sim/net/fabric.hpp"
#include "sim/net/netns_port_forward.hpp"
#include "sim/net/network_namespace.hpp"

namespace hemsrig::sim {

struct NetnsFabricOptions {
  std::uint16_t port = 3610;
  Ipv4 multicast_group = Ipv4{0xE0001700};  // 224.0.23.0
  // The bridged network. Node addresses must lie in it; its last usable address
  // (192.168.255.254) is the bridge's own, where the fabric watches multicast.
  Ipv4 network = Ipv4{0xC0A80000};  // 192.168.0.0
  int prefix_length = 16;
};

struct NetnsFabricCounters {
  std::uint64_t sent = 0;         // datagrams handed to the kernel
  std::uint64_t received = 0;     // datagrams read (unicast at a node, multicast at the bridge)
  std::uint64_t delivered = 0;    // receiver calls
  std::uint64_t send_errors = 0;  // failed sends (counted, never thrown)
};

class NetnsFabric : public Fabric {
 public:
  // Makes the bridge namespace. Removes namespaces that killed runs left behind first.
  // Errors: "netns_unavailable" (not root, no `ip`, HEMSRIG_NETNS=off: the message says which),
  // "invalid_network", "ip_failed", "socket_failed".
  static Result<std::unique_ptr<NetnsFabric>> create(Engine& engine,
                                                     NetnsFabricOptions options = {});
  ~NetnsFabric() override;
  NetnsFabric(const NetnsFabric&) = delete;
  NetnsFabric& operator=(const NetnsFabric&) = delete;

  // Gives `address` its host (made on first use, kept across close/open so a node's reboot
  // keeps its host) and opens the node's sockets inside it. Errors: "invalid_address" (not in
  // the network, or the bridge's address), "address_in_use", "ip_failed", "socket_failed".
  Result<PortId> open(Ipv4 address, Receiver receiver) override;
  void close(PortId port) override;
  void send(PortId from, const UdpEndpoint& to, std::span<const std::uint8_t> bytes) override;
  std::string describe() const override;

  // A host without a node of ours, for a device under test: run it with
  // `ip netns exec <returned name> COMMAND`. Same errors as open().
  Result<std::string> add_host(Ipv4 address);
  // The namespace of the host with this address ("" when there is none yet).
  std::string namespace_of(Ipv4 address) const;
  // The bridge's namespace, and every namespace this fabric made (bridge first).
  const std::string& bridge_namespace() const { return bridge_->name(); }
  std::vector<std::string> namespaces() const;
  Ipv4 bridge_address() const { return bridge_address_; }
  // Makes a TCP service of the rig (the cloud, a unit's web pages, the bench: listening at
  // `target` in the rig's own namespace) reachable from every host at the bridge's address, on
  // the same port when it is free there (NetnsPortForward). The same target again gives the
  // same endpoint. Errors: NetnsPortForward::create's.
  Result<boost::asio::ip::tcp::endpoint> forward_tcp(const boost::asio::ip::tcp::endpoint& target);

  const NetnsFabricCounters& counters() const { return counters_; }

 private:
  struct Host;
  struct Port;
  using Socket = boost::asio::ip::udp::socket;

  NetnsFabric(Engine& engine, NetnsFabricOptions options, std::string stem,
              NetworkNamespace bridge);
  Result<Host*> host_for(Ipv4 address);
  Result<std::unique_ptr<Socket>> open_udp(const NetworkNamespace& ns, Ipv4 bind_to,
                                           Ipv4 multicast_interface, bool join);
  // Waits for the socket to be readable, then drains it. Port 0 is the bridge's monitor.
  void arm(Socket& socket, PortId id, bool multicast);
  void on_readable(PortId id, bool multicast);
  Socket* socket_of(PortId id, bool multicast);

  Engine& engine_;
  NetnsFabricOptions options_;
  std::string stem_;  // hemsrig-<pid>-<k>: every namespace name starts with it
  Ipv4 bridge_address_;
  std::unique_ptr<NetworkNamespace> bridge_;
  std::vector<std::unique_ptr<NetnsPortForward>> forwards_;  // into the rig's namespace
  std::unique_ptr<Socket> monitor_;  // multicast on the bridge: each group frame once
  std::map<std::uint32_t, std::unique_ptr<Host>> hosts_;  // by address
  std::map<PortId, std::unique_ptr<Port>> ports_;
  std::map<std::uint32_t, PortId> port_by_address_;
  PortId next_port_ = 1;
  std::uint32_t next_link_ = 0;  // veth names on the bridge: v0, v1, ...
  std::vector<std::uint8_t> buffer_;
  int dispatch_depth_ = 0;
  std::vector<std::unique_ptr<Port>> closed_during_dispatch_;  // kept until the dispatch returns
  NetnsFabricCounters counters_;
  std::shared_ptr<int> alive_;  // handlers hold a weak_ptr: none touches a destroyed fabric
};

}  // namespace hemsrig::sim
