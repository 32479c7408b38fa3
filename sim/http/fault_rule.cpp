#include "sim/http/fault_rule.hpp"

#include <arpa/inet.h>

#include <array>
#include <utility>

namespace hemsrig::http {

namespace {

constexpr std::array<std::pair<FaultKind, std::string_view>, 13> kNames = {{
    {FaultKind::Latency, "latency"},
    {FaultKind::LatencyUniform, "latency_uniform"},
    {FaultKind::LatencyLognormal, "latency_lognormal"},
    {FaultKind::Dribble, "dribble"},
    {FaultKind::Status, "status"},
    {FaultKind::Empty, "empty"},
    {FaultKind::MalformedChunk, "malformed_chunk"},
    {FaultKind::RandomData, "random_data"},
    {FaultKind::Reset, "reset"},
    {FaultKind::Bandwidth, "bandwidth"},
    {FaultKind::SlowClose, "slow_close"},
    {FaultKind::Timeout, "timeout"},
    {FaultKind::DataLimit, "data_limit"},
}};

// Splits "/a/b" into {"", "a", "b"}.
std::vector<std::string_view> segments(std::string_view path) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  while (true) {
    const auto slash = path.find('/', start);
    out.push_back(path.substr(start, slash == std::string_view::npos ? path.npos : slash - start));
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  return out;
}

bool path_matches(std::string_view pattern, std::string_view path) {
  if (pattern == "*") return true;
  if (pattern.size() >= 2 && pattern.ends_with("/*")) {
    const auto prefix = pattern.substr(0, pattern.size() - 2);
    return path == prefix ||
           (path.starts_with(prefix) && path.size() > prefix.size() && path[prefix.size()] == '/');
  }
  if (pattern.find('{') == std::string_view::npos) return pattern == path;
  const auto want = segments(pattern);
  const auto got = segments(path);
  if (want.size() != got.size()) return false;
  for (std::size_t i = 0; i < want.size(); ++i) {
    const bool param = want[i].size() > 2 && want[i].front() == '{' && want[i].back() == '}';
    if (param ? got[i].empty() : want[i] != got[i]) return false;
  }
  return true;
}

bool is_ip(const std::string& text) {
  unsigned char buf[16];
  return ::inet_pton(AF_INET, text.c_str(), buf) == 1 ||
         ::inet_pton(AF_INET6, text.c_str(), buf) == 1;
}

Error bad(const std::string& message) {
  return make_error("fault_rule", message);
}

}  // namespace

std::string_view fault_kind_name(FaultKind kind) {
  for (const auto& [k, name] : kNames)
    if (k == kind) return name;
  return "unknown";
}

std::optional<FaultKind> fault_kind_from_name(std::string_view name) {
  for (const auto& [k, n] : kNames)
    if (n == name) return k;
  return std::nullopt;
}

std::vector<std::string> fault_kind_names() {
  std::vector<std::string> out;
  for (const auto& [k, name] : kNames) out.emplace_back(name);
  return out;
}

bool is_latency(FaultKind kind) {
  return kind == FaultKind::Latency || kind == FaultKind::LatencyUniform ||
         kind == FaultKind::LatencyLognormal;
}

bool skips_handler(FaultKind kind) {
  return kind == FaultKind::Status || kind == FaultKind::Empty || kind == FaultKind::RandomData ||
         kind == FaultKind::Reset || kind == FaultKind::Timeout;
}

bool FaultMatch::matches(std::string_view m, std::string_view p, std::string_view c) const {
  if (method != "*" && method != m) return false;
  if (!client.empty() && client != c) return false;
  return path_matches(path, p);
}

Status check_fault_rule(const FaultRule& rule) {
  const auto& m = rule.match;
  if (m.method.empty() ||
      (m.method != "*" &&
       m.method.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZ") != std::string::npos)) {
    return bad("method: '" + m.method + "' is not \"*\" or an upper-case method such as \"GET\"");
  }
  if (m.path != "*" && !m.path.starts_with("/")) {
    return bad("path: '" + m.path + "' must be \"*\" or start with '/'");
  }
  if (!m.client.empty() && !is_ip(m.client)) {
    return bad("client: '" + m.client + "' is not an IP address");
  }
  if (!(rule.probability >= 0.0 && rule.probability <= 1.0)) {
    return bad("probability: must be between 0 and 1");
  }
  const auto negative = [](sim::Duration d) { return d < sim::Duration::zero(); };
  switch (rule.kind) {
    case FaultKind::Latency:
    case FaultKind::SlowClose:
    case FaultKind::Timeout:
      if (negative(rule.delay)) return bad("ms: must not be negative");
      break;
    case FaultKind::LatencyUniform:
      if (negative(rule.min_delay)) return bad("min_ms: must not be negative");
      if (rule.max_delay < rule.min_delay) return bad("max_ms: must not be below min_ms");
      break;
    case FaultKind::LatencyLognormal:
      if (!(rule.median_ms > 0)) return bad("median_ms: must be above 0");
      if (!(rule.sigma >= 0 && rule.sigma <= 10)) return bad("sigma: must be between 0 and 10");
      if (negative(rule.max_delay)) return bad("max_ms: must not be negative");
      break;
    case FaultKind::Dribble:
      if (rule.chunk_bytes == 0) return bad("chunk_bytes: must be at least 1");
      if (negative(rule.delay)) return bad("delay_ms: must not be negative");
      break;
    case FaultKind::Status:
      if (rule.status < 200 || rule.status > 599) return bad("status: must be 200..599");
      break;
    case FaultKind::RandomData:
      if (rule.bytes == 0 || rule.bytes > 1024 * 1024) return bad("bytes: must be 1..1048576");
      break;
    case FaultKind::Bandwidth:
      if (rule.bytes_per_second == 0) return bad("bytes_per_second: must be at least 1");
      break;
    case FaultKind::DataLimit:
    case FaultKind::Empty:
    case FaultKind::MalformedChunk:
    case FaultKind::Reset:
      break;
  }
  return ok_status();
}

}  // namespace hemsrig::http
