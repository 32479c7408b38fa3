// Google Smart Home fulfilment end to end: the scripted Google client links a
// CLUB ID and sends SYNC / QUERY / EXECUTE / DISCONNECT over real HTTP to the
// mock cloud, whose EXECUTE goes through the unit channel to the simulated
// AiSEG2 and over ECHONET Lite to the appliance. Voice scenes run on the unit
// and mail their result to the right CLUB ID only (DOMAIN R66, R70, R74).
#include "tests/unit/speaker_house.hpp"

using namespace hemsrig;
using namespace hemsrig::testing;
using nlohmann::json;

namespace {

using GoogleFulfillment = SpeakerHouse;

const std::string kAcId = "appliance:" + kAc;
const std::string kFloorId = "appliance:" + kFloor;
const std::string kLightId = "appliance:" + kLight;
const std::string kSceneId = "scene:おやすみ";

json command_for(const json& response, const std::string& id) {
  for (const auto& c : response["payload"]["commands"]) {
    for (const auto& i : c["ids"]) {
      if (i == id) return c;
    }
  }
  return nullptr;
}

TEST_F(GoogleFulfillment, SyncListsTheChosenAppliancesByTheirUnitNamesAndTheScenes) {
  auto& g = speaker_user("taro@example.jp", "たろう", {kAc, kFloor, kLight}, "taro@gmail.com");
  auto s = sync(g);
  ASSERT_TRUE(s.ok()) << s.error().message;
  const json& p = (*s)["payload"];
  EXPECT_FALSE(p["agentUserId"].get<std::string>().empty());
  ASSERT_EQ(p["devices"].size(), 4u);  // the bedroom AC and the meter were not chosen
  std::map<std::string, json> by_id;
  for (const auto& d : p["devices"]) by_id[d["id"]] = d;
  const json& ac = by_id[kAcId];
  EXPECT_EQ(ac["type"], "action.devices.types.AC_UNIT");
  EXPECT_EQ(ac["name"]["name"], "リビングエアコン");  // DOMAIN R65
  EXPECT_EQ(ac["traits"],
            json({"action.devices.traits.OnOff", "action.devices.traits.TemperatureSetting"}));
  EXPECT_EQ(ac["willReportState"], false);  // DOMAIN R63
  EXPECT_EQ(ac["attributes"]["thermostatTemperatureUnit"], "C");
  EXPECT_EQ(by_id[kFloorId]["type"], "action.devices.types.HEATER");
  EXPECT_EQ(by_id[kLightId]["type"], "action.devices.types.LIGHT");
  EXPECT_EQ(by_id[kLightId]["attributes"]["availableModes"][0]["settings"][0]["setting_name"],
            "くつろぎ");
  EXPECT_EQ(by_id[kSceneId]["type"], "action.devices.types.SCENE");  // DOMAIN R70
  EXPECT_EQ(by_id[kSceneId]["traits"], json({"action.devices.traits.Scene"}));
}

TEST_F(GoogleFulfillment, QueryAnswersOnlineAndStatusForEveryDevice) {
  auto& g = speaker_user("taro@example.jp", "たろう", {kAc, kLight}, "taro@gmail.com");
  auto q = query(g, {kAcId, kLightId, kSceneId, "appliance:" + kMeter, "appliance:nope"});
  ASSERT_TRUE(q.ok()) << q.error().message;
  const json& d = (*q)["payload"]["devices"];
  EXPECT_EQ(d[kAcId]["online"], true);
  EXPECT_EQ(d[kAcId]["status"], "SUCCESS");
  EXPECT_EQ(d[kAcId]["on"], false);  // the profile's default: off
  EXPECT_EQ(d[kAcId]["thermostatMode"], "off");
  EXPECT_EQ(d[kAcId]["thermostatTemperatureSetpoint"], 26);
  EXPECT_TRUE(d[kAcId].contains("thermostatTemperatureAmbient"));
  EXPECT_EQ(d[kLightId]["brightness"], 100);
  EXPECT_EQ(d[kSceneId]["status"], "SUCCESS");
  // Not chosen for voice, or unknown: deviceNotFound.
  EXPECT_EQ(d["appliance:" + kMeter]["errorCode"], "deviceNotFound");
  EXPECT_EQ(d["appliance:nope"]["errorCode"], "deviceNotFound");
}

TEST_F(GoogleFulfillment, AUnitThatIsOfflineAnswersOfflineEverywhere) {
  auto& g = speaker_user("taro@example.jp", "たろう", {kAc}, "taro@gmail.com");
  ASSERT_TRUE(sync(g).ok());
  unit_->power_off();
  ASSERT_TRUE(engine().run_until([&] { return !record()->online; }, std::chrono::minutes(10)));
  auto q = query(g, {kAcId, kSceneId});
  ASSERT_TRUE(q.ok());
  EXPECT_EQ((*q)["payload"]["devices"][kAcId]["online"], false);
  EXPECT_EQ((*q)["payload"]["devices"][kAcId]["errorCode"], "deviceOffline");
  EXPECT_EQ((*q)["payload"]["devices"][kSceneId]["errorCode"], "deviceOffline");
  auto e = execute(g, {kAcId}, "OnOff", {{"on", true}});
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(command_for(*e, kAcId)["errorCode"], "deviceOffline");
  EXPECT_EQ(*world_->appliance("ac")->value(0x80), echonet::Bytes{0x31});
}

TEST_F(GoogleFulfillment, AUnitGoneSilentBeforeTheCloudNoticesTimesOut) {
  auto& g = speaker_user("taro@example.jp", "たろう", {kAc}, "taro@gmail.com");
  ASSERT_TRUE(sync(g).ok());
  unit_->power_off();  // the cloud still thinks it online for a few heartbeats
  ASSERT_TRUE(record()->online);
  auto e = execute(g, {kAcId}, "OnOff", {{"on", true}});
  ASSERT_TRUE(e.ok()) << e.error().message;
  EXPECT_EQ(command_for(*e, kAcId)["status"], "ERROR");
  EXPECT_EQ(command_for(*e, kAcId)["errorCode"], "timeout");
}

TEST_F(GoogleFulfillment, ExecuteReachesTheApplianceOverEchonetLite) {
  auto& g = speaker_user("taro@example.jp", "たろう", {kAc, kLight, kFloor}, "taro@gmail.com");
  auto on = execute(g, {kAcId}, "OnOff", {{"on", true}});
  ASSERT_TRUE(on.ok()) << on.error().message;
  json c = command_for(*on, kAcId);
  EXPECT_EQ(c["status"], "SUCCESS") << on->dump();
  EXPECT_EQ(c["states"]["on"], true);
  EXPECT_EQ(c["states"]["online"], true);
  EXPECT_EQ(*world_->appliance("ac")->value(0x80), echonet::Bytes{0x30});

  auto cool = execute(g, {kAcId}, "ThermostatSetMode", {{"thermostatMode", "heat"}});
  ASSERT_TRUE(cool.ok());
  EXPECT_EQ(command_for(*cool, kAcId)["states"]["thermostatMode"], "heat");
  EXPECT_EQ(*world_->appliance("ac")->value(0xB0), echonet::Bytes{0x43});

  auto dim = execute(g, {kLightId}, "BrightnessAbsolute", {{"brightness", 40}});
  ASSERT_TRUE(dim.ok());
  EXPECT_EQ(command_for(*dim, kLightId)["states"]["brightness"], 40);
  EXPECT_EQ(*world_->appliance("light")->value(0xB0), echonet::Bytes{40});

  auto scene = execute(g, {kLightId}, "SetModes",
                       {{"updateModeSettings", {{"lighting_scene", "くつろぎ"}}}});
  ASSERT_TRUE(scene.ok());
  EXPECT_EQ(command_for(*scene, kLightId)["status"], "SUCCESS") << scene->dump();
  EXPECT_EQ(*world_->appliance("light")->value(0xC0), echonet::Bytes{2});  // DOMAIN R73

  auto warm = execute(g, {kFloorId}, "ThermostatTemperatureSetpoint",
                      {{"thermostatTemperatureSetpoint", 28}});
  ASSERT_TRUE(warm.ok());
  EXPECT_EQ(command_for(*warm, kFloorId)["status"], "SUCCESS") << warm->dump();
  EXPECT_EQ(*world_->appliance("floor")->value(0xE0), echonet::Bytes{28});
}

TEST_F(GoogleFulfillment, OneExecuteForSeveralDevicesAnswersEach) {
  auto& g = speaker_user("taro@example.jp", "たろう", {kAc, kFloor}, "taro@gmail.com");
  auto e = execute(g, {kAcId, kFloorId, "appliance:" + kBedroomAc}, "OnOff", {{"on", true}});
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(command_for(*e, kAcId)["status"], "SUCCESS");
  EXPECT_EQ(command_for(*e, kFloorId)["status"], "SUCCESS");
  // Not chosen for voice: the cloud does not touch it.
  EXPECT_EQ(command_for(*e, "appliance:" + kBedroomAc)["errorCode"], "deviceNotFound");
  EXPECT_EQ(*world_->appliance("bedroom_ac")->value(0x80), echonet::Bytes{0x31});
  EXPECT_EQ(*world_->appliance("floor")->value(0x80), echonet::Bytes{0x30});
}

TEST_F(GoogleFulfillment, OutOfRangeAndUnsupportedCommandsAreRefusedPerDevice) {
  auto& g = speaker_user("taro@example.jp", "たろう", {kAc, kLight}, "taro@gmail.com");
  auto hot =
      execute(g, {kAcId}, "ThermostatTemperatureSetpoint", {{"thermostatTemperatureSetpoint", 60}});
  ASSERT_TRUE(hot.ok());
  EXPECT_EQ(command_for(*hot, kAcId)["errorCode"], "valueOutOfRange");
  EXPECT_EQ(*world_->appliance("ac")->value(0xB3), echonet::Bytes{26});  // unchanged
  auto good =
      execute(g, {kAcId}, "ThermostatTemperatureSetpoint", {{"thermostatTemperatureSetpoint", 25}});
  ASSERT_TRUE(good.ok());
  EXPECT_EQ(command_for(*good, kAcId)["states"]["thermostatTemperatureSetpoint"], 25);
  EXPECT_EQ(*world_->appliance("ac")->value(0xB3), echonet::Bytes{25});

  auto color = execute(g, {kLightId}, "ColorAbsolute", {{"color", {{"spectrumRGB", 255}}}});
  ASSERT_TRUE(color.ok());
  EXPECT_EQ(command_for(*color, kLightId)["errorCode"], "notSupported");
  auto bright = execute(g, {kLightId}, "BrightnessAbsolute", {{"brightness", 150}});
  EXPECT_EQ(command_for(*bright, kLightId)["errorCode"], "valueOutOfRange");
  auto missing = execute(g, {kLightId}, "SetModes",
                         {{"updateModeSettings", {{"lighting_scene", "パーティー"}}}});
  EXPECT_EQ(command_for(*missing, kLightId)["errorCode"], "valueOutOfRange");
  auto deactivate = execute(g, {kSceneId}, "ActivateScene", {{"deactivate", true}});
  EXPECT_EQ(command_for(*deactivate, kSceneId)["errorCode"], "notSupported");
}

TEST_F(GoogleFulfillment, ASceneRunMailsEveryAppliancesStateToTheRightIdOnly) {  // R66, R70, R74
  auto& taro = speaker_user("taro@example.jp", "たろう", {kAc}, "taro@gmail.com");
  speaker_user("hanako@example.jp", "はなこ", {kAc}, "hanako@gmail.com");
  ASSERT_TRUE(execute(taro, {kAcId}, "OnOff", {{"on", true}}).ok());
  ASSERT_EQ(*world_->appliance("ac")->value(0x80), echonet::Bytes{0x30});
  const auto before_taro = cloud_->outbox().mails("taro@example.jp").size();
  const auto before_hanako = cloud_->outbox().mails("hanako@example.jp").size();

  auto run = execute(taro, {kSceneId}, "ActivateScene", {{"deactivate", false}});
  ASSERT_TRUE(run.ok()) << run.error().message;
  EXPECT_EQ(command_for(*run, kSceneId)["status"], "SUCCESS") << run->dump();
  // The unit ran the scene over ECHONET Lite: AC off, light on scene 2.
  EXPECT_EQ(*world_->appliance("ac")->value(0x80), echonet::Bytes{0x31});
  EXPECT_EQ(*world_->appliance("light")->value(0xC0), echonet::Bytes{2});

  auto to_taro = cloud_->outbox().mails("taro@example.jp");
  ASSERT_EQ(to_taro.size(), before_taro + 1);
  const auto* mail = to_taro.back();
  EXPECT_NE(mail->subject.find("おやすみ"), std::string::npos);
  EXPECT_NE(mail->body.find("リビングエアコン: 成功 (運転: 切"), std::string::npos) << mail->body;
  EXPECT_NE(mail->body.find("ダウンライト: 成功"), std::string::npos) << mail->body;
  EXPECT_NE(mail->body.find("照明シーン: くつろぎ"), std::string::npos) << mail->body;
  // DOMAIN R66: the unit's other speaker user gets nothing.
  EXPECT_EQ(cloud_->outbox().mails("hanako@example.jp").size(), before_hanako);
}

TEST_F(GoogleFulfillment, AnExpiredAccessTokenIsRefusedAndGoogleRefreshes) {
  auto& g = speaker_user("taro@example.jp", "たろう", {kAc}, "taro@gmail.com");
  const std::string old_token = g.access_token();
  engine().run_for(sim::minutes(61));
  auto raw = wait<Result<http::HttpResponse>>([&](auto done) {
    http::http_request(engine(), "POST", cloud_->url() + "/smarthome/fulfillment",
                       R"({"requestId":"r1","inputs":[{"intent":"action.devices.SYNC"}]})",
                       {{"Authorization", "Bearer " + old_token}}, done);
  });
  ASSERT_TRUE(raw.ok());
  EXPECT_EQ(raw->status, 401);
  json body = json::parse(raw->body);
  EXPECT_EQ(body["requestId"], "r1");
  EXPECT_EQ(body["payload"]["errorCode"], "authExpired");
  // The client refreshes and retries, as Google does.
  auto s = sync(g);
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_NE(g.access_token(), old_token);
}

TEST_F(GoogleFulfillment, ForgedTokensAndGarbageGetGlobalErrors) {
  speaker_user("taro@example.jp", "たろう", {kAc}, "taro@gmail.com");
  auto post = [&](const std::string& body, const std::string& token) {
    return wait<Result<http::HttpResponse>>([&](auto done) {
      http::Headers h;
      if (!token.empty()) h.emplace_back("Authorization", "Bearer " + token);
      http::http_request(engine(), "POST", cloud_->url() + "/smarthome/fulfillment", body, h, done);
    });
  };
  auto forged = post(R"({"requestId":"r2","inputs":[{"intent":"action.devices.SYNC"}]})", "x");
  EXPECT_EQ(forged->status, 401);
  EXPECT_EQ(json::parse(forged->body)["payload"]["errorCode"], "authFailure");
  auto none = post(R"({"requestId":"r3","inputs":[{"intent":"action.devices.SYNC"}]})", "");
  EXPECT_EQ(json::parse(none->body)["payload"]["errorCode"], "authFailure");
  const std::string token = googles_.back()->access_token();
  auto garbage = post("{not json", token);
  EXPECT_EQ(garbage->status, 400);
  EXPECT_EQ(json::parse(garbage->body)["payload"]["errorCode"], "protocolError");
  auto unknown = post(R"({"requestId":"r4","inputs":[{"intent":"action.devices.DANCE"}]})", token);
  EXPECT_EQ(json::parse(unknown->body)["payload"]["errorCode"], "notSupported");
  // None of it cost the link.
  EXPECT_TRUE(speakers_->oauth().linked("taro@example.jp"));
}

TEST_F(GoogleFulfillment, AfterDisconnectTheUserGetsNoMoreCalls) {
  auto& g = speaker_user("taro@example.jp", "たろう", {kAc}, "taro@gmail.com");
  ASSERT_TRUE(sync(g).ok());
  const std::string token = g.access_token();
  auto d = wait<Status>([&](auto done) { g.disconnect(done); });
  ASSERT_TRUE(d.ok()) << d.error().message;
  EXPECT_FALSE(speakers_->oauth().linked("taro@example.jp"));
  // The old token is dead at the cloud...
  auto raw = wait<Result<http::HttpResponse>>([&](auto done) {
    http::http_request(engine(), "POST", cloud_->url() + "/smarthome/fulfillment",
                       R"({"requestId":"r5","inputs":[{"intent":"action.devices.SYNC"}]})",
                       {{"Authorization", "Bearer " + token}}, done);
  });
  EXPECT_EQ(json::parse(raw->body)["payload"]["errorCode"], "authFailure");
  // ...and Google sends nothing more.
  const auto calls = g.calls();
  auto after = sync(g);
  ASSERT_FALSE(after.ok());
  EXPECT_EQ(after.error().code, "not_linked");
  EXPECT_EQ(g.calls(), calls);
}

TEST_F(GoogleFulfillment, ASecondGoogleAccountForTheSameClubIdIsRefused) {  // DOMAIN R61
  speaker_user("taro@example.jp", "たろう", {kAc}, "taro@gmail.com");
  auto& other = google_for("taro.second@gmail.com");
  Status s = link_google(other, "taro@example.jp");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, "google_account_already_linked");
  EXPECT_FALSE(other.linked());
  // Any number of speakers share the one account: the same account links again.
  auto& same = google_for("taro@gmail.com");
  EXPECT_TRUE(link_google(same, "taro@example.jp").ok());
}

