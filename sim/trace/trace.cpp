#include "sim/trace/trace.hpp"

#include <fmt/format.h>

#include <cstdlib>
#include <utility>
#include <variant>

namespace hemsrig::trace {

namespace {

using ordered_json = nlohmann::ordered_json;

std::string endpoint_text(const sim::UdpEndpoint& e) {
  return fmt::format("{}:{}", e.address.to_string(), e.port);
}

std::string epc_text(std::uint8_t epc) {
  return fmt::format("0x{:02X}", epc);
}

ordered_json props_json(const std::vector<echonet::Property>& props) {
  ordered_json list = ordered_json::array();
  for (const echonet::Property& p : props) {
    list.push_back(ordered_json{{"epc", epc_text(p.epc)}, {"edt", to_hex(p.edt)}});
  }
  return list;
}

}  // namespace

std::string format_seconds(sim::Time t) {
  const std::int64_t ns = t.count();
  // Split the magnitude so the sign is written once, also for -0.5 s.
  const std::uint64_t magnitude =
      ns < 0 ? static_cast<std::uint64_t>(-(ns + 1)) + 1 : static_cast<std::uint64_t>(ns);
  return fmt::format("{}{}.{:09}", ns < 0 ? "-" : "", magnitude / 1'000'000'000u,
                     magnitude % 1'000'000'000u);
}

std::string to_hex(std::span<const std::uint8_t> bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (std::uint8_t b : bytes) {
    out += kDigits[b >> 4];
    out += kDigits[b & 0x0F];
  }
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

Trace::Trace(Trace&& other) noexcept
    : file_(std::move(other.file_)),
      out_(std::exchange(other.out_, nullptr)),
      tail_limit_(other.tail_limit_),
      tail_(std::move(other.tail_)),
      lines_written_(other.lines_written_) {}

Trace& Trace::operator=(Trace&& other) noexcept {
  if (this != &other) {
    flush();
    file_ = std::move(other.file_);
    out_ = std::exchange(other.out_, nullptr);
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

void Trace::write(sim::Time t, ordered_json record) {
  // nlohmann has no raw-number type, and a double would print 12.00000025 (or
  // lose nanoseconds after ~100 days), so "t" is spliced in as text.
  // Invalid UTF-8 in a node name must not throw: replace it.
  const std::string body = record.dump(-1, ' ', false, ordered_json::error_handler_t::replace);
  std::string line = "{\"t\":" + format_seconds(t);
  if (body.size() > 2) line += ',';
  line.append(body, 1);  // body without its opening brace
  if (out_ != nullptr) *out_ << line << '\n';
  ++lines_written_;
  if (tail_limit_ == 0) return;
  if (tail_.size() == tail_limit_) tail_.pop_front();
  tail_.push_back(std::move(line));
}

void Trace::frame(sim::Direction dir, const sim::Datagram& datagram, sim::Time t) {
  ordered_json r;
  r["kind"] = "frame";
  r["dir"] = dir == sim::Direction::Sent ? "tx" : "rx";
  r["from"] = endpoint_text(datagram.from);
  r["to"] = endpoint_text(datagram.to);
  r["hex"] = to_hex(datagram.bytes);
  auto decoded = echonet::decode(datagram.bytes);
  if (!decoded) {
    r["decode_error"] = decoded.error().code;
  } else if (const auto* f = std::get_if<echonet::Frame>(&*decoded)) {
    r["esv"] = echonet::esv_name(f->esv);
    r["tid"] = f->tid;
    r["seoj"] = echonet::to_string(f->seoj);
    r["deoj"] = echonet::to_string(f->deoj);
    r["props"] = props_json(f->props);
    if (echonet::is_setget_family(f->esv)) r["get_props"] = props_json(f->get_props);
  } else {
    r["format"] = 2;
    r["tid"] = std::get<echonet::OpaqueFrame>(*decoded).tid;
  }
  write(t, std::move(r));
}

void Trace::property(sim::Time t, std::string_view node, echonet::Eoj eoj, std::uint8_t epc,
                     std::span<const std::uint8_t> old, std::span<const std::uint8_t> now,
                     std::string_view cause) {
  ordered_json r;
  r["kind"] = "property";
  r["node"] = std::string(node);
  r["eoj"] = echonet::to_string(eoj);
  r["epc"] = epc_text(epc);
  r["old"] = to_hex(old);
  r["now"] = to_hex(now);
  r["cause"] = std::string(cause);
  write(t, std::move(r));
}

void Trace::event(sim::Time t, std::string_view kind, const nlohmann::json& fields) {
  ordered_json r;
  r["kind"] = std::string(kind);
  const bool mergeable = fields.is_object() && !fields.contains("t") && !fields.contains("kind");
  if (mergeable) {
    // nlohmann::json keeps its keys sorted, so the merged order is stable.
    for (const auto& [key, value] : fields.items()) r[key] = ordered_json(value);
  } else if (!fields.is_null()) {
    r["fields"] = ordered_json(fields);
  }
  write(t, std::move(r));
}

}  // namespace hemsrig::trace
