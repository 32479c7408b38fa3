// DigestAuth: HTTP Digest access authentication (RFC 7616 / RFC 2617), MD5 with qop="auth",
// as the AiSEG2 unit asks for on every path.
//
// The challenge quotes every value: `Digest realm="AiSEG", nonce="...", qop="auth"` (some
// clients need every challenge value quoted; AISEG2-FACTS, seen). Nonces come from a generator
// seeded by the options, so a run is repeatable; the newest `max_nonces` are remembered and a
// nonce may also age out (when a clock is given), after which the client is told stale="true".
// Clients that answer each fresh 401 with nc=00000001 are fine: a fresh nonce starts at nc 0.
// With NcPolicy::Increasing (default) a nonce's nc must grow, so a captured Authorization header
// cannot be replayed; NcPolicy::Any accepts any nc >= 1.
// The password is asked of a callback on every check, so the unit's access password (R32) may
// change at run time. Single-threaded.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <unordered_map>

#include "sim/core/time.hpp"
#include "sim/http/router.hpp"

namespace hemsrig::http {

enum class NcPolicy { Increasing, Any };

struct DigestAuthOptions {
  std::string realm = "AiSEG";  // AISEG2-FACTS: reported
  std::string user = "aiseg";   // AISEG2-FACTS: seen
  std::uint64_t seed = 1;
  std::size_t max_nonces = 256;
  // With a clock: a nonce older than this is stale. Without one, nonces age out only by count.
  sim::Duration nonce_lifetime = std::chrono::minutes(10);
  NcPolicy nc_policy = NcPolicy::Increasing;
};

struct DigestAuthCounters {
  std::uint64_t accepted = 0;
  std::uint64_t challenged = 0;  // no or unusable Authorization header
  std::uint64_t wrong_credentials = 0;
  std::uint64_t stale = 0;  // unknown or expired nonce, or an nc that did not grow
};

// The parameters of an `Authorization: Digest ...` header (keys lower-cased, values unquoted).
// Nullopt when the scheme is not Digest or the list cannot be parsed.
std::optional<std::map<std::string, std::string>> parse_digest_header(const std::string& header);
std::string md5_hex(const std::string& text);  // lower-case hex

class DigestAuth {
 public:
  using PasswordSource = std::function<std::string()>;
  using Clock = std::function<sim::Time()>;

  DigestAuth(DigestAuthOptions options, PasswordSource password, Clock clock = {});

  // Nullopt when the request carries valid credentials; otherwise the 401 to answer with.
  std::optional<HttpResponse> check(const HttpRequest& request);
  // A Router guard that runs check() (the DigestAuth must outlive the router).
  Guard guard() {
    return [this](const HttpRequest& r) { return check(r); };
  }

  // A 401 with a fresh challenge (stale="true" when asked).
  HttpResponse challenge(bool stale = false);
  const DigestAuthOptions& options() const { return options_; }
  const DigestAuthCounters& counters() const { return counters_; }

  // The response value a client computes (for tests and for the rig's own clients).
  static std::string expected_response(const std::string& user, const std::string& realm,
                                       const std::string& password, const std::string& method,
                                       const std::string& uri, const std::string& nonce,
                                       const std::string& nc, const std::string& cnonce,
                                       const std::string& qop);

 private:
  struct NonceState {
    sim::Time issued{0};
    std::uint64_t last_nc = 0;
  };
  std::string new_nonce();

  DigestAuthOptions options_;
  PasswordSource password_;
  Clock clock_;
  std::mt19937_64 rng_;
  std::unordered_map<std::string, NonceState> nonces_;
  std::deque<std::string> nonce_order_;  // oldest first, for eviction
  DigestAuthCounters counters_;
};

}  // namespace hemsrig::http
