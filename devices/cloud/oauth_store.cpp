#include "devices/cloud/oauth_store.hpp"

#include <algorithm>
#include <chrono>

namespace hemsrig::cloud {

OAuthStore::OAuthStore(sim::Engine& engine, OAuthOptions options)
    : engine_(engine), options_(options) {}

void OAuthStore::register_client(OAuthClient client) {
  std::string id = client.id;
  clients_[id] = std::move(client);
}

const OAuthClient* OAuthStore::client(const std::string& id) const {
  auto it = clients_.find(id);
  return it == clients_.end() ? nullptr : &it->second;
}

Status OAuthStore::check_authorize(const std::string& client_id, const std::string& redirect_uri,
                                   const std::string& response_type) const {
  const OAuthClient* c = client(client_id);
  if (c == nullptr) {
    return make_error("invalid_client", "unknown client_id '" + client_id + "'");
  }
  if (std::find(c->redirect_uris.begin(), c->redirect_uris.end(), redirect_uri) ==
      c->redirect_uris.end()) {
    return make_error("invalid_redirect_uri", "redirect_uri '" + redirect_uri +
                                                  "' is not registered for client '" + client_id +
                                                  "' (matched exactly)");
  }
  if (response_type != "code") {
    return make_error("unsupported_response_type",
                      "response_type must be 'code', got '" + response_type + "'");
  }
  return ok_status();
}

Result<std::string> OAuthStore::issue_code(const std::string& client_id,
                                           const std::string& redirect_uri,
                                           const std::string& club_id,
                                           const std::string& google_account) {
  if (Status s = check_authorize(client_id, redirect_uri, "code"); !s) return s.error();
  // DOMAIN R61: exactly one Google account per CLUB ID.
  if (auto linked_account = linked_google_account(club_id)) {
    if (google_account.empty() || *linked_account != google_account) {
      return make_error("google_account_already_linked",
                        "CLUB ID '" + club_id +
                            "' is already linked with a Google account; unlink it first "
                            "(DOMAIN R61: one Google account per CLUB ID)");
    }
  }
  std::string code = random_token(16);
  codes_[code] = Code{client_id,
                      redirect_uri,
                      club_id,
                      google_account,
                      engine_.now() + options_.code_lifetime,
                      false,
                      {}};
  return code;
}

Status OAuthStore::check_client(const std::string& client_id,
                                const std::string& client_secret) const {
  const OAuthClient* c = client(client_id);
  if (c == nullptr || c->secret != client_secret) {
    return make_error("invalid_client", "client authentication failed");
  }
  return ok_status();
}

Result<TokenGrant> OAuthStore::exchange_code(const std::string& client_id,
                                             const std::string& client_secret,
                                             const std::string& code,
                                             const std::string& redirect_uri) {
  if (Status s = check_client(client_id, client_secret); !s) return s.error();
  auto it = codes_.find(code);
  if (it == codes_.end()) return make_error("invalid_grant", "unknown authorization code");
  Code& c = it->second;
  if (c.used) {
    // RFC 6749 4.1.2: a code used twice revokes the tokens it gave.
    if (!c.refresh_token.empty()) revoke_family(c.refresh_token);
    return make_error("invalid_grant", "authorization code already used");
  }
  if (engine_.now() >= c.expires) return make_error("invalid_grant", "authorization code expired");
  if (c.client_id != client_id) {
    return make_error("invalid_grant", "authorization code was issued to another client");
  }
  if (c.redirect_uri != redirect_uri) {
    return make_error("invalid_grant", "redirect_uri does not match the authorization request");
  }
  c.used = true;
  // The new link replaces any earlier one of the same CLUB ID (a relink of the
  // same Google account; issue_code refused any other).
  for (auto& [token, r] : refresh_) {
    if (r.club_id == c.club_id && r.client_id == client_id) r.revoked = true;
  }
  c.refresh_token = random_token(24);
  refresh_[c.refresh_token] = Refresh{client_id, c.club_id, c.google_account, false};
  return grant_access(c.refresh_token);
}

Result<TokenGrant> OAuthStore::refresh(const std::string& client_id,
                                       const std::string& client_secret,
                                       const std::string& refresh_token) {
  if (Status s = check_client(client_id, client_secret); !s) return s.error();
  auto it = refresh_.find(refresh_token);
  if (it == refresh_.end() || it->second.revoked || it->second.client_id != client_id) {
    return make_error("invalid_grant", "unknown or revoked refresh token");
  }
  TokenGrant g = grant_access(refresh_token);
  g.refresh_token.clear();  // the refresh token stays the same; Google keeps its copy
  return g;
}

Result<TokenOwner> OAuthStore::access_owner(const std::string& access_token) const {
  auto it = access_.find(access_token);
  if (it == access_.end()) return make_error("authFailure", "unknown access token");
  auto r = refresh_.find(it->second.refresh_token);
  if (r == refresh_.end() || r->second.revoked) {
    return make_error("authFailure", "access token revoked");
  }
  if (engine_.now() >= it->second.expires) {
    return make_error("authExpired", "access token expired; refresh it");
  }
  return TokenOwner{r->second.club_id, r->second.client_id, r->second.google_account};
}

std::size_t OAuthStore::revoke(const std::string& club_id) {
  std::size_t n = 0;
  for (auto& [token, r] : refresh_) {
    if (r.club_id == club_id && !r.revoked) {
      r.revoked = true;
      ++n;
    }
  }
  for (auto& [code, c] : codes_) {
    if (c.club_id == club_id) c.used = true;
  }
  std::erase_if(access_, [&](const auto& kv) {
    auto r = refresh_.find(kv.second.refresh_token);
    return r == refresh_.end() || r->second.revoked;
  });
  return n;
}

bool OAuthStore::linked(const std::string& club_id) const {
  return linked_google_account(club_id).has_value();
}

std::optional<std::string> OAuthStore::linked_google_account(const std::string& club_id) const {
  for (const auto& [token, r] : refresh_) {
    if (r.club_id == club_id && !r.revoked) return r.google_account;
  }
  return std::nullopt;
}

nlohmann::json OAuthStore::snapshot() const {
  nlohmann::json refresh = nlohmann::json::array();
  for (const auto& [token, r] : refresh_) {
    if (r.revoked) continue;
    refresh.push_back({{"token", token},
                       {"client_id", r.client_id},
                       {"club_id", r.club_id},
                       {"google_account", r.google_account}});
  }
  nlohmann::json access = nlohmann::json::array();
  for (const auto& [token, a] : access_) {
    access.push_back({{"token", token},
                      {"refresh_token", a.refresh_token},
                      {"expires_at_ms",
                       std::chrono::duration_cast<std::chrono::milliseconds>(a.expires).count()}});
  }
  return {{"refresh_tokens", refresh}, {"access_tokens", access}};
}

Status OAuthStore::restore(const nlohmann::json& snapshot) {
  if (snapshot.is_null()) return ok_status();
  try {
    std::map<std::string, Refresh> refresh;
    std::map<std::string, Access> access;
    for (const auto& r : snapshot.at("refresh_tokens")) {
      refresh[r.at("token").get<std::string>()] =
          Refresh{r.at("client_id").get<std::string>(), r.at("club_id").get<std::string>(),
                  r.value("google_account", std::string{}), false};
    }
    for (const auto& a : snapshot.at("access_tokens")) {
      access[a.at("token").get<std::string>()] =
          Access{a.at("refresh_token").get<std::string>(),
                 std::chrono::milliseconds(a.at("expires_at_ms").get<std::int64_t>())};
    }
    refresh_ = std::move(refresh);
    access_ = std::move(access);
  } catch (const nlohmann::json::exception& e) {
    return make_error("state_failed", std::string("oauth snapshot: ") + e.what());
  }
  return ok_status();
}

std::string OAuthStore::random_token(std::size_t bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes * 2);
  for (std::size_t i = 0; i < bytes; ++i) {
    auto b = static_cast<unsigned>(engine_.rng()() & 0xFFu);
    out += kHex[b >> 4];
    out += kHex[b & 0xF];
  }
  return out;
}

TokenGrant OAuthStore::grant_access(const std::string& refresh_token) {
  std::string access = random_token(24);
  access_[access] = Access{refresh_token, engine_.now() + options_.access_token_lifetime};
  return TokenGrant{
      access, refresh_token,
      std::chrono::duration_cast<std::chrono::seconds>(options_.access_token_lifetime).count()};
}

void OAuthStore::revoke_family(const std::string& refresh_token) {
  auto it = refresh_.find(refresh_token);
  if (it != refresh_.end()) it->second.revoked = true;
  std::erase_if(access_, [&](const auto& kv) { return kv.second.refresh_token == refresh_token; });
}

}  // namespace hemsrig::cloud
