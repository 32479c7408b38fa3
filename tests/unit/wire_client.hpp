// WireClient: a plain UDP socket that plays an external ECHONET Lite
// controller in tests: it sends frames to simulated nodes over the real
// loopback and collects what comes back, while the test drives the engine.
#pragma once

#include <boost/asio/ip/multicast.hpp>
#include <boost/asio/ip/udp.hpp>
#include <chrono>
#include <functional>
#include <optional>
#include <vector>

#include "sim/core/engine.hpp"
#include "sim/echonet/frame.hpp"
#include "sim/net/fabric.hpp"

namespace hemsrig::testing {

struct Received {
  echonet::Frame frame;
  sim::UdpEndpoint from;
  bool multicast = false;
};

class WireClient {
 public:
  // Binds `address`:3610 (SO_REUSEADDR, like real controllers) and, when
  // asked, a second socket on the multicast group joined on loopback.
  WireClient(sim::Engine& engine, sim::Ipv4 address, bool join_multicast = true);

  void send(const sim::UdpEndpoint& to, const echonet::Frame& frame);
  void send_raw(const sim::UdpEndpoint& to, const std::vector<std::uint8_t>& bytes);
  // Sends from an ephemeral source port, not 3610.
  void send_from_ephemeral_port(const sim::UdpEndpoint& to, const echonet::Frame& frame);

  // Runs the engine until a frame matching `want` arrives from one of
  // `sources` (any source when empty), or `timeout` of wall time passes.
  std::optional<Received> await(
      const std::function<bool(const Received&)>& want,
      std::chrono::milliseconds timeout = std::chrono::milliseconds(2000));
  // Everything that arrived while the engine ran for `d`.
  std::vector<Received> collect_for(std::chrono::milliseconds d);

  sim::Ipv4 address() const { return address_; }

 private:
  void drain();

  sim::Engine& engine_;
  sim::Ipv4 address_;
  boost::asio::ip::udp::socket unicast_;
  std::optional<boost::asio::ip::udp::socket> multicast_;
  boost::asio::ip::udp::socket ephemeral_;
  std::vector<Received> inbox_;
};

}  // namespace hemsrig::testing
