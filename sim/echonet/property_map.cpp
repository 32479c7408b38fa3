#include "sim/echonet/property_map.hpp"

#include <fmt/format.h>

#include <iterator>

namespace hemsrig::echonet {

namespace {

constexpr std::size_t kListLimit = 16;  // from 16 properties on, the bitmap form
constexpr std::size_t kBitmapBytes = 16;
constexpr std::uint8_t kFirstEpc = 0x80;

// Bit b of byte i marks EPC 0x80 + 0x10*b + i: the low nibble picks the byte,
// the high nibble (less 8) picks the bit.
constexpr std::size_t bitmap_byte(std::uint8_t epc) {
  return epc & 0x0F;
}
constexpr unsigned bitmap_bit(std::uint8_t epc) {
  return (epc >> 4) - 8u;
}

}  // namespace

Bytes encode_property_map(const EpcSet& epcs) {
  // std::set is ordered, so everything from lower_bound(0x80) on is a valid EPC.
  const auto first = epcs.lower_bound(kFirstEpc);
  const auto count = static_cast<std::size_t>(std::distance(first, epcs.end()));
  // Sized up front and written by index: GCC 12 at -O2 mistakes a range insert
  // after a one-byte vector for an overflow (-Warray-bounds).
  if (count < kListLimit) {
    Bytes out(1 + count);
    out[0] = static_cast<std::uint8_t>(count);
    std::size_t i = 1;
    for (auto it = first; it != epcs.end(); ++it) out[i++] = *it;
    return out;
  }
  Bytes out(1 + kBitmapBytes, 0);
  out[0] = static_cast<std::uint8_t>(count);
  for (auto it = first; it != epcs.end(); ++it) {
    out[1 + bitmap_byte(*it)] |= static_cast<std::uint8_t>(1u << bitmap_bit(*it));
  }
  return out;
}

Result<EpcSet> decode_property_map(std::span<const std::uint8_t> edt) {
  if (edt.empty()) {
    return make_error("empty", "property map has no bytes; expected at least the count byte");
  }
  const std::size_t count = edt[0];
  EpcSet epcs;
  if (count < kListLimit) {
    if (edt.size() != 1 + count) {
      return make_error("bad_length", fmt::format("property map lists {} EPCs, so needs {} bytes "
                                                  "(count + list), got {}",
                                                  count, 1 + count, edt.size()));
    }
    for (std::size_t i = 1; i < edt.size(); ++i) {
      if (edt[i] < kFirstEpc) {
        return make_error("bad_epc", fmt::format("EPC 0x{:02X} at offset {} of the property map "
                                                 "is below 0x80",
                                                 edt[i], i));
      }
      epcs.insert(edt[i]);
    }
    if (epcs.size() != count) {
      return make_error("count_mismatch", fmt::format("property map count is {}, but it lists "
                                                      "only {} distinct EPCs",
                                                      count, epcs.size()));
    }
    return epcs;
  }
  if (edt.size() != 1 + kBitmapBytes) {
    return make_error("bad_length", fmt::format("property map of {} EPCs is a bitmap, so needs "
                                                "{} bytes (count + 16), got {}",
                                                count, 1 + kBitmapBytes, edt.size()));
  }
  for (std::size_t i = 0; i < kBitmapBytes; ++i) {
    for (unsigned b = 0; b < 8; ++b) {
      if (edt[1 + i] & (1u << b)) epcs.insert(static_cast<std::uint8_t>(kFirstEpc + 0x10 * b + i));
    }
  }
  if (epcs.size() != count) {
    return make_error("count_mismatch", fmt::format("property map count is {}, but its bitmap "
                                                    "marks {} EPCs",
                                                    count, epcs.size()));
  }
  return epcs;
}

}  // namespace hemsrig::echonet
