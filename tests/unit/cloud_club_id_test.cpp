// CLUB ID over real HTTP on loopback (DOMAIN R5, R20-R24): sign-up with the
// password rule, the verification mail and its 1-hour link crossed in virtual
// time, two-step login by SMS code, social sign-up, withdrawal only on the
// web path, and garbage bodies that get 400 and change nothing.
#include <gtest/gtest.h>

#include "cloud_test_client.hpp"
#include "http_wire.hpp"

using namespace hemsrig;
using hemsrig::testing::CloudReply;
using hemsrig::testing::CloudTest;
using nlohmann::json;

namespace {

class ClubId : public CloudTest {};

TEST_F(ClubId, PasswordRuleAcceptsLettersAndDigits) {  // DOMAIN R20
  EXPECT_TRUE(cloud::check_password_rule("abc12345").ok());
  EXPECT_TRUE(cloud::check_password_rule("A1b2C3d4E5f6G7h8").ok());
}

TEST_F(ClubId, PasswordRuleRefusalsSayWhy) {                                       // DOMAIN R20
  EXPECT_EQ(cloud::check_password_rule("abc1234").error().code, "weak_password");  // 7
  EXPECT_EQ(cloud::check_password_rule("abc12345678901234").error().code, "weak_password");
  EXPECT_NE(cloud::check_password_rule("abcdefgh").error().message.find("both"), std::string::npos);
  EXPECT_NE(cloud::check_password_rule("12345678").error().message.find("both"), std::string::npos);
  EXPECT_NE(cloud::check_password_rule("abc-1234").error().message.find("symbols"),
            std::string::npos);
  EXPECT_EQ(cloud::check_password_rule("ａｂｃ12345").error().code, "weak_password");  // full width
}

TEST_F(ClubId, SignUpMailsAVerificationLinkThatVerifies) {  // DOMAIN R21
  auto r = call("POST", "/v1/club-id/signup",
                json{{"email", "taro@example.jp"}, {"password", "abc12345"}});
  ASSERT_EQ(r.status, 200) << r.raw.body;
  EXPECT_FALSE(r.body["verified"].get<bool>());
  // Not verified yet: login refused.
  auto early = call("POST", "/v1/club-id/login",
                    json{{"email", "taro@example.jp"}, {"password", "abc12345"}});
  EXPECT_EQ(early.status, 403);
  EXPECT_EQ(early.code(), "not_verified");
  // The mail catcher lists it; its link verifies.
  auto list = call("GET", "/v1/outbox/mails?to=taro%40example.jp");
  ASSERT_EQ(list.status, 200);
  ASSERT_EQ(list.body["mails"].size(), 1u);
  const json mail = list.body["mails"][0];
  EXPECT_EQ(mail["from"], "no-reply@club.panasonic.jp");  // DOMAIN R5: the vendor's domain
  EXPECT_TRUE(mail["delivered"].get<bool>());
  auto one = call("GET", "/v1/outbox/mails/" + std::to_string(mail["id"].get<int>()));
  EXPECT_EQ(one.body["subject"], mail["subject"]);
  auto v = follow(mail["links"][0].get<std::string>());
  EXPECT_EQ(v.status, 200) << v.raw.body;
  EXPECT_TRUE(cloud_->club_ids().find("taro@example.jp")->verified);
  EXPECT_FALSE(login("taro@example.jp").empty());
}

TEST_F(ClubId, VerificationLinkWorksAt59MinutesAndExpiresAt60) {  // DOMAIN R21
  ASSERT_EQ(
      call("POST", "/v1/club-id/signup", json{{"email", "a@example.jp"}, {"password", "abc12345"}})
          .status,
      200);
  ASSERT_EQ(
      call("POST", "/v1/club-id/signup", json{{"email", "b@example.jp"}, {"password", "abc12345"}})
          .status,
      200);
  engine_.run_for(std::chrono::minutes(59));
  EXPECT_EQ(follow(cloud_->outbox().mails("a@example.jp").back()->links[0]).status, 200);
  engine_.run_for(std::chrono::minutes(1));
  auto late = follow(cloud_->outbox().mails("b@example.jp").back()->links[0]);
  EXPECT_EQ(late.status, 410);
  EXPECT_EQ(late.code(), "link_expired");
  EXPECT_EQ(late.rule(), "R21");
  // Expired means starting again: the address is free to sign up anew.
  EXPECT_EQ(cloud_->club_ids().find("b@example.jp"), nullptr);
  EXPECT_EQ(
      call("POST", "/v1/club-id/signup", json{{"email", "b@example.jp"}, {"password", "abc12345"}})
          .status,
      200);
}

TEST_F(ClubId, WeakPasswordRefusedOverHttpNamingTheRule) {  // DOMAIN R20
  auto r = call("POST", "/v1/club-id/signup",
                json{{"email", "taro@example.jp"}, {"password", "abc!2345"}});
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.code(), "weak_password");
  EXPECT_EQ(r.rule(), "R20");
  EXPECT_EQ(cloud_->club_ids().account_count(), 0u);
  EXPECT_TRUE(cloud_->outbox().mails().empty());
}

