#include "devices/cloud/club_id.hpp"

#include <algorithm>
#include <cctype>
#include <chrono>

#include <fmt/format.h>

#include "devices/aiseg2/firmware.hpp"

namespace hemsrig::cloud {

namespace {

std::int64_t ms(sim::Time t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t).count();
}

bool valid_email(std::string_view e) {
  const auto at = e.find('@');
  if (at == std::string_view::npos || at == 0 || e.size() > 254) return false;
  if (e.find('@', at + 1) != std::string_view::npos) return false;
  const auto domain = e.substr(at + 1);
  const auto dot = domain.find('.');
  if (dot == std::string_view::npos || dot == 0 || domain.back() == '.') return false;
  return std::none_of(e.begin(), e.end(), [](char c) {
    return std::isspace(static_cast<unsigned char>(c)) || static_cast<unsigned char>(c) >= 0x80;
  });
}

bool valid_phone(std::string_view p) {
  return (p.size() == 10 || p.size() == 11) &&
         std::all_of(p.begin(), p.end(), [](char c) { return c >= '0' && c <= '9'; });
}

const std::vector<std::string_view> kSocialProviders = {"line", "google", "apple", "yahoo"};

}  // namespace

Status check_password_rule(std::string_view password) {
  // DOMAIN R20: 8 to 16 half-width characters, letters and digits both, no symbols.
  if (password.size() < 8 || password.size() > 16)
    return make_error("weak_password",
                      fmt::format("the password must be 8 to 16 characters, not {} (DOMAIN R20)",
                                  password.size()));
  bool letter = false, digit = false;
  for (const char c : password) {
    const auto u = static_cast<unsigned char>(c);
    if (u >= 0x80)
      return make_error("weak_password",
                        "the password takes half-width letters and digits only (DOMAIN R20)");
    if (std::isalpha(u)) {
      letter = true;
    } else if (std::isdigit(u)) {
      digit = true;
    } else {
      return make_error("weak_password",
                        fmt::format("the password must not contain symbols such as '{}' (DOMAIN "
                                    "R20)",
                                    c));
    }
  }
  if (!letter || !digit)
    return make_error("weak_password",
                      "the password must use both letters and digits (DOMAIN R20)");
  return ok_status();
}

ClubIdService::ClubIdService(sim::Engine& engine, Outbox& outbox, CloudEvents& events,
                             std::function<std::string()> base_url, ClubIdOptions options)
    : engine_(engine),
      outbox_(outbox),
      events_(events),
      base_url_(std::move(base_url)),
      options_(options) {}

std::string ClubIdService::new_token(std::size_t bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  for (;;) {
    std::string t;
    for (std::size_t i = 0; i < bytes; ++i) {
      const auto b = static_cast<unsigned>(engine_.rng()() & 0xFF);
      t.push_back(kHex[b >> 4]);
      t.push_back(kHex[b & 0xF]);
    }
    if (!links_.contains(t) && !challenges_.contains(t) && !sessions_.contains(t)) return t;
  }
}

std::string ClubIdService::hash(const std::string& salt, std::string_view password) const {
  const std::string text = salt + ":" + std::string(password);
  return aiseg2::sha256_hex(aiseg2::Bytes(text.begin(), text.end()));
}

Result<const Account*> ClubIdService::sign_up(const std::string& email,
                                              const std::string& password) {
  if (!valid_email(email))
    return make_error("invalid_email",
                      fmt::format("'{}' is not an e-mail address (DOMAIN R20)", email));
  if (auto st = check_password_rule(password); !st) return st.error();
  if (accounts_.contains(email))
    return make_error("email_taken", fmt::format("a CLUB ID {} exists already", email));
  Account a;
  a.email = email;
  a.salt = new_token(8);
  a.password_hash = hash(a.salt, password);
  a.created_at = engine_.now();
  const Account& stored = accounts_.emplace(email, std::move(a)).first->second;
  // DOMAIN R21: the verification mail's link lives options_.verification_link_lifetime.
  const std::string token = new_token();
  links_[token] = Pending{email, engine_.now() + options_.verification_link_lifetime, {}};
  const std::string link = base_url_() + "/v1/club-id/verify?token=" + token;
  const auto minutes =
      std::chrono::duration_cast<std::chrono::minutes>(options_.verification_link_lifetime).count();
  outbox_.send_mail(email, "CLUB Panasonic 仮登録のお知らせ",
                    fmt::format("CLUB Panasonic IDの仮登録を受け付けました。\n"
                                "{}分以内に、登録に使用した端末で次のURLを開いて本登録を完了して"
                                "ください。\n{}\n",
                                minutes, link),
                    {link});
  events_.emit("cloud.signup", {{"email", email}});
  return &stored;
}

