// OAuthService: the cloud's OAuth 2.0 authorization-code endpoints that
// Google's account linking calls (DOMAIN R62: "log in with the CLUB ID and
// allow"), in the shapes of RFC 6749 and Google's account-linking guide:
//   GET  /oauth/authorize?client_id&redirect_uri&state&response_type=code
//        -> the CLUB ID login and consent page (HTML form)
//   POST /oauth/authorize   form or JSON: the same parameters + email,
//        password (or a CLUB ID session as Bearer), decision=allow|deny,
//        optional google_account (the rig's extension for R61)
//        -> 302 to redirect_uri?code=..&state=.. (or ?error=access_denied)
//   POST /oauth/token       form-encoded like Google sends it:
//        grant_type=authorization_code|refresh_token, client credentials in
//        the body or HTTP Basic -> {"token_type","access_token",...}
// Errors are OAuth's own bodies {"error":"invalid_grant","error_description"}.
#pragma once

#include <functional>
#include <string>

#include "devices/cloud/cloud_events.hpp"
#include "devices/cloud/cloud_service.hpp"
#include "devices/cloud/club_id.hpp"
#include "devices/cloud/oauth_store.hpp"

namespace hemsrig::cloud {

// The client Google uses by default (its redirect URI has the form Google
// documents: https://oauth-redirect.googleusercontent.com/r/<project id>).
struct GoogleClientDefaults {
  std::string id = "google-smart-home";
  std::string secret = "hemsrig-google-secret";
  std::string redirect_uri = "https://oauth-redirect.googleusercontent.com/r/hemsrig";
};

// "a=1&b=2" with url-encoded parts; a JSON object body is read as well.
std::map<std::string, std::string> form_fields(const http::HttpRequest& request);

class OAuthService : public CloudService {
 public:
  OAuthService(ClubIdService& club_ids, OAuthStore& store, CloudEvents& events);

  // Refusal after login but before a code is issued (the speaker link's R62
  // order: appliances chosen first). Unset: everyone may link.
  void set_link_gate(std::function<Status(const std::string& club_id)> gate) {
    gate_ = std::move(gate);
  }

  OAuthStore& store() { return store_; }
  std::string_view name() const override { return "oauth"; }
  void add_routes(ApiRoutes& routes) override;
  nlohmann::json snapshot() const override { return store_.snapshot(); }
  Status restore(const nlohmann::json& snapshot) override { return store_.restore(snapshot); }

 private:
  http::HttpResponse authorize_page(const http::HttpRequest& req) const;
  http::HttpResponse authorize_decision(const http::HttpRequest& req);
  http::HttpResponse token(const http::HttpRequest& req);

  ClubIdService& club_ids_;
  OAuthStore& store_;
  CloudEvents& events_;
  std::function<Status(const std::string&)> gate_;
};

// {"error":code,"error_description":message} with the status RFC 6749 gives it.
http::HttpResponse oauth_error(const Error& error);

}  // namespace hemsrig::cloud
