#include "sim/echonet/frame.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <optional>

namespace hemsrig::echonet {

namespace {

constexpr std::uint8_t kEhd1 = 0x10;
constexpr std::uint8_t kEhd2Format1 = 0x81;
constexpr std::uint8_t kEhd2Format2 = 0x82;
constexpr std::size_t kFormat2Header = 4;  // EHD1 EHD2 TID
constexpr std::size_t kOffsetEsv = 10;
constexpr std::size_t kOffsetOpc = 11;  // EHD1 EHD2 TID SEOJ DEOJ ESV, then OPC
constexpr std::size_t kMaxCount = 255;  // OPC and PDC are one byte each

Eoj read_eoj(std::span<const std::uint8_t> b, std::size_t at) {
  return Eoj{b[at], b[at + 1], b[at + 2]};
}

// Reads one OPC and its properties starting at `pos`; advances `pos`.
std::optional<Error> read_list(std::span<const std::uint8_t> b, std::size_t& pos,
                               const char* opc_name, std::vector<Property>& out) {
  const std::size_t n = b.size();
  if (pos >= n) {
    return make_error("truncated", fmt::format("{} expected at offset {}, but the frame ends there",
                                               opc_name, pos));
  }
  const std::size_t opc_at = pos;
  const std::size_t opc = b[pos++];
  // Every property takes at least EPC and PDC: reject an absurd OPC before reading.
  if (opc * 2 > n - pos) {
    return make_error("opc_overrun",
                      fmt::format("{} {} at offset {} claims {} properties, which need at least "
                                  "{} bytes, {} left",
                                  opc_name, opc, opc_at, opc, opc * 2, n - pos));
  }
  out.reserve(opc);
  for (std::size_t i = 0; i < opc; ++i) {
    if (n - pos < 2) {
      return make_error("opc_overrun",
                        fmt::format("{} {} at offset {} claims {} properties; property {} at "
                                    "offset {} needs 2 bytes (EPC, PDC), {} left",
                                    opc_name, opc, opc_at, opc, i + 1, pos, n - pos));
    }
    const std::uint8_t epc = b[pos];
    const std::size_t pdc = b[pos + 1];
    pos += 2;
    if (pdc > n - pos) {
      return make_error("pdc_overrun",
                        fmt::format("PDC {} of EPC 0x{:02X} at offset {} needs {} bytes, {} left",
                                    pdc, epc, pos, pdc, n - pos));
    }
    out.push_back(Property{epc, Bytes(b.begin() + static_cast<std::ptrdiff_t>(pos),
                                      b.begin() + static_cast<std::ptrdiff_t>(pos + pdc))});
    pos += pdc;
  }
  return std::nullopt;
}

void write_list(Bytes& out, const std::vector<Property>& props) {
  const std::size_t opc = std::min(props.size(), kMaxCount);
  out.push_back(static_cast<std::uint8_t>(opc));
  for (std::size_t i = 0; i < opc; ++i) {
    const Property& p = props[i];
    const std::size_t pdc = std::min(p.edt.size(), kMaxCount);
    out.push_back(p.epc);
    out.push_back(static_cast<std::uint8_t>(pdc));
    out.insert(out.end(), p.edt.begin(), p.edt.begin() + static_cast<std::ptrdiff_t>(pdc));
  }
}

Status check_list(const std::vector<Property>& props, const char* opc_name) {
  if (props.size() > kMaxCount) {
    return make_error("too_many_properties",
                      fmt::format("{} would be {}, but it is one byte (at most {})", opc_name,
                                  props.size(), kMaxCount));
  }
  for (const Property& p : props) {
    if (p.edt.size() > kMaxCount) {
      return make_error("edt_too_long",
                        fmt::format("EDT of EPC 0x{:02X} is {} bytes, but PDC is one byte (at "
                                    "most {})",
                                    p.epc, p.edt.size(), kMaxCount));
    }
  }
  return ok_status();
}

void describe_list(std::string& out, const std::vector<Property>& props) {
  out += '[';
  for (std::size_t i = 0; i < props.size(); ++i) {
    if (i > 0) out += ' ';
    out += fmt::format("{:02X}", props[i].epc);
    // A request carries no EDT: "[80 B0]" rather than "[80: B0:]".
    if (!props[i].edt.empty()) {
      out += ':';
      for (std::uint8_t byte : props[i].edt) out += fmt::format("{:02X}", byte);
    }
  }
  out += ']';
}

}  // namespace

std::string to_string(const Eoj& eoj) {
  return fmt::format("0x{:02X}{:02X}{:02X}", eoj.group, eoj.cls, eoj.instance);
}

bool is_known_esv(std::uint8_t esv) {
  switch (static_cast<Esv>(esv)) {
    case Esv::SetI_SNA:
    case Esv::SetC_SNA:
    case Esv::Get_SNA:
    case Esv::INF_SNA:
    case Esv::SetGet_SNA:
    case Esv::SetI:
    case Esv::SetC:
    case Esv::Get:
    case Esv::INF_REQ:
    case Esv::SetGet:
    case Esv::Set_Res:
    case Esv::Get_Res:
    case Esv::INF:
    case Esv::INFC:
    case Esv::INFC_Res:
    case Esv::SetGet_Res:
      return true;
  }
  return false;
}

bool is_setget_family(Esv esv) {
  return esv == Esv::SetGet || esv == Esv::SetGet_Res || esv == Esv::SetGet_SNA;
}

const char* esv_name(Esv esv) {
  switch (esv) {
    case Esv::SetI_SNA:
      return "SetI_SNA";
    case Esv::SetC_SNA:
      return "SetC_SNA";
    case Esv::Get_SNA:
      return "Get_SNA";
    case Esv::INF_SNA:
      return "INF_SNA";
    case Esv::SetGet_SNA:
      return "SetGet_SNA";
    case Esv::SetI:
      return "SetI";
    case Esv::SetC:
      return "SetC";
    case Esv::Get:
      return "Get";
    case Esv::INF_REQ:
      return "INF_REQ";
    case Esv::SetGet:
      return "SetGet";
    case Esv::Set_Res:
      return "Set_Res";
    case Esv::Get_Res:
      return "Get_Res";
    case Esv::INF:
      return "INF";
    case Esv::INFC:
      return "INFC";
    case Esv::INFC_Res:
      return "INFC_Res";
    case Esv::SetGet_Res:
      return "SetGet_Res";
  }
  return "unknown";
}

Result<Message> decode(std::span<const std::uint8_t> b) {
  const std::size_t n = b.size();
  // Check the bytes that are there before complaining about the ones that are
  // not: a stray non-ECHONET datagram reads as "bad_ehd1", not "truncated".
  if (n >= 1 && b[0] != kEhd1) {
    return make_error("bad_ehd1", fmt::format("EHD1 at offset 0 is 0x{:02X}, expected 0x10 "
                                              "(ECHONET Lite)",
                                              b[0]));
  }
  if (n >= 2 && b[1] != kEhd2Format1 && b[1] != kEhd2Format2) {
    return make_error("bad_ehd2", fmt::format("EHD2 at offset 1 is 0x{:02X}, expected 0x81 "
                                              "(format 1) or 0x82 (format 2)",
                                              b[1]));
  }
  if (n < kFormat2Header) {
    return make_error("truncated", fmt::format("frame of {} bytes ends inside the header: EHD1, "
                                               "EHD2 and TID need 4 bytes",
                                               n));
  }
  const auto tid = static_cast<std::uint16_t>(b[2] << 8 | b[3]);
  if (b[1] == kEhd2Format2) {
    return Message{OpaqueFrame{tid, Bytes(b.begin() + kFormat2Header, b.end())}};
  }
  if (n < kOffsetOpc + 1) {
    return make_error("truncated", fmt::format("format 1 frame of {} bytes ends inside the "
                                               "header: EHD1 to OPC need {} bytes",
                                               n, kOffsetOpc + 1));
  }
  if (!is_known_esv(b[kOffsetEsv])) {
    return make_error("unknown_esv", fmt::format("ESV 0x{:02X} at offset {} is not a known "
                                                 "service code",
                                                 b[kOffsetEsv], kOffsetEsv));
  }
  Frame frame;
  frame.tid = tid;
  frame.seoj = read_eoj(b, 4);
  frame.deoj = read_eoj(b, 7);
  frame.esv = static_cast<Esv>(b[kOffsetEsv]);
  const bool setget = is_setget_family(frame.esv);
  std::size_t pos = kOffsetOpc;
  // OPC 0 is accepted for every ESV: whether it is meaningful is the runtime's call.
  if (auto err = read_list(b, pos, setget ? "OPCSet" : "OPC", frame.props)) return *err;
  if (setget) {
    if (auto err = read_list(b, pos, "OPCGet", frame.get_props)) return *err;
  }
  if (pos != n) {
    return make_error("trailing_bytes",
                      fmt::format("{} bytes after the last property, from offset {}; expected the "
                                  "frame to end there",
                                  n - pos, pos));
  }
  return Message{std::move(frame)};
}

Status check_encodable(const Frame& frame) {
  const bool setget = is_setget_family(frame.esv);
  if (auto s = check_list(frame.props, setget ? "OPCSet" : "OPC"); !s) return s;
  if (setget) return check_list(frame.get_props, "OPCGet");
  return ok_status();
}

Bytes encode(const Frame& frame) {
  Bytes out;
  out.reserve(kOffsetOpc + 1 + frame.props.size() * 3);
  out.push_back(kEhd1);
  out.push_back(kEhd2Format1);
  out.push_back(static_cast<std::uint8_t>(frame.tid >> 8));
  out.push_back(static_cast<std::uint8_t>(frame.tid));
  for (const Eoj& eoj : {frame.seoj, frame.deoj}) {
    out.push_back(eoj.group);
    out.push_back(eoj.cls);
    out.push_back(eoj.instance);
  }
  out.push_back(static_cast<std::uint8_t>(frame.esv));
  write_list(out, frame.props);
  if (is_setget_family(frame.esv)) write_list(out, frame.get_props);
  return out;
}

Bytes encode(const OpaqueFrame& frame) {
  Bytes out{kEhd1, kEhd2Format2, static_cast<std::uint8_t>(frame.tid >> 8),
            static_cast<std::uint8_t>(frame.tid)};
  out.insert(out.end(), frame.edata.begin(), frame.edata.end());
  return out;
}

std::string describe(const Frame& frame) {
  const char* name = esv_name(frame.esv);
  std::string out = is_known_esv(static_cast<std::uint8_t>(frame.esv))
                        ? std::string(name)
                        : fmt::format("ESV_0x{:02X}", static_cast<std::uint8_t>(frame.esv));
  out += fmt::format(" tid={} {}->{} ", frame.tid, to_string(frame.seoj), to_string(frame.deoj));
  if (is_setget_family(frame.esv)) {
    out += "set";
    describe_list(out, frame.props);
    out += " get";
    describe_list(out, frame.get_props);
  } else {
    describe_list(out, frame.props);
  }
  return out;
}

}  // namespace hemsrig::echonet