Result<const Account*> ClubIdService::social_sign_up(const std::string& provider,
                                                     const std::string& subject,
                                                     const std::string& email) {
  if (std::find(kSocialProviders.begin(), kSocialProviders.end(), provider) ==
      kSocialProviders.end())
    return make_error("social_provider_unknown",
                      fmt::format("'{}' is not a social provider: line, google, apple or yahoo "
                                  "(DOMAIN R23)",
                                  provider));
  if (!valid_email(email))
    return make_error("invalid_email", fmt::format("'{}' is not an e-mail address", email));
  if (auto it = accounts_.find(email); it != accounts_.end()) {
    if (it->second.social_provider == provider && it->second.social_subject == subject)
      return &it->second;  // signing up again with the same social account logs in
    return make_error("email_taken", fmt::format("a CLUB ID {} exists already", email));
  }
  Account a;
  a.email = email;
  a.verified = true;  // the provider vouches for the address
  a.social_provider = provider;
  a.social_subject = subject;
  a.created_at = engine_.now();
  events_.emit("cloud.signup", {{"email", email}, {"social", provider}});
  return &accounts_.emplace(email, std::move(a)).first->second;
}

Status ClubIdService::seed(const std::string& email, const std::string& password, bool verified,
                           const std::string& phone) {
  if (!valid_email(email))
    return make_error("invalid_email", fmt::format("'{}' is not an e-mail address", email));
  if (auto st = check_password_rule(password); !st) return st.error();
  if (!phone.empty() && !valid_phone(phone))
    return make_error("invalid_phone",
                      fmt::format("'{}' is not a phone number (10-11 digits)", phone));
  Account a;
  a.email = email;
  a.salt = new_token(8);
  a.password_hash = hash(a.salt, password);
  a.verified = verified;
  a.phone = phone;
  a.two_factor = !phone.empty();
  accounts_.insert_or_assign(email, std::move(a));
  return ok_status();
}

Status ClubIdService::verify(const std::string& token) {
  auto it = links_.find(token);
  if (it == links_.end())
    return make_error("link_unknown", "no such verification link (DOMAIN R21)");
  // DOMAIN R21: valid while now < sent + 1 hour; an expired link means starting again.
  if (engine_.now() >= it->second.expires_at) {
    const std::string email = it->second.email;
    links_.erase(it);
    if (auto a = accounts_.find(email); a != accounts_.end() && !a->second.verified)
      accounts_.erase(a);
    return make_error("link_expired",
                      "the verification link has expired (valid 1 hour): sign up again (DOMAIN "
                      "R21)");
  }
  auto a = accounts_.find(it->second.email);
  links_.erase(it);
  if (a == accounts_.end()) return make_error("link_unknown", "the account is gone");
  a->second.verified = true;
  events_.emit("cloud.verified", {{"email", a->first}});
  return ok_status();
}

ClubIdService::Login ClubIdService::open_session(const std::string& email) {
  const std::string token = new_token();
  sessions_[token] = Session{email, engine_.now() + options_.session_lifetime};
  events_.emit("cloud.login", {{"email", email}});
  return Login{token, {}};
}

Result<ClubIdService::Login> ClubIdService::login(const std::string& email,
                                                  const std::string& password) {
  auto it = accounts_.find(email);
  if (it == accounts_.end() || it->second.password_hash.empty() ||
      hash(it->second.salt, password) != it->second.password_hash)
    return make_error("login_failed", "wrong e-mail or password");
  if (!it->second.verified)
    return make_error("not_verified", "open the link of the verification mail first (DOMAIN R21)");
  if (!it->second.two_factor) return open_session(email);
  // DOMAIN R22: two-step verification sends a 6-digit SMS code.
  std::string code = fmt::format("{:06}", engine_.rng()() % 1000000);
  const std::string challenge = new_token();
  challenges_[challenge] = Pending{email, engine_.now() + options_.sms_code_lifetime, code};
  outbox_.send_sms(it->second.phone, fmt::format("CLUB Panasonic 認証コード: {}", code));
  return Login{{}, challenge};
}

