#include "devices/cloud/oauth_service.hpp"
#include "sim/core/markup_escape.hpp"

#include <nlohmann/json.hpp>

namespace hemsrig::cloud {

namespace {

using nlohmann::json;

std::string field(const std::map<std::string, std::string>& f, const std::string& name) {
  auto it = f.find(name);
  return it == f.end() ? std::string{} : it->second;
}

http::HttpResponse redirect(std::string uri,
                            const std::vector<std::pair<std::string, std::string>>& params) {
  char sep = uri.find('?') == std::string::npos ? '?' : '&';
  for (const auto& [k, v] : params) {
    if (k == "state" && v.empty()) continue;
    uri += sep;
    uri += k + "=" + http::percent_encode(v);
    sep = '&';
  }
  http::HttpResponse res;
  res.status = 302;
  res.set_header("Location", uri);
  res.set_header("Cache-Control", "no-store");
  return res;
}

std::optional<std::string> base64_decode(std::string_view in) {
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
  };
  std::string out;
  int bits = 0;
  unsigned acc = 0;
  for (char c : in) {
    if (c == '=') break;
    int v = value(c);
    if (v < 0) return std::nullopt;
    acc = (acc << 6) | static_cast<unsigned>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xFF);
    }
  }
  return out;
}

// A browser (Accept: text/html) gets pages; Google's client and API callers get JSON.
bool wants_html(const http::HttpRequest& req) {
  const std::string* accept = req.header("Accept");
  return accept != nullptr && accept->find("text/html") != std::string::npos;
}

// DOMAIN R22: the second step of the login on the consent page, the code sent by SMS. The form
// carries the authorization request and the login's challenge on; `problem` is shown (401) when
// a code was refused.
http::HttpResponse sms_code_page(const std::map<std::string, std::string>& f,
                                 const std::string& challenge, const std::string& problem) {
  auto hidden = [&f](const std::string& name, const std::string& value = {}) {
    return "<input type=\"hidden\" name=\"" + name + "\" value=\"" +
           markup_escape(value.empty() ? field(f, name) : value) + "\">";
  };
  std::string html =
      "<!DOCTYPE html><html lang=\"ja\"><head><meta charset=\"UTF-8\"><title>CLUB Panasonic "
      "2段階認証</title></head><body><h1>2段階認証</h1>"
      "<p>登録された電話番号に SMS で送られた認証コードを入力してください。</p>";
  if (!problem.empty()) html += "<p class=\"error\">" + markup_escape(problem) + "</p>";
  html += "<form method=\"post\" action=\"/oauth/authorize\">" + hidden("client_id") +
          hidden("redirect_uri") + hidden("state") + hidden("response_type") +
          hidden("google_account") + hidden("challenge", challenge) + hidden("decision", "allow") +
          "<label>認証コード <input name=\"sms_code\" inputmode=\"numeric\" "
          "autocomplete=\"one-time-code\"></label>"
          "<button>送信</button></form></body></html>";
  auto res = http::HttpResponse::html(html);
  if (!problem.empty()) res.status = 401;
  res.set_header("Cache-Control", "no-store");
  return res;
}

}  // namespace

std::map<std::string, std::string> form_fields(const http::HttpRequest& request) {
  const std::string* type = request.header("Content-Type");
  if (type != nullptr && type->find("json") != std::string::npos) {
    std::map<std::string, std::string> out;
    json body = json::parse(request.body, nullptr, false);
    if (body.is_object()) {
      for (const auto& [k, v] : body.items()) {
        if (v.is_string()) out[k] = v.get<std::string>();
      }
    }
    return out;
  }
  return http::parse_query(request.body, /*plus_as_space=*/true);
}

http::HttpResponse oauth_error(const Error& error) {
  int status = 400;
  if (error.code == "invalid_client" || error.code == "login_failed") status = 401;
  if (error.code == "google_account_already_linked" ||
      error.code == "speaker_registration_missing" || error.code == "speaker_user_limit") {
    status = 409;
  }
  auto res = http::HttpResponse::json(
      json{{"error", error.code}, {"error_description", error.message}}.dump());
  res.status = status;
  res.set_header("Cache-Control", "no-store");
  return res;
}

OAuthService::OAuthService(ClubIdService& club_ids, OAuthStore& store, CloudEvents& events)
    : club_ids_(club_ids), store_(store), events_(events) {}

