#include "sim/net/fabric.hpp"

#include "sim/core/engine.hpp"

namespace hemsrig::sim {

std::string to_string(const UdpEndpoint& e) {
  return e.address.to_string() + ":" + std::to_string(e.port);
}

void Fabric::notify(Direction direction, const Datagram& d) {
  if (observers_.empty()) return;
  const Time now = clock_.now();
  // Index loop over a deque: an observer may add observers without invalidating the running one.
  for (std::size_t i = 0; i < observers_.size(); ++i) observers_[i](direction, d, now);
}

}  // namespace hemsrig::sim
