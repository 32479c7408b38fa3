#include "sim/trace/trace.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

using namespace hemsrig;
using namespace hemsrig::sim;
using hemsrig::trace::Trace;
using nlohmann::ordered_json;

namespace {

const std::vector<std::uint8_t> kGetRes{0x10, 0x81, 0x00, 0x07, 0x01, 0x30, 0x01, 0x05, 0xFF,
                                        0x01, 0x72, 0x02, 0x80, 0x01, 0x30, 0xB0, 0x01, 0x41};

Datagram datagram(std::span<const std::uint8_t> bytes) {
  return Datagram{{boost::asio::ip::make_address_v4("127.0.1.2"), 3610},
                  {boost::asio::ip::make_address_v4("224.0.23.0"), 3610},
                  bytes};
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// Parses the one line `out` holds.
ordered_json only_line(const std::ostringstream& out) {
  const auto lines = lines_of(out.str());
  EXPECT_EQ(lines.size(), 1u) << out.str();
  if (lines.empty()) return {};
  return ordered_json::parse(lines[0]);
}

std::filesystem::path temp_path(const std::string& name) {
  return std::filesystem::temp_directory_path() /
         ("hemsrig_trace_" + std::to_string(::getpid()) + "_" + name);
}

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

}  // namespace

TEST(Trace, FrameLineCarriesTheDecodedEchonetFieldsInAFixedOrder) {
  std::ostringstream out;
  {
    Trace trace(out);
    trace.frame(Direction::Sent, datagram(kGetRes), seconds(12) + Time(250));
  }
  EXPECT_EQ(out.str(), R"({"t":12.000000250,"kind":"frame","dir":"tx","from":"127.0.1.2:3610",)"
                       R"("to":"224.0.23.0:3610","hex":"1081000701300105ff017202800130b00141",)"
                       R"("esv":"Get_Res","tid":7,"seoj":"0x013001","deoj":"0x05FF01",)"
                       R"("props":[{"epc":"0x80","edt":"30"},{"epc":"0xB0","edt":"41"}]})"
                       "\n");
}

TEST(Trace, ReceivedSetGetFrameIsRxWithBothPropertyLists) {
  const std::vector<std::uint8_t> setget{0x10, 0x81, 0x00, 0x01, 0x05, 0xFF, 0x01, 0x01, 0x30,
                                         0x01, 0x6E, 0x01, 0x80, 0x01, 0x31, 0x01, 0xB0, 0x00};
  std::ostringstream out;
  Trace trace(out);
  trace.frame(Direction::Received, datagram(setget), seconds(1));
  trace.flush();
  const auto line = only_line(out);
  EXPECT_EQ(line["dir"], "rx");
  EXPECT_EQ(line["esv"], "SetGet");
  EXPECT_EQ(line["props"], ordered_json::parse(R"([{"epc":"0x80","edt":"31"}])"));
  EXPECT_EQ(line["get_props"], ordered_json::parse(R"([{"epc":"0xB0","edt":""}])"));
}

TEST(Trace, UndecodableFrameKeepsItsBytesAndTheDecodeError) {
  const std::vector<std::uint8_t> junk{0x10, 0x81, 0x00};
  std::ostringstream out;
  Trace trace(out);
  trace.frame(Direction::Sent, datagram(junk), seconds(0));
  trace.flush();
  const auto line = only_line(out);
  EXPECT_EQ(line["hex"], "108100");
  EXPECT_EQ(line["decode_error"], "truncated");
  EXPECT_FALSE(line.contains("esv"));
}

TEST(Trace, Format2FrameRecordsFormatAndTid) {
  const std::vector<std::uint8_t> opaque{0x10, 0x82, 0x01, 0x02, 0xAB};
  std::ostringstream out;
  Trace trace(out);
  trace.frame(Direction::Sent, datagram(opaque), seconds(0));
  trace.flush();
  const auto line = only_line(out);
  EXPECT_EQ(line["format"], 2);
  EXPECT_EQ(line["tid"], 0x0102);
  EXPECT_FALSE(line.contains("props"));
}

TEST(Trace, PropertyLineRecordsOldAndNewValuesAndCause) {
  std::ostringstream out;
  Trace trace(out);
  const std::vector<std::uint8_t> old{0x31}, now{0x30};
  trace.property(minutes(1), "living_ac", {0x01, 0x30, 0x01}, 0x80, old, now, "SetC from hems");
  trace.flush();
  EXPECT_EQ(out.str(), R"({"t":60.000000000,"kind":"property","node":"living_ac","eoj":"0x013001",)"
                       R"("epc":"0x80","old":"31","now":"30","cause":"SetC from hems"})"
                       "\n");
}

TEST(Trace, EventMergesFieldsAfterTimeAndKind) {
  std::ostringstream out;
  Trace trace(out);
  trace.event(seconds(3), "unit_rebooted", {{"unit", "hems"}, {"firmware", "2.50"}});
  trace.flush();
  EXPECT_EQ(out.str(), R"({"t":3.000000000,"kind":"unit_rebooted","firmware":"2.50","unit":"hems"})"
                       "\n");
}

TEST(Trace, EventFieldsThatWouldOverwriteTimeOrKindStayNested) {
  std::ostringstream out;
  Trace trace(out);
  trace.event(seconds(3), "step", {{"kind", "expect"}});
  trace.event(seconds(4), "note", "plain string");
  trace.flush();
  const auto lines = lines_of(out.str());
  ASSERT_EQ(lines.size(), 2u);
  const auto first = ordered_json::parse(lines[0]);
  EXPECT_EQ(first["kind"], "step");
  EXPECT_EQ(first["fields"]["kind"], "expect");
  EXPECT_EQ(ordered_json::parse(lines[1])["fields"], "plain string");
}

TEST(Trace, TimeIsExactToTheNanosecond) {
  EXPECT_EQ(trace::format_seconds(Time(0)), "0.000000000");
  EXPECT_EQ(trace::format_seconds(seconds(12) + Time(250)), "12.000000250");
  // 200 days: a double would already have lost the last nanosecond digit.
  EXPECT_EQ(trace::format_seconds(hours(24 * 200) + Time(1)), "17280000.000000001");
  EXPECT_EQ(trace::format_seconds(-milliseconds(1500)), "-1.500000000");
}

TEST(Trace, NodeNamesAreWrittenAsUtf8AndBadBytesDoNotThrow) {
  std::ostringstream out;
  Trace trace(out);
  const std::vector<std::uint8_t> none;
  trace.property(seconds(0), "リビングエアコン", {0x01, 0x30, 0x01}, 0x80, none, none, "boot");
  trace.property(seconds(0), "bad\xff", {0x01, 0x30, 0x01}, 0x80, none, none, "boot");
  trace.flush();
  const auto lines = lines_of(out.str());
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(ordered_json::parse(lines[0])["node"], "リビングエアコン");
  EXPECT_EQ(ordered_json::parse(lines[1])["node"], "bad\xEF\xBF\xBD");  // U+FFFD
}

TEST(Trace, TailKeepsOnlyTheLastLinesOldestFirst) {
  std::ostringstream out;
  Trace trace(out, 3);
  for (int i = 0; i < 5; ++i) trace.event(seconds(i), "tick", {{"i", i}});
  const auto tail = trace.tail();
  ASSERT_EQ(tail.size(), 3u);
  EXPECT_EQ(ordered_json::parse(tail[0])["i"], 2);
  EXPECT_EQ(ordered_json::parse(tail[2])["i"], 4);
  EXPECT_EQ(tail[2], lines_of(out.str()).back());
  EXPECT_EQ(trace.lines_written(), 5u);
}

TEST(Trace, DefaultTailIsFiftyLines) {
  std::ostringstream out;
  Trace trace(out);
  for (int i = 0; i < 60; ++i) trace.event(seconds(i), "tick", {{"i", i}});
  const auto tail = trace.tail();
  ASSERT_EQ(tail.size(), 50u);
  EXPECT_EQ(ordered_json::parse(tail.front())["i"], 10);
}

TEST(Trace, FileTraceIsReadableAfterFlushAndCompleteAfterDestruction) {
  const auto path = temp_path("flush.jsonl");
  {
    auto opened = Trace::open(path.string());
    ASSERT_TRUE(opened.ok()) << opened.error().message;
    Trace trace = std::move(opened).value();
    trace.frame(Direction::Sent, datagram(kGetRes), seconds(1));
    trace.flush();
    EXPECT_EQ(lines_of(read_file(path)).size(), 1u);
    trace.event(seconds(2), "done", {});
    EXPECT_TRUE(trace.status().ok());
  }
  const auto lines = lines_of(read_file(path));
  ASSERT_EQ(lines.size(), 2u);
  for (const auto& line : lines) EXPECT_TRUE(ordered_json::accept(line)) << line;
  EXPECT_EQ(ordered_json::parse(lines[1])["kind"], "done");
  std::filesystem::remove(path);
}

TEST(Trace, OpenFailsForAnUnwritablePath) {
  auto opened = Trace::open("/nonexistent-hemsrig-dir/trace.jsonl");
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.error().code, "open_failed");
}

TEST(Trace, StatusReportsAFailedStream) {
  std::ostringstream out;
  Trace trace(out);
  out.setstate(std::ios::badbit);
  trace.event(seconds(0), "lost", {});
  auto status = trace.status();
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, "write_failed");
}