void OAuthService::add_routes(ApiRoutes& routes) {
  routes.add("GET", "/oauth/authorize",
             {"OAuth 2.0 authorization request (Google account linking, DOMAIN R62): the CLUB ID "
              "login and consent page",
              "oauth",
              nullptr,
              nullptr,
              {"invalid_client", "invalid_redirect_uri", "unsupported_response_type"},
              false},
             [this](const http::HttpRequest& req) { return authorize_page(req); });
  routes.add(
      "POST", "/oauth/authorize",
      {"Login and consent: 302 to redirect_uri with code and state (decision=allow) or "
       "error=access_denied (deny). Form-encoded or JSON",
       "oauth",
       {{"client_id", "google-smart-home"},
        {"redirect_uri", "https://oauth-redirect.googleusercontent.com/r/hemsrig"},
        {"state", "xyz"},
        {"response_type", "code"},
        {"email", "taro@example.jp"},
        {"password", "abcd1234"},
        {"decision", "allow"},
        {"google_account", "taro@gmail.com"}},
       nullptr,
       {"invalid_client", "invalid_redirect_uri", "unsupported_response_type", "login_failed",
        "sms_code_required", "google_account_already_linked", "speaker_registration_missing"},
       false},
      [this](const http::HttpRequest& req) { return authorize_decision(req); });
  routes.add("POST", "/oauth/token",
             {"OAuth 2.0 token endpoint: grant_type=authorization_code (code, redirect_uri) or "
              "refresh_token; client_id and client_secret in the form or HTTP Basic",
              "oauth",
              {{"grant_type", "authorization_code"},
               {"code", "..."},
               {"redirect_uri", "https://oauth-redirect.googleusercontent.com/r/hemsrig"},
               {"client_id", "google-smart-home"},
               {"client_secret", "..."}},
              {{"token_type", "Bearer"},
               {"access_token", "..."},
               {"refresh_token", "..."},
               {"expires_in", 3600}},
              {"invalid_request", "invalid_client", "invalid_grant", "unsupported_grant_type"},
              false},
             [this](const http::HttpRequest& req) { return token(req); });
}

http::HttpResponse OAuthService::authorize_page(const http::HttpRequest& req) const {
  const std::string client_id = req.query_param("client_id");
  const std::string redirect_uri = req.query_param("redirect_uri");
  const std::string state = req.query_param("state");
  const std::string response_type = req.query_param("response_type");
  if (Status s = store_.check_authorize(client_id, redirect_uri, response_type); !s) {
    if (s.error().code == "unsupported_response_type") {
      return redirect(redirect_uri, {{"error", "unsupported_response_type"}, {"state", state}});
    }
    // RFC 6749 4.1.2.1: never redirect to an unverified URI.
    return oauth_error(s.error());
  }
  auto hidden = [](const std::string& name, const std::string& value) {
    return "<input type=\"hidden\" name=\"" + name + "\" value=\"" + markup_escape(value) + "\">";
  };
  std::string html =
      "<!DOCTYPE html><html lang=\"ja\"><head><meta charset=\"UTF-8\"><title>CLUB Panasonic "
      "ログイン</title></head><body><h1>スマートスピーカー連携</h1>"
      "<p>Google アカウントと CLUB Panasonic ID を連携します。</p>"
      "<form method=\"post\" action=\"/oauth/authorize\">" +
      hidden("client_id", client_id) + hidden("redirect_uri", redirect_uri) +
      hidden("state", state) + hidden("response_type", response_type) +
      "<label>メールアドレス <input name=\"email\" type=\"email\"></label>"
      "<label>パスワード <input name=\"password\" type=\"password\"></label>"
      "<button name=\"decision\" value=\"allow\">許可</button>"
      "<button name=\"decision\" value=\"deny\">許可しない</button></form></body></html>";
  auto res = http::HttpResponse::html(html);
  res.set_header("Cache-Control", "no-store");
  return res;
}

