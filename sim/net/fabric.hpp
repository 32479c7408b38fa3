// Fabric: the UDP network that ECHONET Lite nodes live on.
//
// A node opens a Port at its own IPv4 address (port 3610 by default); it then
// receives the unicast frames sent to that address and every multicast frame
// sent to the group, and sends from that address. Two fabrics share this
// interface:
//  - UdpFabric: real sockets (loopback 127.x.y.z by default, or a named
//    interface for a bench LAN), so a real controller or firmware can join.
//  - LocalFabric: in-process delivery through the Engine's timers, for
//    virtual-time worlds where nothing outside the process takes part; it is
//    exact and repeatable, and still feeds the trace and the pcap.
// Observers see every datagram a fabric sends or receives (trace, pcap, the
// scenario runner's "frames seen").
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include <boost/asio/ip/address_v4.hpp>

#include "sim/core/result.hpp"
#include "sim/core/time.hpp"

namespace hemsrig::sim {

class Engine;

using Ipv4 = boost::asio::ip::address_v4;

struct UdpEndpoint {
  Ipv4 address;
  std::uint16_t port = 3610;
  bool operator==(const UdpEndpoint&) const = default;
};
std::string to_string(const UdpEndpoint& e);  // "127.0.1.2:3610"

struct Datagram {
  UdpEndpoint from;
  UdpEndpoint to;  // the node's own address, or the multicast group
  std::span<const std::uint8_t> bytes;
};

enum class Direction { Sent, Received };

using PortId = std::uint32_t;

class Fabric {
 public:
  using Receiver = std::function<void(const Datagram&)>;
  using Observer = std::function<void(Direction, const Datagram&, Time)>;

  virtual ~Fabric() = default;

  // Opens the node's port at `address`. Fails with "address_in_use" when
  // another port (of this or another process) holds it.
  virtual Result<PortId> open(Ipv4 address, Receiver receiver) = 0;
  virtual void close(PortId port) = 0;
  // Sends from the port's own address. Unicast to `to`, or multicast when
  // `to` is the group. Never blocks; a datagram that cannot be sent is
  // counted and traced, not thrown.
  virtual void send(PortId from, const UdpEndpoint& to, std::span<const std::uint8_t> bytes) = 0;

  // The group every port hears (224.0.23.0:3610 unless configured).
  UdpEndpoint multicast_group() const { return group_; }
  // Adds an observer of every datagram this fabric sends or receives: one
  // Sent per datagram a port sends, one Received per datagram that arrives
  // (a multicast once, however many ports it reaches), stamped with the
  // engine's time.
  void observe(Observer observer) { observers_.push_back(std::move(observer)); }
  // Human description for `serve`: "udp loopback 224.0.23.0:3610".
  virtual std::string describe() const = 0;

 protected:
  Fabric(const Engine& engine, UdpEndpoint group) : clock_(engine), group_(group) {}
  // Tells every observer, stamped with the engine's time; free when nobody observes.
  void notify(Direction direction, const Datagram& d);

 private:
  const Engine& clock_;
  UdpEndpoint group_;
  std::deque<Observer> observers_;
};

}  // namespace hemsrig::sim
