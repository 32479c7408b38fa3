// DOMAIN R22 inside account linking: a CLUB ID with two-step verification
// logs in on the OAuth consent page only with the code sent to its phone by
// SMS. The code read from the SMS outbox gets an authorization code that
// Google can exchange; a wrong code gets none. API callers get OAuth's JSON
// shape, browsers the SMS-code page. Over real HTTP, virtual time.
#include <gtest/gtest.h>

#include "devices/cloud/mock_cloud.hpp"
#include "devices/cloud/oauth_service.hpp"
#include "devices/cloud/oauth_store.hpp"
#include "sim/http/http_client.hpp"

using namespace hemsrig;
using nlohmann::json;

namespace {

const std::string kRedirect = "https://oauth-redirect.googleusercontent.com/r/hemsrig";
const std::string kPhone = "09012345678";

class OAuthTwoStep : public ::testing::Test {
 protected:
  void SetUp() override {
    cloud_ = std::make_unique<cloud::MockCloud>(engine_);
    store_ = std::make_unique<cloud::OAuthStore>(engine_);
    store_->register_client({"google-smart-home", "s3cret", {kRedirect}});
    service_ = std::make_unique<cloud::OAuthService>(cloud_->club_ids(), *store_, cloud_->events());
    ASSERT_TRUE(cloud_->add_service(*service_).ok());
    ASSERT_TRUE(cloud_->listen("127.0.0.1", 0).ok());
    ASSERT_TRUE(cloud_->club_ids().seed("jiro@example.jp", "jiro1234", true, kPhone).ok());
    ASSERT_TRUE(cloud_->club_ids().seed("taro@example.jp", "taro1234", true, "").ok());
    cloud_->on_event([this](const cloud::CloudEvent& e) {
      if (e.kind == "cloud.oauth_code") ++codes_issued_;
    });
  }
  void TearDown() override { cloud_.reset(); }

  http::HttpResponse post_form(const std::vector<std::pair<std::string, std::string>>& fields,
                               const std::string& target = "/oauth/authorize",
                               bool browser = false) {
    std::string body;
    for (const auto& [k, v] : fields)
      body += (body.empty() ? "" : "&") + http::percent_encode(k) + "=" + http::percent_encode(v);
    http::Headers headers{{"Content-Type", "application/x-www-form-urlencoded"}};
    if (browser) headers.emplace_back("Accept", "text/html,application/xhtml+xml,*/*;q=0.8");
    std::optional<Result<http::HttpResponse>> out;
    http::http_request(engine_, "POST", cloud_->url() + target, body, headers,
                       [&](Result<http::HttpResponse> r) { out.emplace(std::move(r)); });
    engine_.run_until([&] { return out.has_value(); }, std::chrono::minutes(1));
    EXPECT_TRUE(out && out->ok());
    return out && out->ok() ? out->value() : http::HttpResponse{};
  }
  std::vector<std::pair<std::string, std::string>> request_fields() const {
    return {{"client_id", "google-smart-home"},
            {"redirect_uri", kRedirect},
            {"state", "st-22"},
            {"response_type", "code"},
            {"decision", "allow"}};
  }
  // Step 1: e-mail and password on the consent page.
  http::HttpResponse log_in(const std::string& email, const std::string& password,
                            bool browser = false) {
    auto f = request_fields();
    f.emplace_back("email", email);
    f.emplace_back("password", password);
    return post_form(f, "/oauth/authorize", browser);
  }
  // Step 2: the challenge and the SMS code.
  http::HttpResponse send_code(const std::string& challenge, const std::string& code,
                               bool browser = false) {
    auto f = request_fields();
    f.emplace_back("challenge", challenge);
    f.emplace_back("sms_code", code);
    return post_form(f, "/oauth/authorize", browser);
  }
  // The code in the newest SMS to the phone, read from the outbox like the phone would.
  std::string sms_code() const {
    auto sms = cloud_->outbox().sms(kPhone);
    if (sms.empty()) return {};
    const std::string& text = sms.back()->text;
    return text.substr(text.size() - 6);
  }
  static json body_of(const http::HttpResponse& r) { return json::parse(r.body, nullptr, false); }
  static std::map<std::string, std::string> redirect_params(const http::HttpResponse& r) {
    const std::string* location = r.header("Location");
    if (location == nullptr) return {};
    auto q = location->find('?');
    return http::parse_query(q == std::string::npos ? "" : location->substr(q + 1));
  }
  // The hidden challenge of the SMS-code page.
  static std::string page_challenge(const std::string& html) {
    const std::string marker = "name=\"challenge\" value=\"";
    auto at = html.find(marker);
    if (at == std::string::npos) return {};
    at += marker.size();
    return html.substr(at, html.find('"', at) - at);
  }