TEST_F(GoogleFulfillment, UtterancesBecomeCallsByTheSyncNames) {
  auto& g = speaker_user("taro@example.jp", "たろう", {kAc, kBedroomAc, kFloor}, "taro@gmail.com");
  auto on = say(g, "OK Google、リビングエアコンをつけて");
  ASSERT_TRUE(on.ok()) << on.error().message;
  EXPECT_EQ(on->status, "SUCCESS");
  EXPECT_EQ(on->device_name, "リビングエアコン");
  EXPECT_EQ(*world_->appliance("ac")->value(0x80), echonet::Bytes{0x30});
  auto temp = say(g, "リビングエアコンを25度にして");
  ASSERT_TRUE(temp.ok());
  EXPECT_EQ(temp->states["thermostatTemperatureSetpoint"], 25);
  EXPECT_EQ(*world_->appliance("ac")->value(0xB3), echonet::Bytes{25});
  auto off = say(g, "リビングエアコンを消して");
  ASSERT_TRUE(off.ok());
  EXPECT_EQ(*world_->appliance("ac")->value(0x80), echonet::Bytes{0x31});
  auto scene = say(g, "おやすみを開始して");  // DOMAIN R70
  ASSERT_TRUE(scene.ok()) << scene.error().message;
  EXPECT_EQ(scene->status, "SUCCESS");
  auto hot = say(g, "リビングエアコンを70度にして");
  ASSERT_TRUE(hot.ok());
  EXPECT_EQ(hot->error_code, "valueOutOfRange");

  // DOMAIN R65: a generic name with two air conditioners fails.
  auto generic = say(g, "エアコンをつけて");
  ASSERT_FALSE(generic.ok());
  EXPECT_EQ(generic.error().code, "device_ambiguous");
  EXPECT_EQ(*world_->appliance("bedroom_ac")->value(0x80), echonet::Bytes{0x31});
  auto unknown = say(g, "キッチン照明をつけて");
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().code, "device_unknown");
}

}  // namespace