Result<ClubIdService::Login> ClubIdService::complete_login(const std::string& challenge,
                                                           const std::string& code) {
  auto it = challenges_.find(challenge);
  if (it == challenges_.end())
    return make_error("sms_code_expired", "no such login in progress: log in again (DOMAIN R22)");
  if (engine_.now() >= it->second.expires_at) {
    challenges_.erase(it);
    return make_error("sms_code_expired", "the SMS code expired: log in again (DOMAIN R22)");
  }
  if (it->second.code != code)
    return make_error("sms_code_wrong", "the SMS code does not match (DOMAIN R22)");
  const std::string email = it->second.email;
  challenges_.erase(it);
  return open_session(email);
}

Status ClubIdService::enable_two_factor(const std::string& email, const std::string& phone) {
  if (!valid_phone(phone))
    return make_error("invalid_phone",
                      fmt::format("'{}' is not a phone number (10-11 digits, DOMAIN R22)", phone));
  auto it = accounts_.find(email);
  if (it == accounts_.end()) return make_error("unauthorized", "no such CLUB ID");
  it->second.phone = phone;
  it->second.two_factor = true;
  return ok_status();
}

void ClubIdService::logout(std::string_view session) {
  if (auto it = sessions_.find(session); it != sessions_.end()) {
    events_.emit("cloud.logout", {{"email", it->second.email}});
    sessions_.erase(it);
  }
}

Status ClubIdService::withdraw(const std::string& email, const std::string& password) {
  auto it = accounts_.find(email);
  if (it == accounts_.end() || (it->second.password_hash.empty()
                                    ? true
                                    : hash(it->second.salt, password) != it->second.password_hash))
    return make_error("login_failed", "wrong e-mail or password");
  accounts_.erase(it);
  std::erase_if(sessions_, [&](const auto& kv) { return kv.second.email == email; });
  events_.emit("cloud.withdrawn", {{"email", email}});
  for (const auto& fn : withdrawn_observers_) fn(email);
  return ok_status();
}

const Account* ClubIdService::find(std::string_view email) const {
  auto it = accounts_.find(email);
  return it == accounts_.end() ? nullptr : &it->second;
}

std::optional<std::string> ClubIdService::session_owner(std::string_view bearer_token) const {
  auto it = sessions_.find(bearer_token);
  if (it == sessions_.end() || engine_.now() >= it->second.expires_at) return std::nullopt;
  return it->second.email;
}

bool ClubIdService::check_password(std::string_view email, std::string_view password) const {
  const Account* a = find(email);
  return a != nullptr && !a->password_hash.empty() && hash(a->salt, password) == a->password_hash;
}

namespace {

http::HttpResponse login_reply(const ClubIdService::Login& l) {
  if (!l.session.empty()) return json_reply(200, {{"session", l.session}});
  return json_reply(200, {{"challenge", l.challenge}, {"sms_sent", true}});
}

}  // namespace

