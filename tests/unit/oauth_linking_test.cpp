// OAuth 2.0 authorization-code account linking over real HTTP, the way
// Google's account linking calls it (DOMAIN R62: log in with the CLUB ID,
// "allow"): the consent page, the redirect with code and state, the token
// exchange and refresh, and every refusal in OAuth's own error shape: codes
// single use and short-lived, redirect URI matched exactly, client secret
// checked, one Google account per CLUB ID (R61). Virtual time.
#include <gtest/gtest.h>

#include <future>

#include "devices/cloud/mock_cloud.hpp"
#include "devices/cloud/oauth_service.hpp"
#include "devices/cloud/oauth_store.hpp"
#include "devices/google/google_client.hpp"
#include "tests/unit/http_wire.hpp"

using namespace hemsrig;
using nlohmann::json;

namespace {

const std::string kRedirect = "https://oauth-redirect.googleusercontent.com/r/hemsrig";

class OAuthLinking : public ::testing::Test {
 protected:
  void SetUp() override {
    cloud_ = std::make_unique<cloud::MockCloud>(engine_);
    store_ = std::make_unique<cloud::OAuthStore>(engine_);
    store_->register_client({"google-smart-home", "s3cret", {kRedirect}});
    service_ = std::make_unique<cloud::OAuthService>(cloud_->club_ids(), *store_, cloud_->events());
    ASSERT_TRUE(cloud_->add_service(*service_).ok());
    ASSERT_TRUE(cloud_->listen("127.0.0.1", 0).ok());
    ASSERT_TRUE(cloud_->club_ids().seed("taro@example.jp", "abcd1234", true, "").ok());
  }
  void TearDown() override {
    googles_.clear();
    cloud_.reset();
  }

  http::HttpResponse request(const std::string& method, const std::string& target,
                             std::string body = {}, http::Headers headers = {}) {
    std::optional<Result<http::HttpResponse>> out;
    http::http_request(engine_, method, cloud_->url() + target, std::move(body), std::move(headers),
                       [&](Result<http::HttpResponse> r) { out.emplace(r); });
    engine_.run_until([&] { return out.has_value(); }, std::chrono::minutes(1));
    EXPECT_TRUE(out && out->ok());
    return out && out->ok() ? out->value() : http::HttpResponse{};
  }
  http::HttpResponse post_form(const std::string& target,
                               const std::vector<std::pair<std::string, std::string>>& fields,
                               http::Headers headers = {}) {
    std::string body;
    for (const auto& [k, v] : fields) {
      body += (body.empty() ? "" : "&") + http::percent_encode(k) + "=" + http::percent_encode(v);
    }
    headers.emplace_back("Content-Type", "application/x-www-form-urlencoded");
    return request("POST", target, body, headers);
  }
  // Login + allow; the Location of the answer (or "" when it did not redirect).
  http::HttpResponse authorize(const std::string& redirect_uri = kRedirect,
                               const std::string& password = "abcd1234",
                               const std::string& decision = "allow",
                               const std::string& google_account = "") {
    return post_form("/oauth/authorize", {{"client_id", "google-smart-home"},
                                          {"redirect_uri", redirect_uri},
                                          {"state", "st-42"},
                                          {"response_type", "code"},
                                          {"email", "taro@example.jp"},
                                          {"password", password},
                                          {"decision", decision},
                                          {"google_account", google_account}});
  }
  static std::map<std::string, std::string> redirect_params(const http::HttpResponse& r) {
    const std::string* location = r.header("Location");
    if (location == nullptr) return {};
    auto q = location->find('?');
    return http::parse_query(q == std::string::npos ? "" : location->substr(q + 1));
  }
  std::string code() {
    auto r = authorize();
    EXPECT_EQ(r.status, 302) << r.body;
    return redirect_params(r)["code"];
  }
  http::HttpResponse exchange(const std::string& code, const std::string& secret = "s3cret",
                              const std::string& redirect_uri = kRedirect) {
    return post_form("/oauth/token", {{"grant_type", "authorization_code"},
                                      {"code", code},
                                      {"redirect_uri", redirect_uri},
                                      {"client_id", "google-smart-home"},
                                      {"client_secret", secret}});
  }
  // Runs curl on another thread while this one serves: the engine takes 1 ms
  // of virtual time per wall-clock millisecond until curl is done (bounded).
  hemsrig::testing::CurlResult beside(std::function<hemsrig::testing::CurlResult()> work) {
    auto done = std::async(std::launch::async, std::move(work));
    for (int i = 0; i < 10000; ++i) {
      if (done.wait_for(std::chrono::milliseconds(1)) == std::future_status::ready) break;
      engine_.run_for(sim::milliseconds(1));
    }
    return done.get();
  }
  static std::string error_of(const http::HttpResponse& r) {
    json body = json::parse(r.body, nullptr, false);
    return body.is_object() ? body.value("error", "") : "";
  }

