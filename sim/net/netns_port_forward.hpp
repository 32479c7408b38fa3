// NetnsPortForward: lets the hosts of a NetnsFabric reach a TCP service of the rig (the cloud,
// a unit's web pages, the Modbus bench) that listens in the rig's own network namespace. It
// listens inside a namespace (the bridge's) and relays each connection byte for byte to the
// service, so TLS passes through untouched; the host's network is never changed. A service that
// refuses the relay's connect (down, or offline by a fault) shows as a reset connection.
// Single-threaded on the Engine's io_context; destroy it before the Engine.
#pragma once

#include <cstdint>
#include <memory>

#include <boost/asio/ip/tcp.hpp>

#include "sim/core/engine.hpp"
#include "sim/core/result.hpp"
#include "sim/net/network_namespace.hpp"

namespace hemsrig::sim {

struct NetnsPortForwardCounters {
  std::uint64_t connections = 0;  // accepted in the namespace
  std::uint64_t relayed = 0;      // connected through to the service
  std::uint64_t refused = 0;      // the service could not be reached: reset
};

class NetnsPortForward {
 public:
  using tcp = boost::asio::ip::tcp;
  // Listens at `listen_at` inside `ns` (port 0: a free one) and relays to `target` (in the
  // caller's namespace). Errors: "socket_failed", "address_in_use", "bind_failed".
  static Result<std::unique_ptr<NetnsPortForward>> create(Engine& engine,
                                                          const NetworkNamespace& ns,
                                                          tcp::endpoint listen_at,
                                                          tcp::endpoint target);
  ~NetnsPortForward();  // closes the listener and every relayed connection
  NetnsPortForward(const NetnsPortForward&) = delete;
  NetnsPortForward& operator=(const NetnsPortForward&) = delete;

  tcp::endpoint endpoint() const { return endpoint_; }  // where the hosts connect
  tcp::endpoint target() const { return target_; }
  const NetnsPortForwardCounters& counters() const;

  struct State;  // shared with pending handlers

 private:
  NetnsPortForward(tcp::endpoint endpoint, tcp::endpoint target, std::shared_ptr<State> state)
      : endpoint_(endpoint), target_(target), state_(std::move(state)) {}
  tcp::endpoint endpoint_;
  tcp::endpoint target_;
  std::shared_ptr<State> state_;
};

}  // namespace hemsrig::sim
