#include "sim/net/local_fabric.hpp"

#include <utility>

namespace hemsrig::sim {

LocalFabric::LocalFabric(Engine& engine, LocalFabricOptions options)
    : Fabric(engine, UdpEndpoint{options.multicast_group, options.port}),
      engine_(engine),
      options_(std::move(options)) {}

LocalFabric::~LocalFabric() {
  for (const auto& [flight, timer] : in_flight_) engine_.cancel(timer);
}

Result<PortId> LocalFabric::open(Ipv4 address, Receiver receiver) {
  const UdpEndpoint endpoint{address, options_.port};
  if (address.is_unspecified() || address.is_multicast() || address == Ipv4::broadcast()) {
    return make_error("invalid_address",
                      to_string(endpoint) + " is not a unicast address a node can own");
  }
  if (port_by_address_.contains(address.to_uint())) {
    return make_error("address_in_use", to_string(endpoint) + " is in use by another socket");
  }
  const PortId id = next_port_++;
  ports_.emplace(id, std::make_unique<Port>(Port{address, std::move(receiver)}));
  port_by_address_.emplace(address.to_uint(), id);
  return id;
}

void LocalFabric::close(PortId id) {
  auto it = ports_.find(id);
  if (it == ports_.end()) return;
  port_by_address_.erase(it->second->address.to_uint());
  // A receiver may close its own port: keep its std::function alive until the dispatch returns.
  if (dispatch_depth_ > 0) closed_during_dispatch_.push_back(std::move(it->second));
  ports_.erase(it);
}

void LocalFabric::send(PortId from, const UdpEndpoint& to, std::span<const std::uint8_t> bytes) {
  auto it = ports_.find(from);
  if (it == ports_.end()) {
    ++counters_.send_errors;
    return;
  }
  const UdpEndpoint source{it->second->address, options_.port};
  ++counters_.sent;
  notify(Direction::Sent, Datagram{source, to, bytes});
  // The copy travels with the timer: the sender's buffer may be gone by the time it arrives.
  const std::uint64_t flight = next_flight_++;
  const TimerId timer = engine_.after(
      options_.latency,
      [this, flight, source, to, copy = std::vector<std::uint8_t>(bytes.begin(), bytes.end())] {
        arrive(flight, Datagram{source, to, std::span<const std::uint8_t>(copy)});
      });
  in_flight_.emplace(flight, timer);
}

void LocalFabric::arrive(std::uint64_t flight, const Datagram& d) {
  in_flight_.erase(flight);
  ++dispatch_depth_;
  if (d.to == multicast_group()) {
    ++counters_.received;
    notify(Direction::Received, d);
    deliver_multicast(d);
  } else if (auto a = port_by_address_.find(d.to.address.to_uint());
             d.to.port == options_.port && a != port_by_address_.end()) {
    ++counters_.received;
    notify(Direction::Received, d);
    if (auto p = ports_.find(a->second); p != ports_.end()) {  // an observer may have closed it
      ++counters_.delivered;
      p->second->receiver(d);
    }
  } else {
    ++counters_.dropped;  // nobody has that address (or listens on that UDP port)
  }
  if (--dispatch_depth_ == 0) closed_during_dispatch_.clear();
}

void LocalFabric::deliver_multicast(const Datagram& d) {
  // A node does not hear itself.
  PortId sender = 0;
  if (auto s = port_by_address_.find(d.from.address.to_uint()); s != port_by_address_.end()) {
    sender = s->second;
  }
  // Ports opened by a receiver during this fan-out do not get this datagram.
  const PortId last = next_port_ - 1;
  for (auto it = ports_.begin(); it != ports_.end() && it->first <= last;) {
    const PortId id = it->first;
    if (id != sender) {
      ++counters_.delivered;
      it->second->receiver(d);
    }
    it = ports_.upper_bound(id);  // receivers may open and close ports
  }
}

std::string LocalFabric::describe() const {
  return "local in-process " + to_string(multicast_group());
}

}  // namespace hemsrig::sim