  sim::Engine engine_;
  std::unique_ptr<cloud::MockCloud> cloud_;
  std::unique_ptr<cloud::OAuthStore> store_;
  std::unique_ptr<cloud::OAuthService> service_;
  std::vector<std::unique_ptr<google::GoogleClient>> googles_;
};

TEST_F(OAuthLinking, ConsentPageAsksForTheClubIdLogin) {
  auto page =
      request("GET", "/oauth/authorize?client_id=google-smart-home&redirect_uri=" +
                         http::percent_encode(kRedirect) + "&state=st-1&response_type=code");
  EXPECT_EQ(page.status, 200);
  EXPECT_NE(page.body.find("name=\"password\""), std::string::npos);
  EXPECT_NE(page.body.find("value=\"allow\""), std::string::npos);
  EXPECT_NE(page.body.find("value=\"st-1\""), std::string::npos);  // state carried on
}

TEST_F(OAuthLinking, UnknownClientAndForeignRedirectUriAreShownNotRedirected) {
  auto unknown = request("GET", "/oauth/authorize?client_id=evil&redirect_uri=" +
                                    http::percent_encode(kRedirect) + "&response_type=code");
  EXPECT_EQ(unknown.status, 401);
  EXPECT_EQ(error_of(unknown), "invalid_client");
  EXPECT_EQ(unknown.header("Location"), nullptr);
  // Matched exactly: a trailing slash is another URI.
  auto foreign = request("GET", "/oauth/authorize?client_id=google-smart-home&redirect_uri=" +
                                    http::percent_encode(kRedirect + "/") + "&response_type=code");
  EXPECT_EQ(foreign.status, 400);
  EXPECT_EQ(error_of(foreign), "invalid_redirect_uri");
  EXPECT_EQ(foreign.header("Location"), nullptr);
  auto posted = authorize(kRedirect + "?x=1");
  EXPECT_EQ(error_of(posted), "invalid_redirect_uri");
  EXPECT_EQ(posted.header("Location"), nullptr);
}

TEST_F(OAuthLinking, WrongResponseTypeIsReportedToTheRedirectUri) {
  auto r = request("GET", "/oauth/authorize?client_id=google-smart-home&redirect_uri=" +
                              http::percent_encode(kRedirect) + "&state=s&response_type=token");
  EXPECT_EQ(r.status, 302);
  EXPECT_EQ(redirect_params(r)["error"], "unsupported_response_type");
  EXPECT_EQ(redirect_params(r)["state"], "s");
}

TEST_F(OAuthLinking, AllowRedirectsWithCodeAndStateAndTheCodeBuysTokens) {
  auto r = authorize();
  ASSERT_EQ(r.status, 302) << r.body;
  EXPECT_EQ(r.header("Location")->rfind(kRedirect + "?", 0), 0u);
  auto params = redirect_params(r);
  EXPECT_EQ(params["state"], "st-42");
  ASSERT_FALSE(params["code"].empty());
  auto tokens = exchange(params["code"]);
  ASSERT_EQ(tokens.status, 200) << tokens.body;
  json t = json::parse(tokens.body);
  EXPECT_EQ(t["token_type"], "Bearer");
  EXPECT_EQ(t["expires_in"], 3600);
  EXPECT_FALSE(t["access_token"].get<std::string>().empty());
  EXPECT_FALSE(t["refresh_token"].get<std::string>().empty());
  EXPECT_EQ(*tokens.header("Cache-Control"), "no-store");
  auto owner = store_->access_owner(t["access_token"]);
  ASSERT_TRUE(owner.ok());
  EXPECT_EQ(owner->club_id, "taro@example.jp");
}

TEST_F(OAuthLinking, DenyRedirectsWithAccessDeniedAndIssuesNothing) {
  auto r = authorize(kRedirect, "abcd1234", "deny");
  ASSERT_EQ(r.status, 302);
  EXPECT_EQ(redirect_params(r)["error"], "access_denied");
  EXPECT_EQ(redirect_params(r)["state"], "st-42");
  EXPECT_FALSE(redirect_params(r).contains("code"));
  EXPECT_FALSE(store_->linked("taro@example.jp"));
}

TEST_F(OAuthLinking, WrongPasswordIsRefusedWithoutACode) {
  auto r = authorize(kRedirect, "wrong1234");
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(error_of(r), "login_failed");
  EXPECT_EQ(r.header("Location"), nullptr);
}

TEST_F(OAuthLinking, ACodeIsSingleUseAndReuseRevokesItsTokens) {
  std::string c = code();
  auto first = exchange(c);
  ASSERT_EQ(first.status, 200);
  std::string access = json::parse(first.body)["access_token"];
  ASSERT_TRUE(store_->access_owner(access).ok());
  auto second = exchange(c);
  EXPECT_EQ(second.status, 400);
  EXPECT_EQ(error_of(second), "invalid_grant");
  // RFC 6749 4.1.2: the replay revokes what the code gave.
  EXPECT_EQ(store_->access_owner(access).error().code, "authFailure");
}

TEST_F(OAuthLinking, ACodeExpiresAfterTenMinutes) {
  std::string fresh = code();
  std::string stale = code();
  engine_.run_for(sim::minutes(9));
  EXPECT_EQ(exchange(fresh).status, 200);
  engine_.run_for(sim::minutes(2));
  auto late = exchange(stale);
  EXPECT_EQ(late.status, 400);
  EXPECT_EQ(error_of(late), "invalid_grant");
  EXPECT_NE(late.body.find("expired"), std::string::npos);
}

TEST_F(OAuthLinking, TokenExchangeChecksTheRedirectUriAndTheSecret) {
  std::string c = code();
  auto wrong_secret = exchange(c, "guess");
  EXPECT_EQ(wrong_secret.status, 401);
  EXPECT_EQ(error_of(wrong_secret), "invalid_client");
  auto wrong_uri = exchange(c, "s3cret", kRedirect + "/other");
  EXPECT_EQ(error_of(wrong_uri), "invalid_grant");
  // Refusals did not use the code up.
  EXPECT_EQ(exchange(c).status, 200);
}

TEST_F(OAuthLinking, ClientCredentialsMayComeAsHttpBasic) {
  std::string c = code();
  // base64("google-smart-home:s3cret")
  auto r =
      post_form("/oauth/token",
                {{"grant_type", "authorization_code"}, {"code", c}, {"redirect_uri", kRedirect}},
                {{"Authorization", "Basic Z29vZ2xlLXNtYXJ0LWhvbWU6czNjcmV0"}});
  EXPECT_EQ(r.status, 200) << r.body;
}

TEST_F(OAuthLinking, RefreshGivesANewAccessTokenAfterTheOldOneExpired) {
  auto t = json::parse(exchange(code()).body);
  std::string access = t["access_token"];
  engine_.run_for(sim::minutes(61));
  EXPECT_EQ(store_->access_owner(access).error().code, "authExpired");
  auto refreshed = post_form("/oauth/token", {{"grant_type", "refresh_token"},
                                              {"refresh_token", t["refresh_token"]},
                                              {"client_id", "google-smart-home"},
                                              {"client_secret", "s3cret"}});
  ASSERT_EQ(refreshed.status, 200) << refreshed.body;
  std::string renewed = json::parse(refreshed.body)["access_token"];
  EXPECT_NE(renewed, access);
  EXPECT_TRUE(store_->access_owner(renewed).ok());
  auto bad_secret = post_form("/oauth/token", {{"grant_type", "refresh_token"},
                                               {"refresh_token", t["refresh_token"]},
                                               {"client_id", "google-smart-home"},
                                               {"client_secret", "nope"}});
  EXPECT_EQ(error_of(bad_secret), "invalid_client");
  auto bad_token = post_form("/oauth/token", {{"grant_type", "refresh_token"},
                                              {"refresh_token", "forged"},
                                              {"client_id", "google-smart-home"},
                                              {"client_secret", "s3cret"}});
  EXPECT_EQ(error_of(bad_token), "invalid_grant");
}

TEST_F(OAuthLinking, GarbageAtTheTokenEndpointGetsOAuthErrors) {
  EXPECT_EQ(error_of(request("POST", "/oauth/token", "\x01\x02garbage",
                             {{"Content-Type", "application/x-www-form-urlencoded"}})),
            "invalid_request");
  EXPECT_EQ(error_of(post_form("/oauth/token", {{"grant_type", "password"}})),
            "unsupported_grant_type");
  EXPECT_EQ(error_of(post_form("/oauth/token", {{"grant_type", "authorization_code"}})),
            "invalid_request");
  EXPECT_FALSE(store_->linked("taro@example.jp"));
}

TEST_F(OAuthLinking, OneGoogleAccountPerClubId) {  // DOMAIN R61
  auto first = authorize(kRedirect, "abcd1234", "allow", "taro@gmail.com");
  ASSERT_EQ(exchange(redirect_params(first)["code"]).status, 200);
  auto other = authorize(kRedirect, "abcd1234", "allow", "hanako@gmail.com");
  EXPECT_EQ(other.status, 409);
  EXPECT_EQ(error_of(other), "google_account_already_linked");
  EXPECT_EQ(other.header("Location"), nullptr);
  // The same account may link again (Google relinks); it replaces the old tokens.
  auto again = authorize(kRedirect, "abcd1234", "allow", "taro@gmail.com");
  EXPECT_EQ(again.status, 302);
  // After revoking (DISCONNECT), another account may link.
  store_->revoke("taro@example.jp");
  EXPECT_EQ(authorize(kRedirect, "abcd1234", "allow", "hanako@gmail.com").status, 302);
}

TEST_F(OAuthLinking, CurlLinksWithPlainFormPosts) {
  // An independent client: curl's own form encoding, no redirect following.
  using hemsrig::testing::shell_quote;
  const std::string url = cloud_->url();
  auto consent = beside([&] {
    return hemsrig::testing::curl(
        "--data-urlencode client_id=google-smart-home --data-urlencode " +
        shell_quote("redirect_uri=" + kRedirect) +
        " --data-urlencode state=a+b --data-urlencode response_type=code --data-urlencode "
        "email=taro@example.jp --data-urlencode password=abcd1234 --data-urlencode "
        "decision=allow " +
        shell_quote(url + "/oauth/authorize"));
  });
  ASSERT_EQ(consent.status, 302) << consent.headers;
  auto at = consent.headers.find("code=");
  ASSERT_NE(at, std::string::npos) << consent.headers;
  std::string code = consent.headers.substr(at + 5);
  code = code.substr(0, code.find_first_of("&\r\n"));
  EXPECT_NE(consent.headers.find("state=a%2Bb"), std::string::npos) << consent.headers;
  auto token = beside([&] {
    return hemsrig::testing::curl(
        "-u google-smart-home:s3cret -d grant_type=authorization_code -d code=" + code +
        " --data-urlencode " + shell_quote("redirect_uri=" + kRedirect) + " " +
        shell_quote(url + "/oauth/token"));
  });
  ASSERT_EQ(token.status, 200) << token.body;
  EXPECT_EQ(json::parse(token.body)["token_type"], "Bearer");
  auto again = beside([&] {
    return hemsrig::testing::curl(
        "-u google-smart-home:s3cret -d grant_type=authorization_code -d code=" + code +
        " --data-urlencode " + shell_quote("redirect_uri=" + kRedirect) + " " +
        shell_quote(url + "/oauth/token"));
  });
  EXPECT_EQ(again.status, 400);
  EXPECT_EQ(json::parse(again.body)["error"], "invalid_grant");
}

TEST_F(OAuthLinking, TheScriptedGoogleClientLinksTheWayGoogleDoes) {
  google::GoogleClientOptions o;
  o.cloud_url = cloud_->url();
  o.client_secret = "s3cret";
  o.google_account = "taro@gmail.com";
  google::GoogleClient g(engine_, o);
  std::optional<Status> linked;
  g.link("taro@example.jp", "abcd1234", [&](Status s) { linked.emplace(s); });
  ASSERT_TRUE(engine_.run_until([&] { return linked.has_value(); }, std::chrono::minutes(1)));
  ASSERT_TRUE(linked->ok()) << linked->error().message;
  EXPECT_TRUE(g.linked());
  EXPECT_EQ(store_->access_owner(g.access_token())->club_id, "taro@example.jp");
  const std::string before = g.access_token();
  std::optional<Status> refreshed;
  g.refresh([&](Status s) { refreshed.emplace(s); });
  ASSERT_TRUE(engine_.run_until([&] { return refreshed.has_value(); }, std::chrono::minutes(1)));
  EXPECT_TRUE(refreshed->ok());
  EXPECT_NE(g.access_token(), before);

  google::GoogleClient wrong(engine_, o);
  std::optional<Status> refused;
  wrong.link("taro@example.jp", "abcd9999", [&](Status s) { refused.emplace(s); });
  ASSERT_TRUE(engine_.run_until([&] { return refused.has_value(); }, std::chrono::minutes(1)));
  ASSERT_FALSE(refused->ok());
  EXPECT_EQ(refused->error().code, "login_failed");
  EXPECT_FALSE(wrong.linked());
}

}  // namespace