TEST_F(ClubId, DuplicateEmailAndBadAddressRefused) {  // DOMAIN R20
  member("taro@example.jp");
  EXPECT_EQ(call("POST", "/v1/club-id/signup",
                 json{{"email", "taro@example.jp"}, {"password", "xyz12345"}})
                .code(),
            "email_taken");
  EXPECT_EQ(call("POST", "/v1/club-id/signup",
                 json{{"email", "taro.example.jp"}, {"password", "xyz12345"}})
                .code(),
            "invalid_email");
}

TEST_F(ClubId, GarbageBodiesGet400AndChangeNothing) {
  for (const std::string body :
       {"{not json", "[1,2]", "\"text\"", "{\"email\": 5, \"password\": \"abc12345\"}",
        "{\"password\": \"abc12345\"}"}) {
    auto r = call("POST", "/v1/club-id/signup", body);
    EXPECT_EQ(r.status, 400) << body;
    EXPECT_FALSE(r.code().empty()) << body;
  }
  EXPECT_EQ(call("POST", "/v1/club-id/signup", std::string("{oops")).code(), "bad_json");
  EXPECT_EQ(call("POST", "/v1/club-id/signup", std::string("[]")).code(), "not_an_object");
  auto missing = call("POST", "/v1/club-id/signup", std::string("{\"password\":\"abc12345\"}"));
  EXPECT_EQ(missing.code(), "missing_field");
  EXPECT_NE(missing.body["error"]["message"].get<std::string>().find("email"), std::string::npos);
  EXPECT_EQ(cloud_->club_ids().account_count(), 0u);
  EXPECT_TRUE(cloud_->outbox().mails().empty());
  // The server goes on.
  EXPECT_FALSE(member("taro@example.jp").empty());
}

TEST_F(ClubId, TwoStepLoginNeedsTheSmsCode) {  // DOMAIN R22
  const std::string token = member("taro@example.jp");
  ASSERT_EQ(call("POST", "/v1/club-id/two-factor", json{{"phone", "09012345678"}}, token).status,
            200);
  auto r = call("POST", "/v1/club-id/login",
                json{{"email", "taro@example.jp"}, {"password", "abc12345"}});
  ASSERT_EQ(r.status, 200);
  EXPECT_FALSE(r.body.contains("session"));
  const std::string challenge = r.body["challenge"];
  auto sms = call("GET", "/v1/outbox/sms?to=09012345678");
  ASSERT_EQ(sms.body["sms"].size(), 1u);
  const std::string text = sms.body["sms"][0]["text"];
  const std::string code = text.substr(text.size() - 6);
  auto wrong =
      call("POST", "/v1/club-id/login/sms",
           json{{"challenge", challenge}, {"code", "000000" == code ? "111111" : "000000"}});
  EXPECT_EQ(wrong.status, 401);
  EXPECT_EQ(wrong.code(), "sms_code_wrong");
  auto ok = call("POST", "/v1/club-id/login/sms", json{{"challenge", challenge}, {"code", code}});
  ASSERT_EQ(ok.status, 200) << ok.raw.body;
  EXPECT_EQ(cloud_->club_ids().session_owner(ok.body["session"].get<std::string>()),
            "taro@example.jp");
}

TEST_F(ClubId, TwoStepIsOptional) {  // DOMAIN R22: skippable
  member("taro@example.jp");
  auto r = call("POST", "/v1/club-id/login",
                json{{"email", "taro@example.jp"}, {"password", "abc12345"}});
  EXPECT_TRUE(r.body.contains("session"));
  EXPECT_TRUE(cloud_->outbox().sms().empty());
}

