// Link codes (連携コード) the unit issues for the app (DOMAIN R53, manual p39-40):
// one per CLUB ID, valid for 1 hour of engine time (a parameter), single use;
// an expired code is refused with a message to issue a new one; issuing again
// for the same CLUB ID replaces the previous code.
//
// The code's shape is not public: the rig issues 8 decimal digits drawn from
// engine.rng(), never repeating a code this book has issued. A code is valid
// while now < issued_at + lifetime: at 59:59 it works, at 60:00 it is refused.
// Single-threaded (the engine's thread); holds a reference to the engine.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sim/core/engine.hpp"
#include "sim/core/result.hpp"

namespace hemsrig::aiseg2 {

struct LinkCodeOptions {
  sim::Duration lifetime = sim::hours(1);  // DOMAIN R53
  int digits = 8;                          // rig's choice (not public)
};

struct LinkCode {
  std::string code;
  std::string club_id;
  sim::Time issued_at{0};
  sim::Time expires_at{0};  // first instant at which it is refused
};

class LinkCodeBook {
 public:
  explicit LinkCodeBook(sim::Engine& engine, LinkCodeOptions options = {});

  // Issues a fresh code for `club_id`; a live code for the same CLUB ID stops
  // working (refused as "replaced").
  LinkCode issue(std::string_view club_id);

  // Uses up `code`. Refusals (Error codes): link_code_unknown (never issued),
  // link_code_used, link_code_replaced, link_code_expired (says to issue a
  // new one), each citing DOMAIN R53.
  Result<LinkCode> consume(std::string_view code);
  // As consume(code), and also refuses (link_code_other_id, without using the
  // code up) a code issued for another CLUB ID.
  Result<LinkCode> consume(std::string_view code, std::string_view club_id);

  // The code `club_id` may still use, if any (not used, not expired).
  std::optional<LinkCode> live_code(std::string_view club_id) const;

  // Every code issued and not replaced, with whether it was used: what the
  // unit reports to the cloud, which checks the app's code against it.
  struct Issued {
    LinkCode code;
    bool used = false;
  };
  std::vector<Issued> issued() const;

  const LinkCodeOptions& options() const { return options_; }

 private:
  enum class State { Live, Used, Replaced };
  struct Record {
    LinkCode code;
    State state = State::Live;
  };
  Result<Record*> usable(std::string_view code);
  std::string draw_code();

  sim::Engine& engine_;
  LinkCodeOptions options_;
  std::map<std::string, Record, std::less<>> records_;       // by code, all ever issued
  std::map<std::string, std::string, std::less<>> current_;  // CLUB ID -> latest code
};

}  // namespace hemsrig::aiseg2
