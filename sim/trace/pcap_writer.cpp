#include "sim/trace/pcap_writer.hpp"

#include <fmt/format.h>

#include <array>
#include <chrono>
#include <limits>
#include <vector>

namespace hemsrig::trace {

namespace {

constexpr std::uint32_t kMagic = 0xa1b2c3d4;  // microsecond timestamps
constexpr std::size_t kIpHeader = 20;
constexpr std::size_t kUdpHeader = 8;
constexpr std::uint8_t kProtocolUdp = 17;
// Multicast leaves a Linux host with TTL 1 unless IP_MULTICAST_TTL says
// otherwise; unicast with the usual 64.
constexpr std::uint8_t kTtlUnicast = 64;
constexpr std::uint8_t kTtlMulticast = 1;

void put16le(std::vector<std::uint8_t>& out, std::uint16_t v) {
  out.push_back(static_cast<std::uint8_t>(v));
  out.push_back(static_cast<std::uint8_t>(v >> 8));
}
void put32le(std::vector<std::uint8_t>& out, std::uint32_t v) {
  put16le(out, static_cast<std::uint16_t>(v));
  put16le(out, static_cast<std::uint16_t>(v >> 16));
}
void put16be(std::vector<std::uint8_t>& out, std::uint16_t v) {
  out.push_back(static_cast<std::uint8_t>(v >> 8));
  out.push_back(static_cast<std::uint8_t>(v));
}
void put_bytes(std::vector<std::uint8_t>& out, std::span<const std::uint8_t> bytes) {
  out.insert(out.end(), bytes.begin(), bytes.end());
}

// RFC 1071 one's-complement sum, folded; callers complement it.
std::uint32_t sum16(std::span<const std::uint8_t> bytes, std::uint32_t sum = 0) {
  for (std::size_t i = 0; i + 1 < bytes.size(); i += 2) sum += bytes[i] << 8 | bytes[i + 1];
  if (bytes.size() % 2 != 0) sum += bytes.back() << 8;
  return sum;
}
std::uint16_t fold(std::uint32_t sum) {
  while (sum >> 16) sum = (sum & 0xFFFF) + (sum >> 16);
  return static_cast<std::uint16_t>(~sum);
}

Status write_bytes(std::ofstream& file, const std::vector<std::uint8_t>& bytes,
                   const std::string& path) {
  file.write(reinterpret_cast<const char*>(bytes.data()),
             static_cast<std::streamsize>(bytes.size()));
  if (!file) return make_error("write_failed", fmt::format("cannot write to pcap file {}", path));
  return ok_status();
}

}  // namespace

PcapWriter::PcapWriter(std::ofstream file, std::string path, PcapOptions options)
    : file_(std::move(file)), path_(std::move(path)), options_(options) {}

Result<PcapWriter> PcapWriter::open(const std::string& path, PcapOptions options) {
  std::ofstream file(path, std::ios::binary | std::ios::out | std::ios::trunc);
  if (!file.is_open()) {
    return make_error("open_failed", fmt::format("cannot open pcap file {} for writing", path));
  }
  std::vector<std::uint8_t> header;
  put32le(header, kMagic);
  put16le(header, 2);  // version 2.4
  put16le(header, 4);
  put32le(header, 0);  // thiszone: timestamps are UTC
  put32le(header, 0);  // sigfigs
  put32le(header, kSnaplen);
  put32le(header, kLinktypeRaw);
  if (auto s = write_bytes(file, header, path); !s) return s.error();
  return PcapWriter(std::move(file), path, options);
}

PcapWriter::~PcapWriter() {
  (void)close();
}

Status PcapWriter::write(const sim::Datagram& datagram, sim::CalendarTime when) {
  if (!file_.is_open()) {
    return make_error("closed", fmt::format("pcap file {} is already closed", path_));
  }
  const auto payload = datagram.bytes;
  if (payload.size() > kMaxPayload) {
    return make_error("too_large", fmt::format("datagram of {} bytes does not fit one IPv4 "
                                               "packet (at most {} bytes of UDP payload)",
                                               payload.size(), kMaxPayload));
  }
  const auto us = std::chrono::floor<std::chrono::microseconds>(when.time_since_epoch()).count();
  const auto seconds = us < 0 ? -1 : us / 1'000'000;
  if (seconds < 0 || seconds > std::numeric_limits<std::uint32_t>::max()) {
    return make_error("bad_time", fmt::format("timestamp {} us since 1970 does not fit the "
                                              "pcap 32-bit seconds field",
                                              us));
  }

  const auto ip_length = static_cast<std::uint16_t>(kIpHeader + kUdpHeader + payload.size());
  const auto udp_length = static_cast<std::uint16_t>(kUdpHeader + payload.size());
  const auto src = datagram.from.address.to_bytes();
  const auto dst = datagram.to.address.to_bytes();

  // The record header and the packet go out in one write from one buffer per
  // thread (no allocation per frame once it has grown).
  thread_local std::vector<std::uint8_t> buffer;
  buffer.clear();
  buffer.reserve(16 + ip_length);
  put32le(buffer, static_cast<std::uint32_t>(seconds));
  put32le(buffer, static_cast<std::uint32_t>(us % 1'000'000));
  put32le(buffer, ip_length);  // captured length: never above the snaplen
  put32le(buffer, ip_length);  // original length
  const std::size_t ip = buffer.size();

  buffer.push_back(0x45);  // version 4, IHL 5 (no options)
  buffer.push_back(0);     // DSCP/ECN
  put16be(buffer, ip_length);
  put16be(buffer, static_cast<std::uint16_t>(records_));  // identification
  put16be(buffer, 0);                                     // flags, fragment offset
  buffer.push_back(datagram.to.address.is_multicast() ? kTtlMulticast : kTtlUnicast);
  buffer.push_back(kProtocolUdp);
  put16be(buffer, 0);  // header checksum, filled below
  put_bytes(buffer, src);
  put_bytes(buffer, dst);
  const std::uint16_t ip_sum = fold(sum16(std::span(buffer).subspan(ip, kIpHeader)));
  buffer[ip + 10] = static_cast<std::uint8_t>(ip_sum >> 8);
  buffer[ip + 11] = static_cast<std::uint8_t>(ip_sum);

  put16be(buffer, datagram.from.port);
  put16be(buffer, datagram.to.port);
  put16be(buffer, udp_length);
  put16be(buffer, 0);  // checksum, filled below
  put_bytes(buffer, payload);
  // UDP checksum over the pseudo-header (src, dst, protocol, length) and the datagram.
  std::uint32_t pseudo = sum16(src);
  pseudo = sum16(dst, pseudo);
  pseudo += kProtocolUdp + udp_length;
  std::uint16_t udp_sum = fold(sum16(std::span(buffer).subspan(ip + kIpHeader), pseudo));
  if (udp_sum == 0) udp_sum = 0xFFFF;  // 0 would mean "no checksum" (RFC 768)
  buffer[ip + kIpHeader + 6] = static_cast<std::uint8_t>(udp_sum >> 8);
  buffer[ip + kIpHeader + 7] = static_cast<std::uint8_t>(udp_sum);

  if (auto s = write_bytes(file_, buffer, path_); !s) return s;
  ++records_;
  return ok_status();
}

Status PcapWriter::record(sim::Direction dir, const sim::Datagram& datagram,
                          sim::CalendarTime when) {
  if (dir == sim::Direction::Received && !options_.record_received) return ok_status();
  return write(datagram, when);
}

Status PcapWriter::flush() {
  if (!file_.is_open()) return ok_status();
  file_.flush();
  if (!file_) return make_error("write_failed", fmt::format("cannot flush pcap file {}", path_));
  return ok_status();
}

Status PcapWriter::close() {
  if (!file_.is_open()) return ok_status();
  auto flushed = flush();
  file_.close();
  if (!flushed) return flushed;
  if (!file_) return make_error("write_failed", fmt::format("cannot close pcap file {}", path_));
  return ok_status();
}

}  // namespace hemsrig::trace