void ClubIdService::add_routes(ApiRoutes& routes) {
  routes.add(
      "POST", "/v1/club-id/signup",
      {"Sign up with e-mail and password (DOMAIN R20); a verification mail follows (R21)",
       "club-id",
       {{"email", "taro@example.jp"}, {"password", "abc12345"}},
       {{"email", "taro@example.jp"}, {"verified", false}, {"verification_mail", 1}},
       {"missing_field", "invalid_field", "invalid_email", "weak_password", "email_taken"}},
      [this](const http::HttpRequest& req) {
        auto body = json_object_body(req);
        if (!body) return api_error(body.error());
        auto email = required_string(*body, "email", 254);
        if (!email) return api_error(email.error());
        auto password = required_string(*body, "password", 64);
        if (!password) return api_error(password.error());
        auto a = sign_up(*email, *password);
        if (!a) return api_error(a.error());
        const auto sent = outbox_.mails(*email);
        return json_reply(
            200, {{"email", *email}, {"verified", false}, {"verification_mail", sent.back()->id}});
      });
  routes.add("GET", "/v1/club-id/verify",
             {"The verification mail's link (?token=); valid 1 hour (DOMAIN R21)",
              "club-id",
              nullptr,
              {{"email", "taro@example.jp"}, {"verified", true}},
              {"link_unknown", "link_expired"}},
             [this](const http::HttpRequest& req) {
               const std::string token = req.query_param("token");
               auto it = links_.find(token);
               const std::string email = it == links_.end() ? "" : it->second.email;
               if (auto st = verify(token); !st) return api_error(st.error());
               return json_reply(200, {{"email", email}, {"verified", true}});
             });
  routes.add(
      "POST", "/v1/club-id/social-signup",
      {"Sign up through a social account, no password (DOMAIN R23)",
       "club-id",
       {{"provider", "line"}, {"subject", "U1234"}, {"email", "hanako@example.jp"}},
       {{"email", "hanako@example.jp"}, {"verified", true}, {"session", "..."}},
       {"missing_field", "invalid_field", "invalid_email", "email_taken",
        "social_provider_unknown"}},
      [this](const http::HttpRequest& req) {
        auto body = json_object_body(req);
        if (!body) return api_error(body.error());
        auto provider = required_string(*body, "provider", 32);
        if (!provider) return api_error(provider.error());
        auto subject = required_string(*body, "subject");
        if (!subject) return api_error(subject.error());
        auto email = required_string(*body, "email", 254);
        if (!email) return api_error(email.error());
        auto a = social_sign_up(*provider, *subject, *email);
        if (!a) return api_error(a.error());
        const Login l = open_session(*email);
        return json_reply(200, {{"email", *email}, {"verified", true}, {"session", l.session}});
      });
  routes.add("POST", "/v1/club-id/login",
             {"Log in: a bearer session, or with two-step verification an SMS challenge "
              "(DOMAIN R22)",
              "club-id",
              {{"email", "taro@example.jp"}, {"password", "abc12345"}},
              {{"session", "..."}},
              {"missing_field", "invalid_field", "login_failed", "not_verified"}},
             [this](const http::HttpRequest& req) {
               auto body = json_object_body(req);
               if (!body) return api_error(body.error());
               auto email = required_string(*body, "email", 254);
               if (!email) return api_error(email.error());
               auto password = required_string(*body, "password", 64);
               if (!password) return api_error(password.error());
               auto l = login(*email, *password);
               if (!l) return api_error(l.error());
               return login_reply(*l);
             });
  routes.add("POST", "/v1/club-id/login/sms",
             {"Completes a login with the SMS code (DOMAIN R22)",
              "club-id",
              {{"challenge", "..."}, {"code", "123456"}},
              {{"session", "..."}},
              {"missing_field", "invalid_field", "sms_code_wrong", "sms_code_expired"}},
             [this](const http::HttpRequest& req) {
               auto body = json_object_body(req);
               if (!body) return api_error(body.error());
               auto challenge = required_string(*body, "challenge");
               if (!challenge) return api_error(challenge.error());
               auto code = required_string(*body, "code", 16);
               if (!code) return api_error(code.error());
               auto l = complete_login(*challenge, *code);
               if (!l) return api_error(l.error());
               return login_reply(*l);
             });
  routes.add("POST", "/v1/club-id/two-factor",
             {"Turns on two-step verification by SMS to a phone (DOMAIN R22; optional)",
              "club-id",
              {{"phone", "09012345678"}},
              {{"two_factor", true}},
              {"missing_field", "invalid_field", "invalid_phone"},
              true},
             [this](const http::HttpRequest& req) {
               auto owner = session_owner(bearer_token(req).value_or(""));
               if (!owner) return api_error(401, "unauthorized", "log in first");
               auto body = json_object_body(req);
               if (!body) return api_error(body.error());
               auto phone = required_string(*body, "phone", 16);
               if (!phone) return api_error(phone.error());
               if (auto st = enable_two_factor(*owner, *phone); !st) return api_error(st.error());
               return json_reply(200, {{"two_factor", true}});
             });
  routes.add("GET", "/v1/club-id/me",
             {"The logged-in CLUB ID",
              "club-id",
              nullptr,
              {{"email", "taro@example.jp"},
               {"verified", true},
               {"two_factor", false},
               {"social_provider", ""}},
              {},
              true},
             [this](const http::HttpRequest& req) {
               auto owner = session_owner(bearer_token(req).value_or(""));
               if (!owner) return api_error(401, "unauthorized", "log in first");
               const Account* a = find(*owner);
               return json_reply(200, {{"email", a->email},
                                       {"verified", a->verified},
                                       {"two_factor", a->two_factor},
                                       {"social_provider", a->social_provider}});
             });
  routes.add("POST", "/v1/club-id/logout",
             {"Ends the login session (DOMAIN R43)",
              "club-id",
              nullptr,
              {{"message", "ログアウトしました"}},
              {},
              true},
             [this](const http::HttpRequest& req) {
               auto token = bearer_token(req);
               if (!token || !session_owner(*token))
                 return api_error(401, "unauthorized", "log in first");
               logout(*token);
               return json_reply(200, {{"message", "ログアウトしました"}});
             });
  routes.add("DELETE", "/v1/club-id/account",
             {"Always refused: a CLUB ID is withdrawn only on the web site (DOMAIN R24)",
              "club-id",
              nullptr,
              nullptr,
              {"withdraw_on_web_only"},
              true},
             [](const http::HttpRequest&) {
               return api_error(403, "withdraw_on_web_only",
                                "a CLUB ID can be withdrawn only on the CLUB Panasonic web site, "
                                "not from the app (DOMAIN R24)",
                                "R24");
             });
  routes.add("POST", "/web/club-id/withdraw",
             {"The web site's withdrawal of a CLUB ID (DOMAIN R24)",
              "club-id",
              {{"email", "taro@example.jp"}, {"password", "abc12345"}},
              {{"withdrawn", true}},
              {"missing_field", "invalid_field", "login_failed"}},
             [this](const http::HttpRequest& req) {
               auto body = json_object_body(req);
               if (!body) return api_error(body.error());
               auto email = required_string(*body, "email", 254);
               if (!email) return api_error(email.error());
               auto password = required_string(*body, "password", 64);
               if (!password) return api_error(password.error());
               if (auto st = withdraw(*email, *password); !st) return api_error(st.error());
               return json_reply(200, {{"withdrawn", true}});
             });
}

