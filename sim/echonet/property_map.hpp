// Property maps (EPC 0x9D, 0x9E, 0x9F; specification Part 2, Appendix 1):
// fewer than 16 properties are listed (count, then each EPC); from 16 on they
// are a 17-byte bitmap (count, then 16 bytes where bit b of byte i marks EPC
// 0x80 + 0x10*b + i).
#pragma once

#include <cstdint>
#include <set>
#include <span>

#include "sim/core/result.hpp"
#include "sim/echonet/frame.hpp"

namespace hemsrig::echonet {

using EpcSet = std::set<std::uint8_t>;

// EPCs below 0x80 cannot be in a map and are ignored.
Bytes encode_property_map(const EpcSet& epcs);
// Error codes: "empty", "count_mismatch", "bad_length", "bad_epc".
Result<EpcSet> decode_property_map(std::span<const std::uint8_t> edt);

}  // namespace hemsrig::echonet
