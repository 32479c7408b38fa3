#include "sim/trace/pcap_writer.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "sim/echonet/frame.hpp"

using namespace hemsrig;
using namespace hemsrig::sim;
using hemsrig::trace::PcapOptions;
using hemsrig::trace::PcapWriter;

namespace {

using Bytes = std::vector<std::uint8_t>;

// 2026-06-01 00:00 JST, the engine's default epoch.
const CalendarTime kEpoch{std::chrono::seconds{1780239600}};

const Bytes kGetRes{0x10, 0x81, 0x00, 0x07, 0x01, 0x30, 0x01, 0x05,
                    0xFF, 0x01, 0x72, 0x01, 0x80, 0x01, 0x30};

UdpEndpoint endpoint(const char* ip, std::uint16_t port = 3610) {
  return {boost::asio::ip::make_address_v4(ip), port};
}

std::filesystem::path temp_path(const std::string& name) {
  return std::filesystem::temp_directory_path() /
         ("hemsrig_pcap_" + std::to_string(::getpid()) + "_" + name);
}

Bytes read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::uint32_t le32(const Bytes& b, std::size_t at) {
  return b[at] | b[at + 1] << 8 | b[at + 2] << 16 | static_cast<std::uint32_t>(b[at + 3]) << 24;
}
std::uint16_t be16(const Bytes& b, std::size_t at) {
  return static_cast<std::uint16_t>(b[at] << 8 | b[at + 1]);
}

// One's-complement sum folded: 0xFFFF over data that carries a correct checksum.
std::uint16_t ones_sum(const Bytes& b, std::size_t from, std::size_t to, std::uint32_t sum = 0) {
  for (std::size_t i = from; i + 1 < to; i += 2) sum += be16(b, i);
  if ((to - from) % 2 != 0) sum += b[to - 1] << 8;
  while (sum >> 16) sum = (sum & 0xFFFF) + (sum >> 16);
  return static_cast<std::uint16_t>(sum);
}

PcapWriter open_writer(const std::filesystem::path& path, PcapOptions options = {}) {
  auto opened = PcapWriter::open(path.string(), options);
  EXPECT_TRUE(opened.ok()) << opened.error().message;
  return std::move(opened).value();
}

bool tshark_installed() {
  return std::system("command -v tshark >/dev/null 2>&1") == 0;
}

std::vector<std::string> run_lines(const std::string& command) {
  std::vector<std::string> lines;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return lines;
  std::string text;
  char buffer[4096];
  while (std::fgets(buffer, sizeof buffer, pipe) != nullptr) text += buffer;
  ::pclose(pipe);
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

std::vector<std::string> split_tabs(const std::string& line) {
  std::vector<std::string> fields;
  std::istringstream in(line);
  for (std::string field; std::getline(in, field, '\t');) fields.push_back(field);
  return fields;
}

// Writes `n` Get_Res frames from 127.0.1.(10+i):(4000+i) to 127.0.0.(1+i):3610.
std::filesystem::path write_frames(const std::string& name, int n) {
  const auto path = temp_path(name);
  PcapWriter writer = open_writer(path);
  for (int i = 0; i < n; ++i) {
    Bytes frame = kGetRes;
    frame[3] = static_cast<std::uint8_t>(i);  // TID
    const std::string src = "127.0.1." + std::to_string(10 + i);
    const std::string dst = "127.0.0." + std::to_string(1 + i);
    Datagram d{endpoint(src.c_str(), static_cast<std::uint16_t>(4000 + i)), endpoint(dst.c_str()),
               frame};
    EXPECT_TRUE(writer.write(d, kEpoch + std::chrono::milliseconds(100 * i)).ok());
  }
  EXPECT_TRUE(writer.close().ok());
  return path;
}

}  // namespace

TEST(Pcap, FileHeaderIsClassicLittleEndianPcapOfRawIpv4) {
  const auto path = temp_path("header.pcap");
  { PcapWriter writer = open_writer(path); }
  const Bytes b = read_file(path);
  ASSERT_EQ(b.size(), 24u);
  EXPECT_EQ(le32(b, 0), 0xa1b2c3d4u);
  EXPECT_EQ(b[4] | b[5] << 8, 2);  // version 2.4
  EXPECT_EQ(b[6] | b[7] << 8, 4);
  EXPECT_EQ(le32(b, 16), 65535u);  // snaplen
  EXPECT_EQ(le32(b, 20), 101u);    // LINKTYPE_RAW
  std::filesystem::remove(path);
}

TEST(Pcap, RecordWrapsThePayloadInValidIpv4AndUdpHeaders) {
  const auto path = temp_path("record.pcap");
  {
    PcapWriter writer = open_writer(path);
    Datagram d{endpoint("127.0.1.2", 3610), endpoint("224.0.23.0"), kGetRes};
    ASSERT_TRUE(writer.write(d, kEpoch + std::chrono::nanoseconds(1'500'000'250)).ok());
    EXPECT_EQ(writer.records(), 1u);
  }
  const Bytes b = read_file(path);
  const std::size_t length = 20 + 8 + kGetRes.size();
  ASSERT_EQ(b.size(), 24 + 16 + length);
  EXPECT_EQ(le32(b, 24), 1780239601u);  // seconds
  EXPECT_EQ(le32(b, 28), 500000u);      // microseconds, the 250 ns dropped
  EXPECT_EQ(le32(b, 32), length);
  EXPECT_EQ(le32(b, 36), length);
  const std::size_t ip = 40, udp = ip + 20;
  EXPECT_EQ(b[ip], 0x45);
  EXPECT_EQ(be16(b, ip + 2), length);
  EXPECT_EQ(b[ip + 8], 1);  // multicast: TTL 1
  EXPECT_EQ(b[ip + 9], 17);
  EXPECT_EQ(ones_sum(b, ip, udp), 0xFFFF) << "IPv4 header checksum";
  EXPECT_EQ(Bytes(b.begin() + ip + 12, b.begin() + ip + 20), (Bytes{127, 0, 1, 2, 224, 0, 23, 0}));
  EXPECT_EQ(be16(b, udp), 3610);
  EXPECT_EQ(be16(b, udp + 2), 3610);
  EXPECT_EQ(be16(b, udp + 4), 8 + kGetRes.size());
  const std::uint32_t pseudo = ones_sum(b, ip + 12, ip + 20) + 17 + 8 + kGetRes.size();
  EXPECT_EQ(ones_sum(b, udp, b.size(), pseudo), 0xFFFF) << "UDP checksum";
  EXPECT_EQ(Bytes(b.begin() + udp + 8, b.end()), kGetRes);
  std::filesystem::remove(path);
}

TEST(Pcap, UnicastGetsTtl64) {
  const auto path = temp_path("ttl.pcap");
  {
    PcapWriter writer = open_writer(path);
    ASSERT_TRUE(writer.write({endpoint("127.0.1.2"), endpoint("127.0.1.3"), kGetRes}, kEpoch).ok());
  }
  EXPECT_EQ(read_file(path).at(24 + 16 + 8), 64);
  std::filesystem::remove(path);
}

TEST(Pcap, RecordSkipsReceivedDatagramsUnlessAsked) {
  const auto path = temp_path("direction.pcap");
  Datagram d{endpoint("127.0.1.2"), endpoint("127.0.1.3"), kGetRes};
  PcapWriter sent_only = open_writer(path);
  EXPECT_TRUE(sent_only.record(Direction::Sent, d, kEpoch).ok());
  EXPECT_TRUE(sent_only.record(Direction::Received, d, kEpoch).ok());
  EXPECT_EQ(sent_only.records(), 1u);
  PcapWriter both = open_writer(path, PcapOptions{.record_received = true});
  EXPECT_TRUE(both.record(Direction::Sent, d, kEpoch).ok());
  EXPECT_TRUE(both.record(Direction::Received, d, kEpoch).ok());
  EXPECT_EQ(both.records(), 2u);
  std::filesystem::remove(path);
}

TEST(Pcap, WriteAfterCloseFails) {
  const auto path = temp_path("closed.pcap");
  PcapWriter writer = open_writer(path);
  EXPECT_TRUE(writer.close().ok());
  EXPECT_TRUE(writer.close().ok());  // twice is harmless
  auto status = writer.write({endpoint("127.0.1.2"), endpoint("127.0.1.3"), kGetRes}, kEpoch);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, "closed");
  std::filesystem::remove(path);
}

TEST(Pcap, RejectsTimesThePcapSecondsFieldCannotHold) {
  const auto path = temp_path("time.pcap");
  PcapWriter writer = open_writer(path);
  Datagram d{endpoint("127.0.1.2"), endpoint("127.0.1.3"), kGetRes};
  auto before_1970 = writer.write(d, CalendarTime{} - std::chrono::seconds(1));
  ASSERT_FALSE(before_1970.ok());
  EXPECT_EQ(before_1970.error().code, "bad_time");
  auto after_2106 = writer.write(d, CalendarTime{std::chrono::seconds(1LL << 32)});
  ASSERT_FALSE(after_2106.ok());
  EXPECT_EQ(after_2106.error().code, "bad_time");
  EXPECT_EQ(writer.records(), 0u);
  std::filesystem::remove(path);
}

TEST(Pcap, RejectsAPayloadTooLargeForOneIpv4Packet) {
  const auto path = temp_path("large.pcap");
  PcapWriter writer = open_writer(path);
  const Bytes big(PcapWriter::kMaxPayload + 1, 0x00);
  auto status = writer.write({endpoint("127.0.1.2"), endpoint("127.0.1.3"), big}, kEpoch);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, "too_large");
  const Bytes largest(PcapWriter::kMaxPayload, 0x00);
  EXPECT_TRUE(writer.write({endpoint("127.0.1.2"), endpoint("127.0.1.3"), largest}, kEpoch).ok());
  std::filesystem::remove(path);
}

TEST(Pcap, OpenFailsForAnUnwritablePath) {
  auto opened = PcapWriter::open("/nonexistent-hemsrig-dir/x.pcap");
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.error().code, "open_failed");
}

TEST(Pcap, TsharkReadsEveryFrameWithItsAddressesAndGoodChecksums) {
  if (!tshark_installed()) GTEST_SKIP() << "tshark is not installed (apt-get install tshark)";
  constexpr int kFrames = 5;
  const auto path = write_frames("tshark.pcap", kFrames);
  const auto lines = run_lines(
      "tshark -r " + path.string() +
      " -o ip.check_checksum:TRUE -o udp.check_checksum:TRUE -T fields -e frame.number"
      " -e ip.src -e udp.dstport -e ip.checksum.status -e udp.checksum.status 2>/dev/null");
  ASSERT_EQ(lines.size(), static_cast<std::size_t>(kFrames));
  for (int i = 0; i < kFrames; ++i) {
    const auto fields = split_tabs(lines[i]);
    ASSERT_EQ(fields.size(), 5u) << lines[i];
    EXPECT_EQ(fields[0], std::to_string(i + 1));
    EXPECT_EQ(fields[1], "127.0.1." + std::to_string(10 + i));
    EXPECT_EQ(fields[2], "3610");
    EXPECT_EQ(fields[3], "1") << "IPv4 checksum status (1 = good)";
    EXPECT_EQ(fields[4], "1") << "UDP checksum status (1 = good)";
  }
  std::filesystem::remove(path);
}

TEST(Pcap, TsharkSeesTheEchonetPayloadUnchanged) {
  if (!tshark_installed()) GTEST_SKIP() << "tshark is not installed (apt-get install tshark)";
  constexpr int kFrames = 3;
  const auto path = write_frames("payload.pcap", kFrames);
  const auto lines =
      run_lines("tshark -r " + path.string() + " -T fields -e udp.payload 2>/dev/null");
  ASSERT_EQ(lines.size(), static_cast<std::size_t>(kFrames));
  for (int i = 0; i < kFrames; ++i) {
    Bytes payload;
    for (std::size_t at = 0; at + 1 < lines[i].size(); at += 2) {
      payload.push_back(static_cast<std::uint8_t>(std::stoi(lines[i].substr(at, 2), nullptr, 16)));
    }
    auto decoded = echonet::decode(payload);
    ASSERT_TRUE(decoded.ok()) << lines[i];
    EXPECT_EQ(std::get<echonet::Frame>(*decoded).tid, i);
  }
  std::filesystem::remove(path);
}

TEST(Pcap, TsharkDissectsThePayloadAsEchonetLite) {
  if (!tshark_installed()) GTEST_SKIP() << "tshark is not installed (apt-get install tshark)";
  // Wireshark has no built-in ECHONET Lite dissector in some versions (none in
  // 4.0); look for one by name rather than assume it.
  const auto protocols = run_lines("tshark -G protocols 2>/dev/null");
  std::string filter;
  for (const auto& line : protocols) {
    const auto fields = split_tabs(line);
    if (fields.size() == 3 && fields[2].find("echonet") != std::string::npos) filter = fields[2];
  }
  if (filter.empty()) {
    GTEST_SKIP()
        << "this tshark has no ECHONET Lite dissector (tshark -G protocols | grep -i "
           "echonet is empty); the payload is checked by TsharkSeesTheEchonetPayloadUnchanged";
  }
  constexpr int kFrames = 4;
  const auto path = write_frames("dissect.pcap", kFrames);
  const auto lines = run_lines("tshark -r " + path.string() + " -Y " + filter +
                               " -T fields -e frame.number 2>/dev/null");
  EXPECT_EQ(lines.size(), static_cast<std::size_t>(kFrames));
  std::filesystem::remove(path);
}