  sim::Engine engine_;
  std::unique_ptr<cloud::MockCloud> cloud_;
  std::unique_ptr<cloud::OAuthStore> store_;
  std::unique_ptr<cloud::OAuthService> service_;
  int codes_issued_ = 0;
};

TEST_F(OAuthTwoStep, PasswordAloneIsNotEnoughTheSmsCodeIsDemanded) {
  auto r = log_in("jiro@example.jp", "jiro1234");
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(r.header("Location"), nullptr);
  const json body = body_of(r);
  EXPECT_EQ(body.value("error", ""), "sms_code_required");
  EXPECT_FALSE(body.value("challenge", "").empty());
  EXPECT_EQ(cloud_->outbox().sms(kPhone).size(), 1u);  // the code went to the phone
  EXPECT_EQ(codes_issued_, 0);
}

TEST_F(OAuthTwoStep, CodeFromTheSmsGetsAnAuthorizationCodeGoogleCanExchange) {
  const std::string challenge = body_of(log_in("jiro@example.jp", "jiro1234"))["challenge"];
  const std::string code = sms_code();
  ASSERT_EQ(code.size(), 6u);
  auto r = send_code(challenge, code);
  ASSERT_EQ(r.status, 302) << r.body;
  auto params = redirect_params(r);
  EXPECT_EQ(params["state"], "st-22");
  ASSERT_FALSE(params["code"].empty());
  EXPECT_EQ(codes_issued_, 1);
  auto tokens = post_form({{"grant_type", "authorization_code"},
                           {"code", params["code"]},
                           {"redirect_uri", kRedirect},
                           {"client_id", "google-smart-home"},
                           {"client_secret", "s3cret"}},
                          "/oauth/token");
  EXPECT_EQ(tokens.status, 200) << tokens.body;
  EXPECT_FALSE(body_of(tokens).value("access_token", "").empty());
  // The challenge is used up: the same code a second time gets nothing.
  auto again = send_code(challenge, code);
  EXPECT_EQ(again.header("Location"), nullptr);
  EXPECT_EQ(codes_issued_, 1);
}

TEST_F(OAuthTwoStep, WrongSmsCodeIsRefusedAndNoAuthorizationCodeIsIssued) {
  const std::string challenge = body_of(log_in("jiro@example.jp", "jiro1234"))["challenge"];
  const std::string right = sms_code();
  const std::string wrong = right == "000000" ? "111111" : "000000";
  auto r = send_code(challenge, wrong);
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(r.header("Location"), nullptr);
  EXPECT_EQ(body_of(r).value("error", ""), "login_failed");
  EXPECT_NE(body_of(r).value("error_description", "").find("R22"), std::string::npos);
  // A made-up challenge gets nothing either.
  auto made_up = send_code("not-a-challenge", right);
  EXPECT_EQ(made_up.header("Location"), nullptr);
  EXPECT_EQ(codes_issued_, 0);
}

TEST_F(OAuthTwoStep, SmsCodeExpiresAfterTenMinutes) {  // DOMAIN R22, docs/cloud-api.md
  const std::string challenge = body_of(log_in("jiro@example.jp", "jiro1234"))["challenge"];
  const std::string code = sms_code();
  engine_.run_for(sim::minutes(11));
  auto r = send_code(challenge, code);
  EXPECT_EQ(r.header("Location"), nullptr);
  EXPECT_EQ(codes_issued_, 0);
}

TEST_F(OAuthTwoStep, WithoutTwoStepVerificationThePasswordIsEnough) {  // R22: optional
  auto r = log_in("taro@example.jp", "taro1234");
  EXPECT_EQ(r.status, 302) << r.body;
  EXPECT_FALSE(redirect_params(r)["code"].empty());
  EXPECT_TRUE(cloud_->outbox().sms().empty());
}

TEST_F(OAuthTwoStep, BrowserGetsTheSmsCodePageAndItsFormCompletesTheLink) {
  auto page = log_in("jiro@example.jp", "jiro1234", /*browser=*/true);
  EXPECT_EQ(page.status, 200);
  ASSERT_NE(page.header("Content-Type"), nullptr);
  EXPECT_NE(page.header("Content-Type")->find("text/html"), std::string::npos);
  EXPECT_NE(page.body.find("name=\"sms_code\""), std::string::npos) << page.body;
  EXPECT_NE(page.body.find("value=\"st-22\""), std::string::npos);  // state carried on
  const std::string challenge = page_challenge(page.body);
  ASSERT_FALSE(challenge.empty()) << page.body;
  EXPECT_EQ(codes_issued_, 0);

  const std::string right = sms_code();
  auto wrong = send_code(challenge, right == "000000" ? "111111" : "000000", true);
  EXPECT_EQ(wrong.status, 401);
  EXPECT_EQ(wrong.header("Location"), nullptr);
  EXPECT_NE(wrong.body.find("name=\"sms_code\""), std::string::npos);  // asked again
  EXPECT_EQ(codes_issued_, 0);

  auto ok = send_code(page_challenge(wrong.body), right, true);
  ASSERT_EQ(ok.status, 302) << ok.body;
  EXPECT_FALSE(redirect_params(ok)["code"].empty());
  EXPECT_EQ(codes_issued_, 1);
}

}  // namespace
