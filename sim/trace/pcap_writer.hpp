// PcapWriter: datagrams as a classic pcap file that Wireshark and tshark open.
//
// Each datagram becomes one raw IPv4 packet (LINKTYPE_RAW) with a synthesized
// IPv4 and UDP header around the payload, stamped with the calendar time the
// caller passes (the engine's epoch + simulated time), so a virtual-time run
// reads like a real capture. The file is little-endian whatever the host, so
// the same run gives the same bytes. Single-threaded; errors are Status values.
#pragma once

#include <cstddef>
#include <cstdint>
#include <fstream>
#include <string>

#include "sim/core/result.hpp"
#include "sim/core/time.hpp"
#include "sim/net/fabric.hpp"

namespace hemsrig::trace {

struct PcapOptions {
  // The rig records each frame once, when it is sent: the received copy of the
  // same datagram would be a duplicate. Turn on to also record received ones,
  // e.g. for frames from a real DUT, which the rig only ever receives.
  bool record_received = false;
};

class PcapWriter {
 public:
  static constexpr std::uint32_t kLinktypeRaw = 101;
  static constexpr std::uint32_t kSnaplen = 65535;
  // An IPv4 packet is at most 65535 bytes: 20 of IP header, 8 of UDP header.
  static constexpr std::size_t kMaxPayload = 65535 - 20 - 8;

  // Creates or truncates `path` and writes the file header. Fails with
  // "open_failed" or "write_failed".
  static Result<PcapWriter> open(const std::string& path, PcapOptions options = {});
  PcapWriter(PcapWriter&&) noexcept = default;
  PcapWriter& operator=(PcapWriter&&) noexcept = default;
  PcapWriter(const PcapWriter&) = delete;
  PcapWriter& operator=(const PcapWriter&) = delete;
  ~PcapWriter();  // closes

  // Writes one record whatever its direction. Fails with "closed", "too_large"
  // (payload over kMaxPayload), "bad_time" (outside 1970..2106, which the
  // 32-bit pcap seconds field cannot hold) or "write_failed".
  Status write(const sim::Datagram& datagram, sim::CalendarTime when);
  // For a Fabric observer: writes sent datagrams, and received ones only with
  // PcapOptions::record_received; a skipped datagram is ok.
  Status record(sim::Direction dir, const sim::Datagram& datagram, sim::CalendarTime when);
  Status flush();
  // Flushes and closes; later writes fail with "closed". Closing twice is ok.
  Status close();

  std::size_t records() const { return records_; }

 private:
  PcapWriter(std::ofstream file, std::string path, PcapOptions options);

  std::ofstream file_;
  std::string path_;
  PcapOptions options_;
  std::size_t records_ = 0;
};

}  // namespace hemsrig::trace
