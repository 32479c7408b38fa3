// The trace writes frame and property lines by hand (no JSON object per line);
// these tests hold it to what the JSON library wrote before, byte for byte, on
// every kind of frame and on names that need escaping, and check the
// memory-only trace that runs without --trace keep for failure reports.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "sim/trace/trace.hpp"

using namespace hemsrig;
using namespace hemsrig::sim;
using hemsrig::trace::Trace;
using nlohmann::ordered_json;

namespace {

// The JSON-object writer the trace used before the hand-written one: the reference.
std::string reference_line(Time t, ordered_json record) {
  const std::string body = record.dump(-1, ' ', false, ordered_json::error_handler_t::replace);
  std::string line = "{\"t\":" + trace::format_seconds(t);
  if (body.size() > 2) line += ',';
  line.append(body, 1);
  return line + "\n";
}

ordered_json reference_props(const std::vector<echonet::Property>& props) {
  ordered_json list = ordered_json::array();
  for (const echonet::Property& p : props) {
    list.push_back(
        ordered_json{{"epc", fmt::format("0x{:02X}", p.epc)}, {"edt", trace::to_hex(p.edt)}});
  }
  return list;
}

std::string reference_frame(Direction dir, const Datagram& d, Time t) {
  ordered_json r;
  r["kind"] = "frame";
  r["dir"] = dir == Direction::Sent ? "tx" : "rx";
  r["from"] = sim::to_string(d.from);
  r["to"] = sim::to_string(d.to);
  r["hex"] = trace::to_hex(d.bytes);
  auto decoded = echonet::decode(d.bytes);
  if (!decoded) {
    r["decode_error"] = decoded.error().code;
  } else if (const auto* f = std::get_if<echonet::Frame>(&*decoded)) {
    r["esv"] = echonet::esv_name(f->esv);
    r["tid"] = f->tid;
    r["seoj"] = echonet::to_string(f->seoj);
    r["deoj"] = echonet::to_string(f->deoj);
    r["props"] = reference_props(f->props);
    if (echonet::is_setget_family(f->esv)) r["get_props"] = reference_props(f->get_props);
  } else {
    r["format"] = 2;
    r["tid"] = std::get<echonet::OpaqueFrame>(*decoded).tid;
  }
  return reference_line(t, std::move(r));
}

std::string reference_property(Time t, const std::string& node, echonet::Eoj eoj, std::uint8_t epc,
                               const std::vector<std::uint8_t>& old,
                               const std::vector<std::uint8_t>& now, const std::string& cause) {
  ordered_json r;
  r["kind"] = "property";
  r["node"] = node;
  r["eoj"] = echonet::to_string(eoj);
  r["epc"] = fmt::format("0x{:02X}", epc);
  r["old"] = trace::to_hex(old);
  r["now"] = trace::to_hex(now);
  r["cause"] = cause;
  return reference_line(t, std::move(r));
}

Datagram datagram(const std::vector<std::uint8_t>& bytes, const char* from, std::uint16_t port,
                  const char* to) {
  return Datagram{{boost::asio::ip::make_address_v4(from), port},
                  {boost::asio::ip::make_address_v4(to), 3610},
                  bytes};
}

}  // namespace

