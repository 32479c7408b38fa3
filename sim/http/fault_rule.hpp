// FaultRule: one fault the mock servers inject (the union of what WireMock's faults and
// Toxiproxy's toxics offer), which requests it hits (method + path pattern, client address), how
// often (a probability drawn from the engine's seeded RNG, a limit on how many times), and the
// kind's parameters. Plain data: the FaultInjector runs rules, fault_plan.hpp reads and writes
// them as JSON (docs/faults.md), the HttpServer carries them out on the wire.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sim/core/result.hpp"
#include "sim/core/time.hpp"

namespace hemsrig::http {

enum class FaultKind {
  Latency,           // answer after a fixed delay
  LatencyUniform,    // ... after a delay drawn uniformly from [min, max]
  LatencyLognormal,  // ... after a delay drawn lognormally (median, sigma), optionally capped
  Dribble,           // body sent as HTTP chunks of chunk_bytes, delay between chunks
  Status,            // an error status (and body) instead of the route's answer
  Empty,             // the connection closes without an answer
  MalformedChunk,    // headers, then a chunk whose size line is garbage, then close
  RandomData,        // random bytes instead of an answer, then close
  Reset,             // connection reset by peer (SO_LINGER 0, close)
  Bandwidth,         // the answer at bytes_per_second
  SlowClose,         // the answer, then the connection stays open for `delay` before it closes
  Timeout,           // the request is swallowed: no answer, data dropped; closes after `delay`
                     // (0: only when the client gives up)
  DataLimit,         // the first `bytes` bytes of the answer, then close
};

std::string_view fault_kind_name(FaultKind kind);  // "latency", "latency_uniform", ...
std::optional<FaultKind> fault_kind_from_name(std::string_view name);
std::vector<std::string> fault_kind_names();
// Latency kinds add up and combine with one other rule; the others are exclusive.
bool is_latency(FaultKind kind);
// Kinds after which the route's handler never runs (the request never reached the service).
bool skips_handler(FaultKind kind);

// Which requests a rule hits. Path patterns as in the Router: "*" (every path), "/a/*" (the path
// and everything below), "/a/{id}/b" ({...} is one whole segment), or an exact path.
struct FaultMatch {
  std::string method = "*";  // "*" or an exact method ("GET")
  std::string path = "*";
  std::string client;  // the client's IP address ("127.0.0.5"); empty: every client

  bool matches(std::string_view method, std::string_view path, std::string_view client) const;
};

struct FaultRule {
  std::string id;  // given by the injector ("f1", ...) unless set
  FaultKind kind = FaultKind::Status;
  FaultMatch match;
  double probability = 1.0;  // 0..1; drawn from Engine::rng() only when strictly between
  std::uint64_t times = 0;   // retire after firing this many times; 0: never
  std::uint64_t fired = 0;   // how often it fired so far (kept by the injector)

  // Parameters; each kind reads only its own (see docs/faults.md).
  sim::Duration delay{0};            // latency, dribble (between chunks), slow_close, timeout
  sim::Duration min_delay{0};        // latency_uniform
  sim::Duration max_delay{0};        // latency_uniform; latency_lognormal's cap (0: none)
  double median_ms = 0;              // latency_lognormal
  double sigma = 0;                  // latency_lognormal
  std::size_t chunk_bytes = 16;      // dribble
  int status = 503;                  // status
  std::string body;                  // status
  std::string content_type;          // status; empty: text/plain, or JSON when body starts with '{'
  std::size_t bytes = 64;            // random_data (how many), data_limit (the limit)
  std::size_t bytes_per_second = 0;  // bandwidth
};

// Checks a rule's match and parameters. Error code "fault_rule", the message naming the field.
Status check_fault_rule(const FaultRule& rule);

// A whole configuration: the rules in order, and whether the servers are offline.
struct FaultPlan {
  bool offline = false;
  std::vector<FaultRule> rules;
};

}  // namespace hemsrig::http
