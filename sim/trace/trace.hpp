// Trace: a world's record of what happened, one JSON object per line (JSONL).
//
// Frames a fabric sent or received, property changes and other events, stamped
// with simulated time only and written with a fixed key order, so the same seed
// gives the same file byte for byte. The last lines stay in memory for failure
// reports. Single-threaded, like the Engine; write errors surface in status().
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <fstream>
#include <memory>
#include <ostream>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "sim/core/result.hpp"
#include "sim/core/time.hpp"
#include "sim/echonet/frame.hpp"
#include "sim/net/fabric.hpp"

namespace hemsrig::trace {

// Every line starts {"t":<seconds with 9 decimals>,"kind":...}. Identifiers
// (EOJ, EPC) are upper-case "0x..." as in the specification; byte strings (hex,
// edt, old, now) are lower-case hex without spaces.
class Trace {
 public:
  static constexpr std::size_t kDefaultTail = 50;

  // Writes to `path`, created or truncated. Fails with "open_failed".
  static Result<Trace> open(const std::string& path, std::size_t tail_lines = kDefaultTail);
  // Writes to a stream the caller owns and keeps alive longer than the Trace.
  explicit Trace(std::ostream& out, std::size_t tail_lines = kDefaultTail);
  // Writes nowhere and keeps only the last `tail_lines` lines (for failure
  // reports of runs that do not keep their trace); save() puts them in a file.
  static Trace memory_only(std::size_t tail_lines);
  Trace(Trace&& other) noexcept;
  Trace& operator=(Trace&& other) noexcept;
  Trace(const Trace&) = delete;
  Trace& operator=(const Trace&) = delete;
  ~Trace();  // flushes

  // kind "frame": dir "tx"/"rx", from, to, hex; when the bytes decode as
  // ECHONET Lite format 1 also esv, tid, seoj, deoj, props [{epc, edt}] (and
  // get_props for the SetGet family); format 2 adds format 2 and tid; bytes
  // that do not decode add decode_error (the codec's error code).
  // The signature matches sim::Fabric::Observer.
  void frame(sim::Direction dir, const sim::Datagram& datagram, sim::Time t);
  // kind "property": node, eoj, epc, old, now, cause.
  void property(sim::Time t, std::string_view node, echonet::Eoj eoj, std::uint8_t epc,
                std::span<const std::uint8_t> old, std::span<const std::uint8_t> now,
                std::string_view cause);
  // kind `kind`, then the members of `fields`. A `fields` that is not an object,
  // or that has its own "t" or "kind", is written whole under "fields" instead.
  void event(sim::Time t, std::string_view kind, const nlohmann::json& fields);

  void flush();
  // "write_failed" once the stream has failed (disk full, closed pipe).
  Status status() const;
  // The last lines written (at most tail_lines), oldest first, without newlines.
  std::vector<std::string> tail() const;
  std::size_t lines_written() const { return lines_written_; }
  // Writes tail() to `path` as JSONL. Fails with "open_failed" or "write_failed".
  Status save(const std::string& path) const;

 private:
  Trace() = default;
  // A line is built in one buffer (the oldest line of a full tail reused, no
  // allocation per line), then written and kept in the tail.
  std::string start_line(sim::Time t);
  void finish_line(std::string line);

  std::unique_ptr<std::ofstream> file_;  // set when the Trace owns its file
  std::ostream* out_ = nullptr;          // null once moved from, or memory only
  bool memory_only_ = false;
  std::size_t tail_limit_ = kDefaultTail;
  std::deque<std::string> tail_;
  std::size_t lines_written_ = 0;
};

// "12.000000250": simulated seconds with nanosecond digits, exact (no double).
std::string format_seconds(sim::Time t);
// Lower-case hex, no spaces: "1081000a".
std::string to_hex(std::span<const std::uint8_t> bytes);

}  // namespace hemsrig::trace
