// Speaker only, over real HTTP (DOMAIN R60, R62; manual p42, p46-51): no app.
// The unit's スマートスピーカー設定 shows the QR code of ID登録; a phone that
// read it and logged in with a CLUB ID registers the speaker user for that
// unit, and voice works. A QR code that is not the unit's registration, or
// garbage, is refused and registers nothing.
#include "tests/unit/speaker_house.hpp"

using namespace hemsrig;
using namespace hemsrig::testing;
using nlohmann::json;

namespace {

class SpeakerQr : public SpeakerHouse {
 protected:
  // A CLUB ID logged in on a phone that has no app registration.
  app::AppClient& browser(const std::string& email) {
    auto a = std::make_unique<app::AppClient>(engine(), cloud_->url());
    auto& ref = *a;
    apps_.push_back(std::move(a));
    EXPECT_TRUE(wait<app::AppAnswer>([&](auto d) { ref.sign_up(email, "abc12345", d); }).ok());
    EXPECT_TRUE(wait<app::AppAnswer>([&](auto d) { ref.login(email, "abc12345", d); }).ok());
    return ref;
  }
  // What the phone reads off the unit's screen: サーバーサービス設定 > スマートスピーカー設定.
  std::string qr_on_the_unit() {
    auto& ss = unit_->server_service();
    ss.open();
    EXPECT_TRUE(ss.enter_device_code("99999-50072").ok());
    auto screen = ss.press(aiseg2::Button::SpeakerSettings);
    EXPECT_TRUE(screen.ok());
    if (!screen) return {};
    EXPECT_EQ(screen->id, aiseg2::ScreenId::SpeakerSettings);
    return screen->fields["id_registration_qr"];
  }
  bool registered_nothing(const std::string& club_id) {
    return link().registration(club_id) == nullptr && link().user(club_id) == nullptr;
  }
};

TEST_F(SpeakerQr, TheUnitsQrCodeRegistersASpeakerUserWithoutTheApp) {  // DOMAIN R60, R62
  const std::string qr = qr_on_the_unit();
  EXPECT_EQ(qr, "/speaker/id-registration?device_code=9999950072&confirmation_code=909580");

  auto& phone = browser("hanako@example.jp");
  auto start =
      app_call(phone, "POST", "/v1/speaker/registration", {{"nickname", "はなこ"}, {"qr", qr}});
  ASSERT_TRUE(start.ok()) << start.body.dump();
  EXPECT_EQ(start.body["step"], "privacy_policy");
  EXPECT_EQ(start.body["device_code"], kDeviceCode);
  ASSERT_TRUE(
      app_call(phone, "POST", "/v1/speaker/registration/privacy-policy", {{"accept", true}}).ok());
  ASSERT_TRUE(
      app_call(phone, "PUT", "/v1/speaker/registration/appliances", {{"appliances", {kFloor}}})
          .ok());
  auto& g = google_for("hanako@gmail.com");
  Status linked = link_google(g, "hanako@example.jp");
  ASSERT_TRUE(linked.ok()) << linked.error().message;
  auto done =
      app_call(phone, "POST", "/v1/speaker/registration/complete", {{"accept_terms", true}});
  ASSERT_TRUE(done.ok()) << done.body.dump();
  EXPECT_EQ(done.body["step"], "done");

  // The unit lists the speaker user; the ID still has no phone on the unit.
  ASSERT_TRUE(
      engine().run_until([&] { return unit_->server_service().speaker_users().size() == 1; },
                         std::chrono::minutes(1)));
  EXPECT_EQ(unit_->server_service().speaker_users()[0].nickname, "はなこ");
  auto phones = app_call(phone, "GET", "/v1/app/phones");
  EXPECT_EQ(phones.body["phones"], json::array());

  // Voice reaches the chosen appliance.
  auto outcome = say(g, "ダイニング床暖房をつけて");
  ASSERT_TRUE(outcome.ok()) << outcome.error().message;
  EXPECT_EQ(outcome->status, "SUCCESS");
  EXPECT_EQ(outcome->device_name, "ダイニング床暖房");
}

TEST_F(SpeakerQr, AQrCodeWithAnotherConfirmationCodeIsRefused) {  // DOMAIN R60
  auto& phone = browser("hanako@example.jp");
  auto r = app_call(
      phone, "POST", "/v1/speaker/registration",
      {{"nickname", "はなこ"},
       {"qr", "/speaker/id-registration?device_code=9999950072&confirmation_code=123456"}});
  EXPECT_EQ(r.status, 409);
  EXPECT_EQ(r.error_code(), "speaker_qr_invalid") << r.body.dump();
  EXPECT_EQ(r.body["error"]["rule"], "R60");
  EXPECT_TRUE(registered_nothing("hanako@example.jp"));
}

TEST_F(SpeakerQr, AQrCodeOfAnUnknownUnitOrGarbageIsRefused) {  // DOMAIN R60, R62
  auto& phone = browser("hanako@example.jp");
  for (const std::string qr :
       {"/speaker/id-registration?device_code=1234567890&confirmation_code=909580",
        "https://example.com/not-a-unit", "/speaker/id-registration?device_code=9999950072",
        "/speaker/id-registration?garbage"}) {
    auto r =
        app_call(phone, "POST", "/v1/speaker/registration", {{"nickname", "はなこ"}, {"qr", qr}});
    EXPECT_EQ(r.error_code(), "speaker_qr_invalid") << qr << ": " << r.body.dump();
  }
  auto empty =
      app_call(phone, "POST", "/v1/speaker/registration", {{"nickname", "はなこ"}, {"qr", ""}});
  EXPECT_EQ(empty.error_code(), "invalid_field") << empty.body.dump();
  EXPECT_TRUE(registered_nothing("hanako@example.jp"));
  // The cloud goes on: the right code still works afterwards.
  auto ok = app_call(phone, "POST", "/v1/speaker/registration",
                     {{"nickname", "はなこ"}, {"qr", qr_on_the_unit()}});
  EXPECT_TRUE(ok.ok()) << ok.body.dump();
}

TEST_F(SpeakerQr, TheQrPathKeepsTheLimitOfFourIdsPerUnit) {  // DOMAIN R61
  speaker_user("a@example.jp", "いち", {kAc}, "a@gmail.com");
  speaker_user("b@example.jp", "に", {kAc}, "b@gmail.com");
  speaker_user("c@example.jp", "さん", {kAc}, "c@gmail.com");
  speaker_user("d@example.jp", "よん", {kAc}, "d@gmail.com");
  auto& phone = browser("hanako@example.jp");
  auto r = app_call(phone, "POST", "/v1/speaker/registration",
                    {{"nickname", "はなこ"}, {"qr", qr_on_the_unit()}});
  EXPECT_EQ(r.error_code(), "speaker_user_limit") << r.body.dump();
  EXPECT_EQ(r.body["error"]["rule"], "R61");
}

TEST_F(SpeakerQr, WithoutALoginTheQrCodeIsNotEnough) {
  app::AppClient anonymous(engine(), cloud_->url());
  auto r = app_call(anonymous, "POST", "/v1/speaker/registration",
                    {{"nickname", "はなこ"}, {"qr", qr_on_the_unit()}});
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(r.error_code(), "unauthorized");
}

}  // namespace
