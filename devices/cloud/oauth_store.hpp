// OAuthStore: the authorization server behind the speaker link's account
// linking (DOMAIN R62: "link the CLUB ID with the Google account"), as Google
// expects it: registered clients with exact redirect URIs, authorization codes
// that are single use and short-lived, access tokens that expire, refresh
// tokens, and revocation (DISCONNECT, account deletion). Engine time only.
// Single-threaded (the engine's thread). Errors carry OAuth's own codes.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sim/core/engine.hpp"
#include "sim/core/result.hpp"

namespace hemsrig::cloud {

struct OAuthClient {
  std::string id;
  std::string secret;
  std::vector<std::string> redirect_uris;  // matched exactly, byte for byte
};

struct OAuthOptions {
  sim::Duration code_lifetime = sim::minutes(10);
  sim::Duration access_token_lifetime = sim::hours(1);
};

struct TokenGrant {
  std::string access_token;
  std::string refresh_token;
  std::int64_t expires_in_s = 0;
};

// Who a valid access token speaks for.
struct TokenOwner {
  std::string club_id;
  std::string client_id;
  std::string google_account;  // "" when the client did not say (see OAuthStore::issue_code)
};

class OAuthStore {
 public:
  explicit OAuthStore(sim::Engine& engine, OAuthOptions options = {});

  void register_client(OAuthClient client);
  const OAuthClient* client(const std::string& id) const;
  const OAuthOptions& options() const { return options_; }

  // Checks an authorize request before anyone logs in. Errors (RFC 6749
  // 4.1.2.1): invalid_client (unknown client_id), invalid_redirect_uri (not one
  // of the client's URIs, exactly), unsupported_response_type (not "code").
  // The first two must not redirect; the caller shows them instead.
  Status check_authorize(const std::string& client_id, const std::string& redirect_uri,
                         const std::string& response_type) const;

  // After login and "allow": a fresh single-use code bound to the client, the
  // redirect URI and the CLUB ID. DOMAIN R61: exactly one Google account per
  // CLUB ID. A CLUB ID that holds a live link (tokens not revoked) is refused
  // google_account_already_linked, unless the client names its Google account
  // (`google_account`, the rig's extension) and it is the same one, which
  // relinks. Revoke first to link another account.
  Result<std::string> issue_code(const std::string& client_id, const std::string& redirect_uri,
                                 const std::string& club_id, const std::string& google_account);

  // grant_type=authorization_code. Errors: invalid_client (unknown id or wrong
  // secret), invalid_grant (unknown, used, expired code; redirect URI or client
  // not the code's). A reused code also revokes what it had issued (RFC 6749
  // 4.1.2).
  Result<TokenGrant> exchange_code(const std::string& client_id, const std::string& client_secret,
                                   const std::string& code, const std::string& redirect_uri);
  // grant_type=refresh_token: a new access token; the refresh token stays.
  // Errors: invalid_client, invalid_grant (unknown or revoked token).
  Result<TokenGrant> refresh(const std::string& client_id, const std::string& client_secret,
                             const std::string& refresh_token);

  // A bearer token as the fulfilment sees it. Errors use Google's codes:
  // authFailure (unknown or revoked), authExpired (past its lifetime; Google
  // then refreshes).
  Result<TokenOwner> access_owner(const std::string& access_token) const;

  // Revokes every code and token of the CLUB ID (DISCONNECT, R44 deletion).
  // Returns how many refresh tokens were revoked.
  std::size_t revoke(const std::string& club_id);
  // True while the CLUB ID holds a refresh token that is not revoked.
  bool linked(const std::string& club_id) const;
  std::optional<std::string> linked_google_account(const std::string& club_id) const;

  // The links that must survive a restart (refresh and access tokens; codes
  // are short-lived and are not kept). Clients are registered by code.
  nlohmann::json snapshot() const;
  Status restore(const nlohmann::json& snapshot);

 private:
  struct Code {
    std::string client_id;
    std::string redirect_uri;
    std::string club_id;
    std::string google_account;
    sim::Time expires{0};
    bool used = false;
    std::string refresh_token;  // what it was exchanged for
  };
  struct Refresh {
    std::string client_id;
    std::string club_id;
    std::string google_account;
    bool revoked = false;
  };
  struct Access {
    std::string refresh_token;
    sim::Time expires{0};
  };

  Status check_client(const std::string& client_id, const std::string& client_secret) const;
  std::string random_token(std::size_t bytes);
  TokenGrant grant_access(const std::string& refresh_token);
  void revoke_family(const std::string& refresh_token);

  sim::Engine& engine_;
  OAuthOptions options_;
  std::map<std::string, OAuthClient> clients_;
  std::map<std::string, Code> codes_;
  std::map<std::string, Refresh> refresh_;
  std::map<std::string, Access> access_;
};

}  // namespace hemsrig::cloud