TEST_F(ClubId, SocialSignUpNeedsNoPassword) {  // DOMAIN R23
  auto r = call("POST", "/v1/club-id/social-signup",
                json{{"provider", "line"}, {"subject", "U42"}, {"email", "hanako@example.jp"}});
  ASSERT_EQ(r.status, 200) << r.raw.body;
  EXPECT_TRUE(cloud_->club_ids().find("hanako@example.jp")->verified);
  EXPECT_EQ(cloud_->club_ids().session_owner(r.body["session"].get<std::string>()),
            "hanako@example.jp");
  auto bad = call("POST", "/v1/club-id/social-signup",
                  json{{"provider", "myspace"}, {"subject", "U42"}, {"email", "jiro@example.jp"}});
  EXPECT_EQ(bad.code(), "social_provider_unknown");
  EXPECT_EQ(cloud_->club_ids().find("jiro@example.jp"), nullptr);
}

TEST_F(ClubId, WithdrawalOnlyOnTheWebPath) {  // DOMAIN R24
  const std::string token = member("taro@example.jp");
  auto app = call("DELETE", "/v1/club-id/account", std::string(), token);
  EXPECT_EQ(app.status, 403);
  EXPECT_EQ(app.code(), "withdraw_on_web_only");
  EXPECT_NE(cloud_->club_ids().find("taro@example.jp"), nullptr);
  auto wrong = call("POST", "/web/club-id/withdraw",
                    json{{"email", "taro@example.jp"}, {"password", "zzz12345"}});
  EXPECT_EQ(wrong.code(), "login_failed");
  auto web = call("POST", "/web/club-id/withdraw",
                  json{{"email", "taro@example.jp"}, {"password", "abc12345"}});
  EXPECT_EQ(web.status, 200);
  EXPECT_EQ(cloud_->club_ids().find("taro@example.jp"), nullptr);
  EXPECT_FALSE(cloud_->club_ids().session_owner(token));
}

TEST_F(ClubId, FilteredDomainNeverGetsTheVerificationMail) {  // DOMAIN R5
  ASSERT_EQ(
      call("POST", "/v1/outbox/delivery-failures", json{{"recipient", "@filtering.jp"}}).status,
      200);
  ASSERT_EQ(call("POST", "/v1/club-id/signup",
                 json{{"email", "kei@filtering.jp"}, {"password", "abc12345"}})
                .status,
            200);
  ASSERT_EQ(call("POST", "/v1/club-id/signup",
                 json{{"email", "kei@example.jp"}, {"password", "abc12345"}})
                .status,
            200);
  const auto filtered = cloud_->outbox().mails("kei@filtering.jp");
  ASSERT_EQ(filtered.size(), 1u);
  EXPECT_FALSE(filtered[0]->delivered);
  EXPECT_NE(filtered[0]->failure.find("@filtering.jp"), std::string::npos);
  EXPECT_TRUE(cloud_->outbox().mails("kei@example.jp")[0]->delivered);
  ASSERT_EQ(call("DELETE", "/v1/outbox/delivery-failures").status, 200);
}

TEST_F(ClubId, LogoutEndsTheSession) {  // DOMAIN R43
  const std::string token = member("taro@example.jp");
  EXPECT_EQ(call("GET", "/v1/club-id/me", std::string(), token).status, 200);
  auto r = call("POST", "/v1/club-id/logout", std::string(), token);
  EXPECT_EQ(r.body["message"], "ログアウトしました");
  EXPECT_EQ(call("GET", "/v1/club-id/me", std::string(), token).status, 401);
}

class ClubIdCurl : public hemsrig::testing::RealtimeCloudTest {};

TEST_F(ClubIdCurl, CurlFollowsTheVerificationLink) {  // DOMAIN R21, an independent client
  ASSERT_EQ(call("POST", "/v1/club-id/signup",
                 json{{"email", "taro@example.jp"}, {"password", "abc12345"}})
                .status,
            200);
  const std::string link = cloud_->outbox().mails("taro@example.jp").back()->links[0];
  auto r = hemsrig::testing::run_beside<hemsrig::testing::CurlResult>(
      engine_, [&] { return hemsrig::testing::curl(hemsrig::testing::shell_quote(link)); });
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_TRUE(cloud_->club_ids().find("taro@example.jp")->verified);
}

}  // namespace
