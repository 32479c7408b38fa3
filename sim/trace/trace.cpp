#include "sim/trace/trace.hpp"

#include <fmt/format.h>

#include <array>
#include <cstdlib>
#include <utility>
#include <variant>

namespace hemsrig::trace {

// Frame and property lines are the bulk of a long run (a simulated week writes
// about a million), so they are written straight into a reused buffer: no JSON
// objects, no allocation per line once the tail ring is full. What they say is
// exactly what nlohmann's dump() of the same ordered object said (trace_test
// compares both), so every reader of the JSONL keeps working.

namespace {

constexpr char kHexLower[] = "0123456789abcdef";
constexpr char kHexUpper[] = "0123456789ABCDEF";

void append_hex(std::string& out, std::span<const std::uint8_t> bytes) {
  const std::size_t at = out.size();
  out.resize(at + bytes.size() * 2);
  char* p = out.data() + at;
  for (std::uint8_t b : bytes) {
    *p++ = kHexLower[b >> 4];
    *p++ = kHexLower[b & 0x0F];
  }
}

// "0x80": an EPC as the specification writes it.
void append_epc(std::string& out, std::uint8_t epc) {
  const char text[4] = {'0', 'x', kHexUpper[epc >> 4], kHexUpper[epc & 0x0F]};
  out.append(text, 4);
}

// "0x013001", as echonet::to_string(Eoj).
void append_eoj(std::string& out, const echonet::Eoj& eoj) {
  const char text[8] = {'0',
                        'x',
                        kHexUpper[eoj.group >> 4],
                        kHexUpper[eoj.group & 0x0F],
                        kHexUpper[eoj.cls >> 4],
                        kHexUpper[eoj.cls & 0x0F],
                        kHexUpper[eoj.instance >> 4],
                        kHexUpper[eoj.instance & 0x0F]};
  out.append(text, 8);
}

void append_uint(std::string& out, std::uint64_t v) {
  char digits[20];
  char* end = digits + sizeof digits;
  char* p = end;
  do {
    *--p = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v != 0);
  out.append(p, static_cast<std::size_t>(end - p));
}

// "127.0.1.2:3610", as sim::to_string(UdpEndpoint).
void append_endpoint(std::string& out, const sim::UdpEndpoint& e) {
  const auto b = e.address.to_bytes();
  for (std::size_t i = 0; i < b.size(); ++i) {
    if (i != 0) out += '.';
    append_uint(out, b[i]);
  }
  out += ':';
  append_uint(out, e.port);
}

// A JSON string as nlohmann's dump(-1, ' ', false, replace) writes it. Plain
// printable ASCII (every name and code the rig makes) is copied; anything else
// (quotes, control characters, UTF-8, invalid UTF-8) goes through nlohmann
// itself, so the escaping cannot drift from the event lines'.
void append_string(std::string& out, std::string_view s) {
  bool plain = true;
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u >= 0x80 || c == '"' || c == '\\') {
      plain = false;
      break;
    }
  }
  if (plain) {
    out += '"';
    out.append(s);
    out += '"';
    return;
  }
  out +=
      nlohmann::json(std::string(s)).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// "12.000000250", as format_seconds().
void append_seconds(std::string& out, sim::Time t) {
  const std::int64_t ns = t.count();
  const std::uint64_t magnitude =
      ns < 0 ? static_cast<std::uint64_t>(-(ns + 1)) + 1 : static_cast<std::uint64_t>(ns);
  if (ns < 0) out += '-';
  append_uint(out, magnitude / 1'000'000'000u);
  char frac[10] = {'.'};
  std::uint64_t f = magnitude % 1'000'000'000u;
  for (int i = 9; i >= 1; --i) {
    frac[i] = static_cast<char>('0' + f % 10);
    f /= 10;
  }
  out.append(frac, 10);
}

// One scratch buffer per thread (worlds of parallel jobs run on their own threads).
std::string& scratch() {
  thread_local std::string buffer;
  return buffer;
}

void append_props(std::string& out, const std::vector<echonet::Property>& props) {
  out += '[';
  bool first = true;
  for (const echonet::Property& p : props) {
    if (!first) out += ',';
    first = false;
    out += "{\"epc\":\"";
    append_epc(out, p.epc);
    out += "\",\"edt\":\"";
    append_hex(out, p.edt);
    out += "\"}";
  }
  out += ']';
}

}  // namespace

std::string format_seconds(sim::Time t) {
  std::string out;
  append_seconds(out, t);
  return out;
}

std::string to_hex(std::span<const std::uint8_t> bytes) {
  std::string out;
  append_hex(out, bytes);
  return out;
}

Result<Trace> Trace::open(const std::string& path, std::size_t tail_lines) {
  auto file = std::make_unique<std::ofstream>(path, std::ios::out | std::ios::trunc);
  if (!file->is_open()) {
    return make_error("open_failed", fmt::format("cannot open trace file {} for writing", path));
  }
  Trace trace(*file, tail_lines);
  trace.file_ = std::move(file);
  return trace;
}

Trace::Trace(std::ostream& out, std::size_t tail_lines) : out_(&out), tail_limit_(tail_lines) {}

Trace Trace::memory_only(std::size_t tail_lines) {
  Trace trace;
  trace.memory_only_ = true;
  trace.tail_limit_ = tail_lines;
  return trace;
}

Trace::Trace(Trace&& other) noexcept
    : file_(std::move(other.file_)),
      out_(std::exchange(other.out_, nullptr)),
      memory_only_(other.memory_only_),
      tail_limit_(other.tail_limit_),
      tail_(std::move(other.tail_)),
      lines_written_(other.lines_written_) {}

Trace& Trace::operator=(Trace&& other) noexcept {
  if (this != &other) {
    flush();
    file_ = std::move(other.file_);
    out_ = std::exchange(other.out_, nullptr);
    memory_only_ = other.memory_only_;
    tail_limit_ = other.tail_limit_;
    tail_ = std::move(other.tail_);
    lines_written_ = other.lines_written_;
  }
  return *this;
}

Trace::~Trace() {
  flush();
}

void Trace::flush() {
  if (out_ != nullptr) out_->flush();
}

Status Trace::status() const {
  if (memory_only_) return ok_status();
  if (out_ == nullptr) return make_error("write_failed", "trace was moved from; it has no stream");
  if (out_->fail()) {
    return make_error("write_failed",
                      fmt::format("trace stream failed after {} lines", lines_written_));
  }
  return ok_status();
}

std::vector<std::string> Trace::tail() const {
  return {tail_.begin(), tail_.end()};
}

Status Trace::save(const std::string& path) const {
  std::ofstream file(path, std::ios::out | std::ios::trunc);
  if (!file.is_open()) {
    return make_error("open_failed", fmt::format("cannot open trace file {} for writing", path));
  }
  for (const std::string& line : tail_) file << line << '\n';
  file.flush();
  if (!file) return make_error("write_failed", fmt::format("cannot write trace file {}", path));
  return ok_status();
}

// The buffer a line is built in: the oldest line of a full tail ring (its
// capacity is reused), else a thread's own scratch string.
std::string Trace::start_line(sim::Time t) {
  std::string line;
  if (tail_limit_ != 0 && tail_.size() == tail_limit_) {
    line = std::move(tail_.front());
    tail_.pop_front();
  } else {
    line = std::move(scratch());
  }
  line.assign("{\"t\":");
  append_seconds(line, t);
  return line;
}

void Trace::finish_line(std::string line) {
  line += '\n';
  if (out_ != nullptr) out_->write(line.data(), static_cast<std::streamsize>(line.size()));
  line.pop_back();
  ++lines_written_;
  if (tail_limit_ == 0) {
    scratch() = std::move(line);
    return;
  }
  tail_.push_back(std::move(line));
}

void Trace::frame(sim::Direction dir, const sim::Datagram& datagram, sim::Time t) {
  std::string line = start_line(t);
  line += dir == sim::Direction::Sent ? ",\"kind\":\"frame\",\"dir\":\"tx\",\"from\":\""
                                      : ",\"kind\":\"frame\",\"dir\":\"rx\",\"from\":\"";
  append_endpoint(line, datagram.from);
  line += "\",\"to\":\"";
  append_endpoint(line, datagram.to);
  line += "\",\"hex\":\"";
  append_hex(line, datagram.bytes);
  line += '"';
  auto decoded = echonet::decode(datagram.bytes);
  if (!decoded) {
    line += ",\"decode_error\":";
    append_string(line, decoded.error().code);
  } else if (const auto* f = std::get_if<echonet::Frame>(&*decoded)) {
    line += ",\"esv\":";
    append_string(line, echonet::esv_name(f->esv));
    line += ",\"tid\":";
    append_uint(line, f->tid);
    line += ",\"seoj\":\"";
    append_eoj(line, f->seoj);
    line += "\",\"deoj\":\"";
    append_eoj(line, f->deoj);
    line += "\",\"props\":";
    append_props(line, f->props);
    if (echonet::is_setget_family(f->esv)) {
      line += ",\"get_props\":";
      append_props(line, f->get_props);
    }
  } else {
    line += ",\"format\":2,\"tid\":";
    append_uint(line, std::get<echonet::OpaqueFrame>(*decoded).tid);
  }
  line += '}';
  finish_line(std::move(line));
}

void Trace::property(sim::Time t, std::string_view node, echonet::Eoj eoj, std::uint8_t epc,
                     std::span<const std::uint8_t> old, std::span<const std::uint8_t> now,
                     std::string_view cause) {
  std::string line = start_line(t);
  line += ",\"kind\":\"property\",\"node\":";
  append_string(line, node);
  line += ",\"eoj\":\"";
  append_eoj(line, eoj);
  line += "\",\"epc\":\"";
  append_epc(line, epc);
  line += "\",\"old\":\"";
  append_hex(line, old);
  line += "\",\"now\":\"";
  append_hex(line, now);
  line += "\",\"cause\":";
  append_string(line, cause);
  line += '}';
  finish_line(std::move(line));
}

void Trace::event(sim::Time t, std::string_view kind, const nlohmann::json& fields) {
  // Events are few (steps, faults, cloud events): a JSON object is fine here.
  nlohmann::ordered_json r;
  r["kind"] = std::string(kind);
  const bool mergeable = fields.is_object() && !fields.contains("t") && !fields.contains("kind");
  if (mergeable) {
    // nlohmann::json keeps its keys sorted, so the merged order is stable.
    for (const auto& [key, value] : fields.items()) r[key] = nlohmann::ordered_json(value);
  } else if (!fields.is_null()) {
    r["fields"] = nlohmann::ordered_json(fields);
  }
  // nlohmann has no raw-number type, and a double would print 12.00000025 (or
  // lose nanoseconds after ~100 days), so "t" is spliced in as text.
  // Invalid UTF-8 in a node name must not throw: replace it.
  const std::string body = r.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
  std::string line = start_line(t);
  line += ',';
  line.append(body, 1);  // body without its opening brace
  finish_line(std::move(line));
}

}  // namespace hemsrig::trace