nlohmann::json ClubIdService::snapshot() const {
  nlohmann::json accounts = nlohmann::json::array();
  for (const auto& [email, a] : accounts_) {
    accounts.push_back({{"email", a.email},
                        {"password_hash", a.password_hash},
                        {"salt", a.salt},
                        {"verified", a.verified},
                        {"phone", a.phone},
                        {"two_factor", a.two_factor},
                        {"social_provider", a.social_provider},
                        {"social_subject", a.social_subject},
                        {"created_at_ms", ms(a.created_at)}});
  }
  nlohmann::json links = nlohmann::json::object(), sessions = nlohmann::json::object();
  for (const auto& [t, p] : links_)
    links[t] = {{"email", p.email}, {"expires_at_ms", ms(p.expires_at)}};
  for (const auto& [t, s] : sessions_)
    sessions[t] = {{"email", s.email}, {"expires_at_ms", ms(s.expires_at)}};
  return {{"accounts", accounts}, {"links", links}, {"sessions", sessions}};
}

Status ClubIdService::restore(const nlohmann::json& j) {
  try {
    accounts_.clear();
    for (const auto& x : j.at("accounts")) {
      Account a;
      a.email = x.at("email");
      a.password_hash = x.at("password_hash");
      a.salt = x.at("salt");
      a.verified = x.at("verified");
      a.phone = x.at("phone");
      a.two_factor = x.at("two_factor");
      a.social_provider = x.at("social_provider");
      a.social_subject = x.at("social_subject");
      a.created_at = std::chrono::milliseconds(x.at("created_at_ms").get<std::int64_t>());
      accounts_.emplace(a.email, std::move(a));
    }
    for (const auto& [t, p] : j.at("links").items())
      links_[t] = Pending{
          p.at("email"), std::chrono::milliseconds(p.at("expires_at_ms").get<std::int64_t>()), {}};
    for (const auto& [t, s] : j.at("sessions").items())
      sessions_[t] = Session{s.at("email"),
                             std::chrono::milliseconds(s.at("expires_at_ms").get<std::int64_t>())};
  } catch (const std::exception& e) {
    return make_error("state_failed", std::string("club_id snapshot: ") + e.what());
  }
  return ok_status();
}

}  // namespace hemsrig::cloud
