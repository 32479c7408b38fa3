// ECHONET Lite frames (specification Version 1.14, Part 2, chapter 3).
//
// decode() never trusts its input: a truncated frame, an OPC or PDC that
// claims more bytes than exist, or bytes left after the last property come
// back as an Error naming the offset, and nothing is thrown. Format 2 frames
// (EHD2 0x82) are passed through opaque. encode() writes what decode() reads.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "sim/core/result.hpp"

namespace hemsrig::echonet {

using Bytes = std::vector<std::uint8_t>;

inline constexpr std::uint16_t kPort = 3610;
inline constexpr const char* kMulticastGroup = "224.0.23.0";

// ECHONET object: class group code, class code, instance code.
struct Eoj {
  std::uint8_t group = 0;
  std::uint8_t cls = 0;
  std::uint8_t instance = 0;

  constexpr std::uint16_t class_code() const {
    return static_cast<std::uint16_t>(group << 8 | cls);
  }
  constexpr std::uint32_t value() const {
    return static_cast<std::uint32_t>(group) << 16 | cls << 8 | instance;
  }
  static constexpr Eoj from_value(std::uint32_t v) {
    return Eoj{static_cast<std::uint8_t>(v >> 16), static_cast<std::uint8_t>(v >> 8),
               static_cast<std::uint8_t>(v)};
  }
  constexpr bool operator==(const Eoj&) const = default;
  constexpr auto operator<=>(const Eoj&) const = default;
};
std::string to_string(const Eoj& eoj);  // "0x013001"

inline constexpr Eoj kNodeProfile{0x0E, 0xF0, 0x01};

enum class Esv : std::uint8_t {
  SetI_SNA = 0x50,
  SetC_SNA = 0x51,
  Get_SNA = 0x52,
  INF_SNA = 0x53,
  SetGet_SNA = 0x5E,
  SetI = 0x60,
  SetC = 0x61,
  Get = 0x62,
  INF_REQ = 0x63,
  SetGet = 0x6E,
  Set_Res = 0x71,
  Get_Res = 0x72,
  INF = 0x73,
  INFC = 0x74,
  INFC_Res = 0x7A,
  SetGet_Res = 0x7E,
};
bool is_known_esv(std::uint8_t esv);
// SetGet, SetGet_Res and SetGet_SNA carry two property lists (OPCSet, OPCGet).
bool is_setget_family(Esv esv);
const char* esv_name(Esv esv);  // "Get_Res"

struct Property {
  std::uint8_t epc = 0;
  Bytes edt;  // PDC is edt.size()
  bool operator==(const Property&) const = default;
};

// A format 1 frame (EHD1 0x10, EHD2 0x81).
struct Frame {
  std::uint16_t tid = 0;
  Eoj seoj;
  Eoj deoj;
  Esv esv = Esv::Get;
  std::vector<Property> props;      // OPC, or OPCSet for the SetGet family
  std::vector<Property> get_props;  // OPCGet for the SetGet family, else empty
  bool operator==(const Frame&) const = default;
};

// A format 2 frame (EHD2 0x82): vendor-specific EDATA, carried opaque.
struct OpaqueFrame {
  std::uint16_t tid = 0;
  Bytes edata;
  bool operator==(const OpaqueFrame&) const = default;
};

using Message = std::variant<Frame, OpaqueFrame>;

// Error codes: "truncated", "bad_ehd1", "bad_ehd2", "unknown_esv",
// "pdc_overrun", "opc_overrun", "trailing_bytes".
Result<Message> decode(std::span<const std::uint8_t> bytes);
// OPC and PDC are single bytes: a frame with more than 255 properties in one
// list ("too_many_properties") or an EDT longer than 255 bytes ("edt_too_long")
// cannot be written. Check frames built from untrusted data with this first;
// encode() clamps such a frame (first 255 properties, first 255 EDT bytes) so
// its output always decodes.
Status check_encodable(const Frame& frame);
Bytes encode(const Frame& frame);
Bytes encode(const OpaqueFrame& frame);

// One line for logs and traces: "Get_Res tid=7 0x013001->0x05FF01 [80:30 B0:41]".
std::string describe(const Frame& frame);

}  // namespace hemsrig::echonet
