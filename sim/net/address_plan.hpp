// Address plan: which loopback address each simulated node gets.
//
// Every node of a loopback world binds its own 127.x.y.z address (the whole 127/8 sits on `lo`,
// nothing has to be added). loopback_address(i) hands out 127.1.0.1, 127.1.0.2, ... 127.1.0.254,
// 127.1.1.1, ...: host parts .0 and .255 are skipped, 254 nodes per /24, so a 10,000-node world
// ends at 127.1.39.94. Tests pass their own base (127.77.0.0, ...) to keep clear of each other and
// of a running hemsrig.
#pragma once

#include <cstdint>

#include <boost/asio/ip/address_v4.hpp>

namespace hemsrig::sim {

using Ipv4 = boost::asio::ip::address_v4;

// Default base of node addresses: 127.1.0.0 (127.0.0.1 stays for the controllers of the host).
inline constexpr std::uint32_t kLoopbackNodeBase = 0x7F010000;

// The index-th node address above `base` (its last octet is ignored: blocks start at .1).
// Returns 0.0.0.0, which every fabric refuses, when the index runs past the end of the base's /8
// (127/8 for loopback). A bench LAN base (10.250.0.0 with --interface) follows the same plan.
Ipv4 loopback_address(std::uint32_t index, std::uint32_t base = kLoopbackNodeBase);

// How many node addresses loopback_address() can hand out above `base`.
std::uint32_t loopback_address_count(std::uint32_t base = kLoopbackNodeBase);

}  // namespace hemsrig::sim