http::HttpResponse OAuthService::authorize_decision(const http::HttpRequest& req) {
  auto f = form_fields(req);
  const std::string client_id = field(f, "client_id");
  const std::string redirect_uri = field(f, "redirect_uri");
  const std::string state = field(f, "state");
  if (Status s = store_.check_authorize(client_id, redirect_uri, field(f, "response_type")); !s) {
    if (s.error().code == "unsupported_response_type") {
      return redirect(redirect_uri, {{"error", "unsupported_response_type"}, {"state", state}});
    }
    return oauth_error(s.error());
  }
  const std::string decision = field(f, "decision");
  if (decision == "deny") {
    return redirect(redirect_uri, {{"error", "access_denied"}, {"state", state}});
  }
  if (decision != "allow") {
    return oauth_error(make_error("invalid_request", "decision must be 'allow' or 'deny'"));
  }
  // Who is linking: a CLUB ID session, or a login on this page (R22 SMS code too).
  std::string club_id;
  if (auto token = bearer_token(req)) {
    if (auto owner = club_ids_.session_owner(*token)) club_id = *owner;
  }
  if (club_id.empty() && !field(f, "challenge").empty()) {
    auto login = club_ids_.complete_login(field(f, "challenge"), field(f, "sms_code"));
    if (!login) {
      // A wrong code leaves the challenge open: a browser may try again on the same page.
      if (wants_html(req) && login.error().code == "sms_code_wrong")
        return sms_code_page(f, field(f, "challenge"), login.error().message);
      return oauth_error(make_error("login_failed", login.error().message));
    }
    if (auto owner = club_ids_.session_owner(login->session)) club_id = *owner;
    club_ids_.logout(login->session);
  }
  if (club_id.empty()) {
    auto login = club_ids_.login(field(f, "email"), field(f, "password"));
    if (!login) return oauth_error(make_error("login_failed", login.error().message));
    if (!login->challenge.empty()) {
      // DOMAIN R22: two-step verification; send the SMS code with the challenge.
      if (wants_html(req)) return sms_code_page(f, login->challenge, {});
      auto res = http::HttpResponse::json(json{
          {"error", "sms_code_required"},
          {"error_description", "enter the code sent by SMS (DOMAIN R22)"},
          {"challenge", login->challenge}}.dump());
      res.status = 401;
      return res;
    }
    club_id = field(f, "email");
    club_ids_.logout(login->session);
  }
  if (gate_) {
    if (Status s = gate_(club_id); !s) return oauth_error(s.error());
  }
  auto code = store_.issue_code(client_id, redirect_uri, club_id, field(f, "google_account"));
  if (!code) return oauth_error(code.error());
  events_.emit("cloud.oauth_code", {{"club_id", club_id}, {"client_id", client_id}});
  return redirect(redirect_uri, {{"code", *code}, {"state", state}});
}

http::HttpResponse OAuthService::token(const http::HttpRequest& req) {
  auto f = form_fields(req);
  std::string client_id = field(f, "client_id");
  std::string client_secret = field(f, "client_secret");
  if (const std::string* auth = req.header("Authorization");
      auth != nullptr && auth->size() > 6 && http::iequals(auth->substr(0, 6), "Basic ")) {
    auto decoded = base64_decode(auth->substr(6));
    if (!decoded || decoded->find(':') == std::string::npos) {
      return oauth_error(make_error("invalid_client", "malformed HTTP Basic credentials"));
    }
    client_id = http::percent_decode(decoded->substr(0, decoded->find(':')), true);
    client_secret = http::percent_decode(decoded->substr(decoded->find(':') + 1), true);
  }
  const std::string grant_type = field(f, "grant_type");
  Result<TokenGrant> grant = make_error("unsupported_grant_type",
                                        "grant_type must be authorization_code or refresh_token");
  if (grant_type.empty()) {
    return oauth_error(make_error("invalid_request", "grant_type is missing"));
  }
  if (grant_type == "authorization_code") {
    if (field(f, "code").empty() || field(f, "redirect_uri").empty()) {
      return oauth_error(make_error("invalid_request", "code and redirect_uri are required"));
    }
    grant =
        store_.exchange_code(client_id, client_secret, field(f, "code"), field(f, "redirect_uri"));
  } else if (grant_type == "refresh_token") {
    if (field(f, "refresh_token").empty()) {
      return oauth_error(make_error("invalid_request", "refresh_token is required"));
    }
    grant = store_.refresh(client_id, client_secret, field(f, "refresh_token"));
  }
  if (!grant) return oauth_error(grant.error());
  json body = {{"token_type", "Bearer"},
               {"access_token", grant->access_token},
               {"expires_in", grant->expires_in_s}};
  if (!grant->refresh_token.empty()) body["refresh_token"] = grant->refresh_token;
  auto res = http::HttpResponse::json(body.dump());
  res.set_header("Cache-Control", "no-store");
  res.set_header("Pragma", "no-cache");
  events_.emit("cloud.oauth_token", {{"client_id", client_id}, {"grant_type", grant_type}});
  return res;
}

}  // namespace hemsrig::cloud