TEST(TraceWriter, FrameLinesAreByteForByteWhatTheJsonWriterWrote) {
  const std::vector<std::vector<std::uint8_t>> frames{
      // Get_Res with two properties, one of them long
      {0x10, 0x81, 0x00, 0x07, 0x01, 0x30, 0x01, 0x05, 0xFF, 0x01, 0x72,
       0x02, 0x80, 0x01, 0x30, 0x9F, 0x05, 0x04, 0x80, 0x81, 0x82, 0x83},
      // SetGet with an empty EDT in the Get list
      {0x10, 0x81, 0xFF, 0xFF, 0x05, 0xFF, 0x01, 0x01, 0x30, 0x01, 0x6E, 0x01, 0x80, 0x01, 0x31,
       0x01, 0xB0, 0x00},
      // INF with no properties left after OPC 0
      {0x10, 0x81, 0x00, 0x00, 0x0E, 0xF0, 0x01, 0x0E, 0xF0, 0x01, 0x73, 0x00},
      // format 2
      {0x10, 0x82, 0x12, 0x34, 0xDE, 0xAD},
      // truncated, bad EHD1, empty
      {0x10, 0x81, 0x00},
      {0x11, 0x81, 0x00, 0x01, 0x05, 0xFF, 0x01, 0x01, 0x30, 0x01, 0x62, 0x00},
      {},
  };
  std::ostringstream out;
  std::string expected;
  {
    Trace trace(out);
    const Time times[] = {Time(0), seconds(12) + Time(250), seconds(7 * 86400) + Time(999'999'999),
                          Time(-500'000'000)};
    std::size_t i = 0;
    for (const auto& bytes : frames) {
      for (Direction dir : {Direction::Sent, Direction::Received}) {
        const Datagram d = datagram(bytes, "127.10.0.254", static_cast<std::uint16_t>(i * 997),
                                    i % 2 ? "224.0.23.0" : "127.0.0.1");
        const Time t = times[i % 4];
        trace.frame(dir, d, t);
        expected += reference_frame(dir, d, t);
        ++i;
      }
    }
  }
  EXPECT_EQ(out.str(), expected);
}

TEST(TraceWriter, PropertyLinesEscapeNamesExactlyAsTheJsonWriterDid) {
  const std::vector<std::string> names{"living_ac",          "リビングエアコン",
                                       "say \"hi\"\\",       "tab\tnew\nline\x01\x1f\x7f",
                                       "bad \xff\xfe utf-8", ""};
  std::ostringstream out;
  std::string expected;
  {
    Trace trace(out);
    for (const std::string& name : names) {
      const std::vector<std::uint8_t> old{0x30}, now{0x31, 0x00, 0xAB};
      trace.property(seconds(60), name, {0x01, 0x30, 0x01}, 0x80, old, now, name + " cause");
      expected += reference_property(seconds(60), name, {0x01, 0x30, 0x01}, 0x80, old, now,
                                     name + " cause");
    }
  }
  EXPECT_EQ(out.str(), expected);
}

TEST(TraceWriter, TailStaysRightWhenItsBuffersAreReused) {
  std::ostringstream out;
  Trace trace(out, 3);
  for (int i = 0; i < 10; ++i) {
    trace.event(seconds(i), "step", {{"index", i}});
  }
  const std::vector<std::string> lines = trace.tail();
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0], R"({"t":7.000000000,"kind":"step","index":7})");
  EXPECT_EQ(lines[2], R"({"t":9.000000000,"kind":"step","index":9})");
  EXPECT_EQ(trace.lines_written(), 10u);
  EXPECT_EQ(out.str().size(), 10 * lines[0].size() + 10);
}

TEST(TraceWriter, MemoryOnlyTraceKeepsTheLastLinesAndSavesThem) {
  Trace trace = Trace::memory_only(2);
  const std::vector<std::uint8_t> old{0x30}, now{0x31};
  trace.property(seconds(1), "lamp", {0x02, 0x90, 0x01}, 0x80, old, now, "set");
  trace.event(seconds(2), "step", {{"index", 1}});
  trace.event(seconds(3), "step_failed", {{"index", 1}});
  EXPECT_TRUE(trace.status());
  EXPECT_EQ(trace.lines_written(), 3u);
  ASSERT_EQ(trace.tail().size(), 2u);

  const auto path = std::filesystem::temp_directory_path() /
                    ("hemsrig_trace_writer_" + std::to_string(::getpid()) + ".jsonl");
  ASSERT_TRUE(trace.save(path.string()));
  std::ifstream in(path);
  const std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  std::filesystem::remove(path);
  EXPECT_EQ(text, trace.tail()[0] + "\n" + trace.tail()[1] + "\n");
  EXPECT_NE(text.find("step_failed"), std::string::npos);
}

TEST(TraceWriter, SaveToAnUnwritablePathIsAnError) {
  Trace trace = Trace::memory_only(2);
  auto st = trace.save("/nonexistent-dir/x.jsonl");
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().code, "open_failed");
}
