// The app back end over real HTTP (DOMAIN R3, R13, R32-R34, R40-R44, R53):
// phone registration by access password or link code, refusal of a unit on
// old firmware, the unit's other users, the 2-phone limit and unique
// nicknames, the 1-week model-change code crossed in virtual time, logout and
// account deletion with the speaker choice.
#include <gtest/gtest.h>

#include "cloud_test_client.hpp"

using namespace hemsrig;
using hemsrig::testing::CloudReply;
using hemsrig::testing::CloudTest;
using nlohmann::json;

namespace {

class App : public CloudTest {
 protected:
  void SetUp() override {
    CloudTest::SetUp();
    cloud_->firmware().publish("MKN704", "Ver.2.97I-03", "", aiseg2::Bytes(16, 1));
    unit_session_ = unit_hello("9999950072", "MKN704", "Ver.2.97I-03");
  }
  CloudReply register_phone(const std::string& token, const std::string& nickname,
                            const std::string& password = "9999950072",
                            const std::string& device_code = "99999-50072") {
    return call(
        "POST", "/v1/app/phones",
        json{{"nickname", nickname}, {"device_code", device_code}, {"access_password", password}},
        token);
  }
  // The unit reports a link code issued for `club_id` (DOMAIN R53).
  void report_link_code(const std::string& code, const std::string& club_id, sim::Time expires_at) {
    auto r =
        call("POST", "/v1/unit-channel/state",
             json{{"link_codes",
                   {{{"code", code},
                     {"club_id", club_id},
                     {"expires_at_ms",
                      std::chrono::duration_cast<std::chrono::milliseconds>(expires_at).count()},
                     {"used", false}}}}},
             unit_session_);
    ASSERT_EQ(r.status, 200) << r.raw.body;
  }
  std::string unit_session_;
};

TEST_F(App, RegistersWithNicknameDeviceCodeAndAccessPassword) {  // DOMAIN R32
  const std::string t = member("taro@example.jp");
  auto r = register_phone(t, "たろう");
  ASSERT_EQ(r.status, 200) << r.raw.body;
  EXPECT_EQ(r.body["device_code"], "9999950072");
  EXPECT_FALSE(r.body["household_set"].get<bool>());  // DOMAIN R35: still to do
  EXPECT_EQ(cloud_->app().phones_of("taro@example.jp").size(), 1u);
}

TEST_F(App, WrongAccessPasswordRefused) {  // DOMAIN R32
  const std::string t = member("taro@example.jp");
  auto r = register_phone(t, "たろう", "0000000000");
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(r.code(), "wrong_access_password");
  EXPECT_EQ(r.rule(), "R32");
  EXPECT_TRUE(cloud_->app().phones_of("taro@example.jp").empty());
}

TEST_F(App, NeedsALogin) {
  EXPECT_EQ(register_phone("", "たろう").status, 401);
  EXPECT_EQ(register_phone("forged", "たろう").code(), "unauthorized");
}

TEST_F(App, UnitOnOldFirmwareRefusedWithAnUpdateHint) {  // DOMAIN R13
  cloud_->firmware().publish("MKN704", "Ver.2.98A-03", "", aiseg2::Bytes(16, 2));
  const std::string t = member("taro@example.jp");
  auto r = register_phone(t, "たろう");
  EXPECT_EQ(r.status, 409);
  EXPECT_EQ(r.code(), "unit_firmware_outdated");
  EXPECT_NE(r.body["error"]["message"].get<std::string>().find("update"), std::string::npos);
  // After the update (the unit reports its new firmware) it works.
  call("POST", "/v1/unit-channel/state", json{{"firmware", "Ver.2.98A-03"}}, unit_session_);
  EXPECT_EQ(register_phone(t, "たろう").status, 200);
}

TEST_F(App, LinkCodeRegistersOnceAndTellsTheUnit) {  // DOMAIN R33, R53
  const std::string t = member("taro@example.jp");
  report_link_code("12345678", "taro@example.jp", engine_.now() + sim::hours(1));
  json body = {{"nickname", "たろう"}, {"device_code", "9999950072"}, {"link_code", "12345678"}};
  auto no_terms = call("POST", "/v1/app/phones", body, t);
  EXPECT_EQ(no_terms.code(), "terms_not_agreed");
  body["terms_agreed"] = true;
  std::optional<Result<http::HttpResponse>> poll;
  http::http_request(engine_, "GET", cloud_->url() + "/v1/unit-channel/commands?wait_s=5", "",
                     {{"Authorization", "Bearer " + unit_session_}},
                     [&](Result<http::HttpResponse> r) { poll = std::move(r); });
  auto ok = call("POST", "/v1/app/phones", body, t);
  ASSERT_EQ(ok.status, 200) << ok.raw.body;
  ASSERT_TRUE(engine_.run_until([&] { return poll.has_value(); }, std::chrono::seconds(10)));
  const json c = json::parse(poll->value().body)["commands"];
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0]["kind"], "link_code_used");
  EXPECT_EQ(c[0]["code"], "12345678");
  // Single use: a second phone of the ID cannot reuse it.
  body["nickname"] = "たろう2";
  auto again = call("POST", "/v1/app/phones", body, t);
  EXPECT_EQ(again.code(), "link_code_used");
  EXPECT_EQ(again.rule(), "R53");
}

