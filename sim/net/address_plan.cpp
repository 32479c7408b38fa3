#include "sim/net/address_plan.hpp"

#include <string>

namespace hemsrig::sim {

namespace {
constexpr std::uint32_t kHostsPerBlock = 254;  // .1 .. .254
}  // namespace

std::uint32_t loopback_address_count(std::uint32_t base) {
  const std::uint32_t first_block = base & 0xFFFFFF00u;
  // The plan stays inside the base's /8 (127/8 on loopback; a bench LAN's
  // addresses must be on its interface anyway, which the fabric checks).
  const std::uint64_t end = (static_cast<std::uint64_t>(first_block >> 24) + 1) << 24;
  if (first_block == 0) return 0;
  return static_cast<std::uint32_t>((end - first_block) / 256 * kHostsPerBlock);
}

Ipv4 loopback_address(std::uint32_t index, std::uint32_t base) {
  if (index >= loopback_address_count(base)) return Ipv4{};
  const std::uint32_t block = (base & 0xFFFFFF00u) + (index / kHostsPerBlock) * 256;
  return Ipv4{block + index % kHostsPerBlock + 1};
}

}  // namespace hemsrig::sim
