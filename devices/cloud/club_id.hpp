// ClubIdService: the CLUB Panasonic ID account service (DOMAIN R20-R24).
// Sign-up with e-mail + password (8-16 half-width letters and digits, both
// kinds, no symbols: R20), a verification mail whose link lives 1 hour (R21,
// a parameter), login sessions as bearer tokens, optional two-step
// verification by SMS code (R22, skippable), social sign-up (R23: provider +
// subject, no password) and withdrawal only on the web path (R24: the app's
// route refuses it). Other services ask it who a bearer token belongs to.
// Single-threaded (the engine's thread).
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "devices/cloud/cloud_events.hpp"
#include "devices/cloud/cloud_service.hpp"
#include "devices/cloud/outbox.hpp"
#include "sim/core/engine.hpp"

namespace hemsrig::cloud {

struct ClubIdOptions {
  sim::Duration verification_link_lifetime = sim::hours(1);  // DOMAIN R21
  sim::Duration sms_code_lifetime = sim::minutes(10);        // rig's choice
  sim::Duration session_lifetime = sim::hours(24 * 30);      // rig's choice
};

struct Account {
  std::string email;          // the CLUB ID
  std::string password_hash;  // salted SHA-256 hex; empty for social accounts
  std::string salt;
  bool verified = false;
  std::string phone;            // for two-step verification (R22); empty: none
  bool two_factor = false;      // R22: SMS code at login
  std::string social_provider;  // R23: "line", "google", ... empty: e-mail sign-up
  std::string social_subject;
  sim::Time created_at{0};
};

// DOMAIN R20: 8-16 half-width characters, letters and digits both, no symbols.
// Error "weak_password" saying which part of the rule failed.
Status check_password_rule(std::string_view password);

class ClubIdService : public CloudService {
 public:
  // `base_url` gives the cloud's URL for the links in mails ("http://127.0.0.1:PORT").
  ClubIdService(sim::Engine& engine, Outbox& outbox, CloudEvents& events,
                std::function<std::string()> base_url, ClubIdOptions options = {});

  // R20/R21: creates an unverified account and mails the verification link.
  // Errors: "invalid_email", "weak_password", "email_taken".
  Result<const Account*> sign_up(const std::string& email, const std::string& password);
  // R23: a verified account without password from a social provider.
  Result<const Account*> social_sign_up(const std::string& provider, const std::string& subject,
                                        const std::string& email);
  // An account as the world file seeds it (verified or not, with a phone for R22).
  Status seed(const std::string& email, const std::string& password, bool verified,
              const std::string& phone);
  // R21: follows a verification link's token. Errors "link_unknown", "link_expired".
  Status verify(const std::string& token);

  // A login. With two-step verification on, the answer is a challenge whose
  // SMS code completes it (complete_login). Errors: "login_failed", "not_verified".
  struct Login {
    std::string session;    // the bearer token; empty while a challenge is pending
    std::string challenge;  // R22: send the SMS code with this
  };
  Result<Login> login(const std::string& email, const std::string& password);
  Result<Login> complete_login(const std::string& challenge, const std::string& code);
  // R22: turns two-step verification on for the account (SMS code to `phone`).
  Status enable_two_factor(const std::string& email, const std::string& phone);
  // R43: the session ends. Unknown tokens are ignored.
  void logout(std::string_view session);
  // R24: the web path only. Errors "login_failed".
  Status withdraw(const std::string& email, const std::string& password);

  const Account* find(std::string_view email) const;
  // The CLUB ID (e-mail) of a live login session, or nullopt.
  std::optional<std::string> session_owner(std::string_view bearer_token) const;
  bool check_password(std::string_view email, std::string_view password) const;
  std::size_t account_count() const { return accounts_.size(); }

  // Called when an ID is withdrawn (R24), so other services drop what they hold for it.
  void on_withdrawn(std::function<void(const std::string& email)> fn) {
    withdrawn_observers_.push_back(std::move(fn));
  }

  std::string_view name() const override { return "club_id"; }
  void add_routes(ApiRoutes& routes) override;
  nlohmann::json snapshot() const override;
  Status restore(const nlohmann::json& snapshot) override;

 private:
  struct Pending {  // a verification link or an SMS challenge
    std::string email;
    sim::Time expires_at{0};
    std::string code;  // SMS challenges only
  };
  struct Session {
    std::string email;
    sim::Time expires_at{0};
  };
  std::string new_token(std::size_t bytes = 16);
  std::string hash(const std::string& salt, std::string_view password) const;
  Login open_session(const std::string& email);

  sim::Engine& engine_;
  Outbox& outbox_;
  CloudEvents& events_;
  std::function<std::string()> base_url_;
  ClubIdOptions options_;
  std::map<std::string, Account, std::less<>> accounts_;
  std::map<std::string, Pending, std::less<>> links_;       // token -> verification
  std::map<std::string, Pending, std::less<>> challenges_;  // token -> SMS login
  std::map<std::string, Session, std::less<>> sessions_;
  std::vector<std::function<void(const std::string&)>> withdrawn_observers_;
};

}  // namespace hemsrig::cloud