TEST_F(App, LinkCodeExpiresAfterOneHour) {  // DOMAIN R53
  const std::string t = member("taro@example.jp");
  report_link_code("87654321", "taro@example.jp", engine_.now() + sim::hours(1));
  engine_.run_for(sim::hours(1));
  call("POST", "/v1/unit-channel/hello",
       json{{"device_code", "9999950072"}, {"model", "MKN704"}, {"firmware", "Ver.2.97I-03"}});
  auto r = call("POST", "/v1/app/phones",
                json{{"nickname", "たろう"},
                     {"device_code", "9999950072"},
                     {"link_code", "87654321"},
                     {"terms_agreed", true}},
                t);
  EXPECT_EQ(r.status, 410);
  EXPECT_EQ(r.code(), "link_code_expired");
}

TEST_F(App, LinkCodeOfAnotherIdRefused) {  // DOMAIN R53: per CLUB ID
  const std::string t = member("taro@example.jp");
  report_link_code("11112222", "hanako@example.jp", engine_.now() + sim::hours(1));
  auto r = call("POST", "/v1/app/phones",
                json{{"nickname", "たろう"},
                     {"device_code", "9999950072"},
                     {"link_code", "11112222"},
                     {"terms_agreed", true}},
                t);
  EXPECT_EQ(r.code(), "link_code_invalid");
}

TEST_F(App, OtherUsersOfTheUnitAreListed) {  // DOMAIN R34
  const std::string hanako = member("hanako@example.jp");
  ASSERT_EQ(register_phone(hanako, "はなこ").status, 200);
  const std::string taro = member("taro@example.jp");
  auto r = register_phone(taro, "たろう");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.body["other_users"], json::array({"はなこ"}));
  auto users = call("GET", "/v1/app/users", std::string(), taro);
  ASSERT_EQ(users.body["users"].size(), 2u);
  // An unneeded user can be deleted.
  std::string hanako_phone;
  for (const auto& u : users.body["users"])
    if (!u["you"].get<bool>()) hanako_phone = u["phone_id"];
  EXPECT_EQ(call("DELETE", "/v1/app/phones/" + hanako_phone, std::string(), taro).status, 200);
  EXPECT_TRUE(cloud_->app().phones_of("hanako@example.jp").empty());
}

TEST_F(App, ThirdPhoneHitsTheLimit) {  // DOMAIN R40
  const std::string t = member("taro@example.jp");
  ASSERT_EQ(register_phone(t, "スマホ1").status, 200);
  ASSERT_EQ(register_phone(t, "スマホ2").status, 200);
  auto third = register_phone(t, "スマホ3");
  EXPECT_EQ(third.status, 409);
  EXPECT_EQ(third.code(), "phone_limit");
  EXPECT_NE(third.body["error"]["message"].get<std::string>().find("上限に達しています"),
            std::string::npos);
  EXPECT_EQ(cloud_->app().phones_of("taro@example.jp").size(), 2u);
}

TEST_F(App, SecondPhoneNeedsAnotherNickname) {  // DOMAIN R41
  const std::string t = member("taro@example.jp");
  ASSERT_EQ(register_phone(t, "たろう").status, 200);
  auto r = register_phone(t, "たろう");
  EXPECT_EQ(r.code(), "nickname_taken");
  EXPECT_EQ(r.rule(), "R41");
  // The same nickname on another ID is fine.
  EXPECT_EQ(register_phone(member("jiro@example.jp"), "たろう").status, 200);
}

TEST_F(App, OneAppRegistersExactlyOneUnit) {  // DOMAIN R3
  unit_hello("1234567890", "MKN705", "Ver.1.00A-01");
  const std::string t = member("taro@example.jp");
  ASSERT_EQ(register_phone(t, "たろう").status, 200);
  auto r = register_phone(t, "たろう2", "1234567890", "1234567890");
  EXPECT_EQ(r.code(), "one_unit_per_app");
  EXPECT_EQ(r.rule(), "R3");
}

