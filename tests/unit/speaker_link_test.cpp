// The smart speaker link service over real HTTP (DOMAIN R60-R62, R44): the
// registration steps of R62 as the app makes them, the limits of R61, and the
// unit's スマートスピーカー設定 list kept current through the unit channel.
#include "tests/unit/speaker_house.hpp"

using namespace hemsrig;
using namespace hemsrig::testing;
using nlohmann::json;

namespace {

using SpeakerLink = SpeakerHouse;

TEST_F(SpeakerLink, TheWholeFlowRegistersTheUserAndTheUnitListsThem) {  // DOMAIN R62
  auto& a = app_user("taro@example.jp", "たろうのスマホ");
  auto start = app_call(a, "POST", "/v1/speaker/registration", {{"nickname", "たろう"}});
  ASSERT_TRUE(start.ok()) << start.body.dump();
  EXPECT_EQ(start.body["step"], "privacy_policy");
  EXPECT_EQ(start.body["device_code"], kDeviceCode);

  auto policy = app_call(a, "POST", "/v1/speaker/registration/privacy-policy", {{"accept", true}});
  ASSERT_TRUE(policy.ok()) << policy.body.dump();
  EXPECT_EQ(policy.body["step"], "appliances");
  EXPECT_EQ(policy.body["appliances"].size(), 5u);  // the unit's registered appliances

  auto chosen =
      app_call(a, "PUT", "/v1/speaker/registration/appliances", {{"appliances", {kAc, kLight}}});
  ASSERT_TRUE(chosen.ok()) << chosen.body.dump();
  EXPECT_EQ(chosen.body["step"], "link");

  auto& g = google_for("taro@gmail.com");
  Status linked = link_google(g, "taro@example.jp");
  ASSERT_TRUE(linked.ok()) << linked.error().message;

  auto done = app_call(a, "POST", "/v1/speaker/registration/complete", {{"accept_terms", true}});
  ASSERT_TRUE(done.ok()) << done.body.dump();
  EXPECT_EQ(done.body["step"], "done");
  EXPECT_EQ(done.body["speaker_user"]["nickname"], "たろう");
  auto examples = done.body["utterance_examples"].dump();
  EXPECT_NE(examples.find("リビングエアコンをつけて"), std::string::npos) << examples;
  EXPECT_NE(examples.find("おやすみを開始して"), std::string::npos) << examples;  // R70

  auto me = app_call(a, "GET", "/v1/speaker/me");
  ASSERT_TRUE(me.ok());
  EXPECT_EQ(me.body["appliances"], json({kAc, kLight}));
  EXPECT_TRUE(me.body["google_linked"].get<bool>());
  // The unit's スマートスピーカー設定 shows the speaker user (command speaker_users).
  ASSERT_TRUE(
      engine().run_until([&] { return unit_->server_service().speaker_users().size() == 1; },
                         std::chrono::minutes(1)));
  EXPECT_EQ(unit_->server_service().speaker_users()[0].nickname, "たろう");
  auto users = app_call(a, "GET", "/v1/speaker/unit/users");
  ASSERT_TRUE(users.ok());
  EXPECT_EQ(users.body["users"], json::parse(R"([{"nickname":"たろう"}])"));
}

TEST_F(SpeakerLink, DecliningThePrivacyPolicyRegistersNothing) {  // DOMAIN R62
  auto& a = app_user("taro@example.jp", "たろうのスマホ");
  ASSERT_TRUE(app_call(a, "POST", "/v1/speaker/registration", {{"nickname", "たろう"}}).ok());
  auto declined =
      app_call(a, "POST", "/v1/speaker/registration/privacy-policy", {{"accept", false}});
  ASSERT_TRUE(declined.ok()) << declined.body.dump();
  EXPECT_EQ(declined.body["step"], "cancelled");
  EXPECT_EQ(app_call(a, "GET", "/v1/speaker/registration").error_code(),
            "speaker_registration_missing");
  EXPECT_EQ(app_call(a, "GET", "/v1/speaker/me").error_code(), "speaker_registration_missing");
  // No way on to the later steps, and Google cannot link this ID.
  EXPECT_EQ(app_call(a, "PUT", "/v1/speaker/registration/appliances", {{"appliances", {kAc}}})
                .error_code(),
            "speaker_registration_missing");
  auto& g = google_for("taro@gmail.com");
  Status linked = link_google(g, "taro@example.jp");
  ASSERT_FALSE(linked.ok());
  EXPECT_EQ(linked.error().code, "speaker_registration_missing");
  EXPECT_EQ(link().users_of_unit(kDeviceCode).size(), 0u);
}

TEST_F(SpeakerLink, AnIdWithoutTheUnitInItsAppIsRefused) {  // DOMAIN R60
  auto a = std::make_unique<app::AppClient>(engine(), cloud_->url());
  ASSERT_TRUE(
      wait<app::AppAnswer>([&](auto d) { a->sign_up("jiro@example.jp", "abc12345", d); }).ok());
  ASSERT_TRUE(
      wait<app::AppAnswer>([&](auto d) { a->login("jiro@example.jp", "abc12345", d); }).ok());
  auto r = app_call(*a, "POST", "/v1/speaker/registration",
                    {{"nickname", "じろう"}, {"device_code", "9999950072"}});
  EXPECT_EQ(r.status, 409);
  EXPECT_EQ(r.error_code(), "speaker_unit_not_in_use") << r.body.dump();
  EXPECT_EQ(r.body["error"]["rule"], "R60");
}

TEST_F(SpeakerLink, AnotherUnitsDeviceCodeIsRefused) {  // DOMAIN R60, R3
  auto& a = app_user("taro@example.jp", "たろうのスマホ");
  auto r = app_call(a, "POST", "/v1/speaker/registration",
                    {{"nickname", "たろう"}, {"device_code", "1234567890"}});
  EXPECT_EQ(r.error_code(), "speaker_unit_not_in_use") << r.body.dump();
}

TEST_F(SpeakerLink, OnlyTheUnitsVoiceCapableAppliancesCanBeChosen) {  // DOMAIN R60, R62
  auto& a = app_user("taro@example.jp", "たろうのスマホ");
  ASSERT_TRUE(app_call(a, "POST", "/v1/speaker/registration", {{"nickname", "たろう"}}).ok());
  // Before the privacy policy: out of order.
  EXPECT_EQ(app_call(a, "PUT", "/v1/speaker/registration/appliances", {{"appliances", {kAc}}})
                .error_code(),
            "speaker_step_order");
  ASSERT_TRUE(
      app_call(a, "POST", "/v1/speaker/registration/privacy-policy", {{"accept", true}}).ok());
  auto choose = [&](json keys) {
    return app_call(a, "PUT", "/v1/speaker/registration/appliances", {{"appliances", keys}});
  };
  EXPECT_EQ(choose(json::array()).error_code(), "speaker_no_appliances");
  EXPECT_EQ(choose({"127.91.0.9/0x013001"}).error_code(), "appliance_unknown");
  auto meter = choose({kAc, kMeter});
  EXPECT_EQ(meter.error_code(), "appliance_not_voice_capable");
  EXPECT_NE(meter.error_message().find("スマートメーター"), std::string::npos);
  EXPECT_EQ(choose({kAc, kAc}).error_code(), "invalid_field");
  EXPECT_EQ(choose({{{"key", kAc}}}).error_code(), "invalid_field");
  // Nothing of that was kept; a good choice goes through.
  EXPECT_TRUE(link().registration("taro@example.jp")->appliances.empty());
  auto good = choose({kAc, kBedroomAc, kFloor, kLight});
  EXPECT_TRUE(good.ok()) << good.body.dump();
}

TEST_F(SpeakerLink, GarbageAndMissingLoginChangeNothing) {
  auto& a = app_user("taro@example.jp", "たろうのスマホ");
  auto garbage = wait<Result<http::HttpResponse>>([&](auto done) {
    http::http_request(engine(), "POST", cloud_->url() + "/v1/speaker/registration", "{nick",
                       {{"Authorization", "Bearer " + a.session()}}, done);
  });
  ASSERT_TRUE(garbage.ok());
  EXPECT_EQ(garbage->status, 400);
  EXPECT_NE(garbage->body.find("bad_json"), std::string::npos);
  auto no_login = wait<Result<http::HttpResponse>>([&](auto done) {
    http::http_request(engine(), "POST", cloud_->url() + "/v1/speaker/registration",
                       R"({"nickname":"たろう"})", {}, done);
  });
  ASSERT_TRUE(no_login.ok());
  EXPECT_EQ(no_login->status, 401);
  EXPECT_EQ(link().registration("taro@example.jp"), nullptr);
  EXPECT_EQ(app_call(a, "POST", "/v1/speaker/registration", {{"nickname", ""}}).error_code(),
            "invalid_field");
  EXPECT_EQ(link().registration("taro@example.jp"), nullptr);
}

TEST_F(SpeakerLink, CompletingNeedsTheGoogleLinkAndTheTerms) {  // DOMAIN R62
  auto& a = app_user("taro@example.jp", "たろうのスマホ");
  start_speaker_registration(a, "たろう", {kAc});
  auto unlinked =
      app_call(a, "POST", "/v1/speaker/registration/complete", {{"accept_terms", true}});
  EXPECT_EQ(unlinked.error_code(), "speaker_not_linked");
  auto& g = google_for("taro@gmail.com");
  ASSERT_TRUE(link_google(g, "taro@example.jp").ok());
  auto declined =
      app_call(a, "POST", "/v1/speaker/registration/complete", {{"accept_terms", false}});
  EXPECT_EQ(declined.error_code(), "speaker_terms_declined");
  EXPECT_EQ(link().user("taro@example.jp"), nullptr);
  EXPECT_TRUE(
      app_call(a, "POST", "/v1/speaker/registration/complete", {{"accept_terms", true}}).ok());
  EXPECT_NE(link().user("taro@example.jp"), nullptr);
  // Registered once: starting again is refused.
  EXPECT_EQ(app_call(a, "POST", "/v1/speaker/registration", {{"nickname", "たろう2"}}).error_code(),
            "speaker_already_registered");
}

TEST_F(SpeakerLink, AFifthClubIdOnTheUnitIsRefused) {  // DOMAIN R61
  const std::vector<std::string> names = {"ichiro", "jiro", "saburo", "shiro"};
  for (const auto& n : names) {
    speaker_user(n + "@example.jp", n, {kAc}, n + "@gmail.com");
  }
  ASSERT_EQ(link().users_of_unit(kDeviceCode).size(), 4u);
  ASSERT_TRUE(
      engine().run_until([&] { return unit_->server_service().speaker_users().size() == 4; },
                         std::chrono::minutes(1)));
  auto& fifth = app_user("goro@example.jp", "ごろうのスマホ");
  auto r = app_call(fifth, "POST", "/v1/speaker/registration", {{"nickname", "ごろう"}});
  EXPECT_EQ(r.status, 409);
  EXPECT_EQ(r.error_code(), "speaker_user_limit") << r.body.dump();
  EXPECT_EQ(r.body["error"]["rule"], "R61");
  EXPECT_EQ(link().users_of_unit(kDeviceCode).size(), 4u);
}

TEST_F(SpeakerLink, AFifthRegistrationUnderWayIsRefusedAtTheLastStep) {  // DOMAIN R61
  // Five IDs start while there is room; the fifth to finish is refused.
  std::vector<app::AppClient*> apps;
  for (const std::string n : {"ichiro", "jiro", "saburo", "shiro", "goro"}) {
    auto& a = app_user(n + "@example.jp", n + "のスマホ");
    start_speaker_registration(a, n, {kAc});
    auto& g = google_for(n + "@gmail.com");
    ASSERT_TRUE(link_google(g, n + "@example.jp").ok());
    apps.push_back(&a);
  }
  for (std::size_t i = 0; i < apps.size(); ++i) {
    auto r =
        app_call(*apps[i], "POST", "/v1/speaker/registration/complete", {{"accept_terms", true}});
    if (i < 4) {
      EXPECT_TRUE(r.ok()) << r.body.dump();
    } else {
      EXPECT_EQ(r.error_code(), "speaker_user_limit");
    }
  }
  EXPECT_EQ(link().users_of_unit(kDeviceCode).size(), 4u);
}

TEST_F(SpeakerLink, AppAccountDeletionWithDeleteSpeakersRemovesTheLink) {  // DOMAIN R44
  auto& g = speaker_user("taro@example.jp", "たろう", {kAc}, "taro@gmail.com");
  auto& a = *apps_.back();
  ASSERT_TRUE(sync(g).ok());
  ASSERT_TRUE(
      engine().run_until([&] { return unit_->server_service().speaker_users().size() == 1; },
                         std::chrono::minutes(1)));
  // With the speaker service the app must ask: keep or delete.
  auto unasked = app_call(a, "DELETE", "/v1/app/account", {{"confirm", true}, {"really", true}});
  EXPECT_EQ(unasked.error_code(), "speaker_choice_required");
  auto deleted = app_call(a, "DELETE", "/v1/app/account",
                          {{"confirm", true}, {"speakers", "delete"}, {"really", true}});
  ASSERT_TRUE(deleted.ok()) << deleted.body.dump();
  EXPECT_EQ(link().user("taro@example.jp"), nullptr);
  auto refused = sync(g);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, "authFailure");
  ASSERT_TRUE(engine().run_until([&] { return unit_->server_service().speaker_users().empty(); },
                                 std::chrono::minutes(1)));
}

