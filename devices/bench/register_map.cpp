#include "devices/bench/register_map.hpp"

#include <cmath>
#include <limits>

namespace hemsrig::bench {

std::int32_t watts_register_value(double watts) {
  if (!std::isfinite(watts)) return 0;
  const double r = std::round(watts);
  if (r >= static_cast<double>(std::numeric_limits<std::int32_t>::max()))
    return std::numeric_limits<std::int32_t>::max();
  if (r <= static_cast<double>(std::numeric_limits<std::int32_t>::min()))
    return std::numeric_limits<std::int32_t>::min();
  return static_cast<std::int32_t>(r);
}

std::uint32_t watt_hours_register_value(double wh) {
  if (!std::isfinite(wh) || wh <= 0) return 0;
  const double f = std::floor(wh);
  if (f >= static_cast<double>(std::numeric_limits<std::uint32_t>::max()))
    return std::numeric_limits<std::uint32_t>::max();
  return static_cast<std::uint32_t>(f);
}

std::string_view exception_name(std::uint8_t code) {
  switch (code) {
    case 0x01:
      return "illegal function";
    case 0x02:
      return "illegal data address";
    case 0x03:
      return "illegal data value";
    case 0x04:
      return "server device failure";
    case 0x05:
      return "acknowledge";
    case 0x06:
      return "server device busy";
    case 0x07:
      return "negative acknowledge";
    case 0x08:
      return "memory parity error";
    case 0x0A:
      return "gateway path unavailable";
    case 0x0B:
      return "gateway target device failed to respond";
    default:
      return "unknown exception";
  }
}

bool request_length_ok(std::span<const std::uint8_t> pdu) {
  if (pdu.empty()) return false;
  const std::size_t n = pdu.size();
  switch (pdu[0]) {
    case 0x01:  // read coils
    case 0x02:  // read discrete inputs
    case 0x03:  // read holding registers
    case 0x04:  // read input registers
    case 0x05:  // write single coil
    case 0x06:  // write single register
      return n == 5;
    case 0x0F:  // write multiple coils: fc, address, quantity, byte count, bytes
    case 0x10:  // write multiple registers
      return n >= 6 && n == 6u + pdu[5];
    case 0x16:  // mask write register
      return n == 7;
    case 0x17:  // read/write multiple registers
      return n >= 10 && n == 10u + pdu[9];
    case 0x07:  // read exception status
    case 0x11:  // report server id
      return n == 1;
    default:
      return true;
  }
}

}  // namespace hemsrig::bench