TEST_F(App, ModelChangeCodeValidForAWeek) {  // DOMAIN R42
  const std::string t = member("taro@example.jp");
  auto reg = register_phone(t, "たろう");
  const std::string old_phone = reg.body["phone_id"];
  auto code1 = call("POST", "/v1/app/model-change-codes", json{{"phone_id", old_phone}}, t);
  ASSERT_EQ(code1.status, 200) << code1.raw.body;
  engine_.run_for(sim::hours(24 * 7) - sim::seconds(1));
  // The new phone logs in with the same ID and enters the code.
  const std::string t2 = login("taro@example.jp");
  auto ok = call("POST", "/v1/app/model-change", json{{"code", code1.body["code"]}}, t2);
  ASSERT_EQ(ok.status, 200) << ok.raw.body;
  EXPECT_EQ(ok.body["screen"], "timeline");
  EXPECT_EQ(ok.body["nickname"], "たろう");
  const auto phones = cloud_->app().phones_of("taro@example.jp");
  ASSERT_EQ(phones.size(), 1u);
  EXPECT_NE(phones[0]->id, old_phone);
  // A code used is gone; a code a week old has expired.
  EXPECT_EQ(call("POST", "/v1/app/model-change", json{{"code", code1.body["code"]}}, t2).code(),
            "model_change_code_unknown");
  auto code2 = call("POST", "/v1/app/model-change-codes", json{{"phone_id", phones[0]->id}}, t2);
  engine_.run_for(sim::hours(24 * 7));
  auto late = call("POST", "/v1/app/model-change", json{{"code", code2.body["code"]}}, t2);
  EXPECT_EQ(late.status, 410);
  EXPECT_EQ(late.code(), "model_change_code_expired");
}

TEST_F(App, LogoutSaysLoggedOut) {  // DOMAIN R43
  const std::string t = member("taro@example.jp");
  auto r = call("POST", "/v1/app/logout", std::string(), t);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body["message"], "ログアウトしました");
  EXPECT_EQ(call("GET", "/v1/app/phones", std::string(), t).status, 401);
}

TEST_F(App, AccountDeletionConfirmsAndKeepsTheClubId) {  // DOMAIN R44, R24
  const std::string t = member("taro@example.jp");
  ASSERT_EQ(register_phone(t, "たろう").status, 200);
  EXPECT_EQ(call("DELETE", "/v1/app/account", json{{"confirm", true}}, t).code(), "not_confirmed");
  EXPECT_EQ(cloud_->app().phones_of("taro@example.jp").size(), 1u);
  auto r = call("DELETE", "/v1/app/account", json{{"confirm", true}, {"really", true}}, t);
  ASSERT_EQ(r.status, 200) << r.raw.body;
  EXPECT_EQ(r.body["message"], "削除しました");
  EXPECT_TRUE(cloud_->app().phones_of("taro@example.jp").empty());
  EXPECT_NE(cloud_->club_ids().find("taro@example.jp"), nullptr);
}

TEST_F(App, AccountDeletionWithSpeakersAsksKeepOrDelete) {  // DOMAIN R44
  std::set<std::string> speakers = {"taro@example.jp", "hanako@example.jp"};
  cloud_->app().set_speaker_hooks({[&](const std::string& id) { return speakers.contains(id); },
                                   [&](const std::string& id) { speakers.erase(id); }});
  const std::string taro = member("taro@example.jp");
  auto ask = call("DELETE", "/v1/app/account", json{{"confirm", true}, {"really", true}}, taro);
  EXPECT_EQ(ask.code(), "speaker_choice_required");
  auto del = call("DELETE", "/v1/app/account",
                  json{{"confirm", true}, {"really", true}, {"speakers", "delete"}}, taro);
  EXPECT_EQ(del.body["speakers"], "deleted");
  EXPECT_FALSE(speakers.contains("taro@example.jp"));
  const std::string hanako = member("hanako@example.jp");
  auto keep = call("DELETE", "/v1/app/account",
                   json{{"confirm", true}, {"really", true}, {"speakers", "keep"}}, hanako);
  EXPECT_EQ(keep.body["speakers"], "kept");
  EXPECT_TRUE(speakers.contains("hanako@example.jp"));
}

TEST_F(App, GarbageRegistrationGets400AndChangesNothing) {
  const std::string t = member("taro@example.jp");
  EXPECT_EQ(call("POST", "/v1/app/phones", std::string("{\"nickname\":"), t).code(), "bad_json");
  EXPECT_EQ(
      call("POST", "/v1/app/phones", json{{"nickname", "a"}, {"device_code", "9999950072"}}, t)
          .code(),
      "missing_field");
  EXPECT_EQ(call("POST", "/v1/app/phones",
                 json{{"nickname", "a"},
                      {"device_code", "9999950072"},
                      {"access_password", "9999950072"},
                      {"admin", true}},
                 t)
                .code(),
            "unknown_field");
  EXPECT_TRUE(cloud_->app().phones_of("taro@example.jp").empty());
}

}  // namespace