TEST_F(SpeakerLink, AppAccountDeletionKeepingTheSpeakersKeepsThemWorking) {  // DOMAIN R44
  auto& g = speaker_user("taro@example.jp", "たろう", {kAc}, "taro@gmail.com");
  auto& a = *apps_.back();
  auto deleted = app_call(a, "DELETE", "/v1/app/account",
                          {{"confirm", true}, {"speakers", "keep"}, {"really", true}});
  ASSERT_TRUE(deleted.ok()) << deleted.body.dump();
  EXPECT_NE(link().user("taro@example.jp"), nullptr);
  auto s = sync(g);
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ((*s)["payload"]["devices"][0]["name"]["name"], "リビングエアコン");
}

TEST_F(SpeakerLink, LeavingTheSpeakerServiceRevokesGoogleAndUpdatesTheUnit) {
  auto& g = speaker_user("taro@example.jp", "たろう", {kAc}, "taro@gmail.com");
  auto& a = *apps_.back();
  ASSERT_TRUE(
      engine().run_until([&] { return unit_->server_service().speaker_users().size() == 1; },
                         std::chrono::minutes(1)));
  auto left = app_call(a, "DELETE", "/v1/speaker/me");
  ASSERT_TRUE(left.ok());
  EXPECT_TRUE(left.body["removed"].get<bool>());
  EXPECT_EQ(sync(g).error().code, "authFailure");
  ASSERT_TRUE(engine().run_until([&] { return unit_->server_service().speaker_users().empty(); },
                                 std::chrono::minutes(1)));
}

TEST_F(SpeakerLink, TheChoiceOfAppliancesCanChangeAndSyncFollows) {  // DOMAIN R62
  auto& g = speaker_user("taro@example.jp", "たろう", {kAc}, "taro@gmail.com");
  auto& a = *apps_.back();
  auto changed = app_call(a, "PUT", "/v1/speaker/me/appliances", {{"appliances", {kAc, kFloor}}});
  ASSERT_TRUE(changed.ok()) << changed.body.dump();
  auto s = sync(g);
  ASSERT_TRUE(s.ok());
  std::vector<std::string> names;
  for (const auto& d : (*s)["payload"]["devices"]) names.push_back(d["name"]["name"]);
  EXPECT_EQ(names, (std::vector<std::string>{"リビングエアコン", "ダイニング床暖房", "おやすみ"}));
  EXPECT_EQ(
      app_call(a, "PUT", "/v1/speaker/me/appliances", {{"appliances", {kMeter}}}).error_code(),
      "appliance_not_voice_capable");
}

}  // namespace
