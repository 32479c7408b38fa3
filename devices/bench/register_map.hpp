// The Modbus bench's register map (docs/bench.md has it as one table):
// coil N switches channel N; input registers 6N..6N+5 hold its power (W,
// signed) and energy drawn and supplied (Wh), each a 32-bit value in two
// registers, high word first; holding registers 0..3 describe the map.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

namespace hemsrig::bench {

inline constexpr std::uint16_t kMapVersion = 1;
inline constexpr std::uint16_t kRegistersPerChannel = 6;
// Offsets inside a channel's block of input registers.
inline constexpr std::uint16_t kPowerW = 0;      // int32, W, negative = supplies
inline constexpr std::uint16_t kEnergyWh = 2;    // uint32, Wh drawn since the bench started
inline constexpr std::uint16_t kSuppliedWh = 4;  // uint32, Wh supplied since the bench started
// Holding registers (read only: a write is answered with exception 0x01).
inline constexpr std::uint16_t kHoldingMapVersion = 0;
inline constexpr std::uint16_t kHoldingChannelCount = 1;
inline constexpr std::uint16_t kHoldingRegistersPerChannel = 2;
inline constexpr std::uint16_t kHoldingUnitId = 3;
inline constexpr std::uint16_t kHoldingCount = 4;
// 6 registers a channel in a 16-bit address space.
inline constexpr std::size_t kMaxChannels = 65536 / kRegistersPerChannel;

// A 32-bit value in two registers, high word first ("big-endian word order").
inline void put_u32(std::uint16_t* regs, std::uint32_t v) {
  regs[0] = static_cast<std::uint16_t>(v >> 16);
  regs[1] = static_cast<std::uint16_t>(v & 0xFFFF);
}
inline void put_s32(std::uint16_t* regs, std::int32_t v) {
  put_u32(regs, static_cast<std::uint32_t>(v));
}
inline std::uint32_t get_u32(const std::uint16_t* regs) {
  return (static_cast<std::uint32_t>(regs[0]) << 16) | regs[1];
}
inline std::int32_t get_s32(const std::uint16_t* regs) {
  return static_cast<std::int32_t>(get_u32(regs));
}

// W rounded to the nearest watt; Wh truncated (so the counter only grows);
// both clamped to their type's range.
std::int32_t watts_register_value(double watts);
std::uint32_t watt_hours_register_value(double wh);

// Modbus exception codes and their names ("illegal data address").
inline constexpr std::uint8_t kIllegalFunction = 0x01;
inline constexpr std::uint8_t kIllegalDataAddress = 0x02;
inline constexpr std::uint8_t kIllegalDataValue = 0x03;
inline constexpr std::uint8_t kServerDeviceFailure = 0x04;
inline constexpr std::uint8_t kGatewayTargetFailed = 0x0B;
std::string_view exception_name(std::uint8_t code);

// Whether a request PDU (function code first) has the length its function
// code calls for. Unknown function codes pass (they get exception 0x01).
bool request_length_ok(std::span<const std::uint8_t> pdu);

}  // namespace hemsrig::bench
