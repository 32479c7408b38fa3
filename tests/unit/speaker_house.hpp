// SpeakerHouse: the test bench of the speaker link and Google tests. A house
// of ECHONET Lite appliances, a simulated AiSEG2 unit in use (server service
// registered) with named appliances, a lighting scene and a voice scene, the
// mock cloud on loopback HTTP with the speaker services installed, and
// helpers that play the app (AppClient) and Google (GoogleClient) over the
// wire. Virtual time: the engine waits for every HTTP exchange.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "devices/aiseg2/unit.hpp"
#include "devices/app/app_client.hpp"
#include "devices/cloud/mock_cloud.hpp"
#include "devices/cloud/speaker_services.hpp"
#include "devices/google/google_client.hpp"
#include "rig/world/world.hpp"

namespace hemsrig::testing {

inline constexpr const char* kSpeakerHouse = R"(world: speaker-house
fabric: {base_address: 127.91.0.0}
appliances:
  - {id: ac, class: home_air_conditioner, address: 127.91.0.1}
  - {id: bedroom_ac, class: home_air_conditioner, address: 127.91.0.2}
  - {id: floor, class: floor_heater, address: 127.91.0.3}
  - {id: light, class: lighting_system, address: 127.91.0.4, physics: {scenes: 4}}
  - {id: meter, class: lv_smart_electric_energy_meter, address: 127.91.0.5}
)";

inline const std::string kAc = "127.91.0.1/0x013001";
inline const std::string kBedroomAc = "127.91.0.2/0x013001";
inline const std::string kFloor = "127.91.0.3/0x027B01";
inline const std::string kLight = "127.91.0.4/0x02A301";
inline const std::string kMeter = "127.91.0.5/0x028801";
inline const std::string kDeviceCode = "9999950072";

class SpeakerHouse : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(lib_.load_yaml(echonet::ProfileLibrary::bundled_dir()).ok());
    auto load = rig::load_world_text(kSpeakerHouse, "house.yaml", lib_);
    ASSERT_TRUE(load.spec);
    auto w = rig::World::create(*load.spec, lib_);
    ASSERT_TRUE(w.ok()) << w.error().message;
    world_ = std::move(*w);
    ASSERT_TRUE(world_->start().ok());
    cloud_ = std::make_unique<cloud::MockCloud>(engine());
    cloud_->firmware().publish("MKN704", "Ver.2.97I-03", "最新です。", aiseg2::Bytes(64, 1));
    speakers_ = std::make_unique<cloud::SpeakerServices>(*cloud_);
    ASSERT_TRUE(speakers_->install().ok());
    ASSERT_TRUE(cloud_->listen("127.0.0.1", 0).ok());

    aiseg2::UnitOptions o;
    o.address = sim::Ipv4({127, 91, 0, 100});
    o.cloud_url = cloud_->url();
    o.web_address = "127.0.0.1";
    o.ssdp_port = 0;
    aiseg2::Registration reg;  // a unit in use: its server service is registered (R60)
    reg.confirmation_code = "909580";
    reg.household = {"大阪府",
                     "大阪府",
                     "門真市",
                     3,
                     aiseg2::BuildingType::Detached,
                     aiseg2::Energy::ElectricityOnly};
    o.server_service.registration = reg;
    o.appliance_names = {{kAc, "リビングエアコン"},
                         {kBedroomAc, "寝室エアコン"},
                         {kFloor, "ダイニング床暖房"},
                         {kLight, "ダウンライト"},
                         {kMeter, "スマートメーター"}};
    auto u = aiseg2::Unit::create(engine(), world_->fabric(), lib_, o);
    ASSERT_TRUE(u.ok()) << u.error().message;
    unit_ = std::move(*u);
    ASSERT_TRUE(unit_->power_on().ok());
    // The unit finds the appliances and reports them; then its scenes can name them.
    ASSERT_TRUE(engine().run_until(
        [&] {
          const auto* r = record();
          return r != nullptr && r->online && r->appliances.size() == 5;
        },
        std::chrono::minutes(3)));
    ASSERT_TRUE(unit_->lighting_scenes().add({"くつろぎ", kLight, 2}).ok());
    auto scene = unit_->voice_scenes().add(
        aiseg2::VoiceScene{"おやすみ",
                           {{kAc, aiseg2::PropertySets{{0x80, {0x31}}}},
                            {kLight, aiseg2::LightingSceneControl{"くつろぎ"}}}});
    ASSERT_TRUE(scene.ok()) << scene.error().message;
    unit_->cloud_state_changed();
    ASSERT_TRUE(engine().run_until(
        [&] { return record()->voice_scenes.size() == 1 && record()->lighting_scenes.size() == 1; },
        std::chrono::minutes(1)));
  }
  void TearDown() override {
    googles_.clear();
    apps_.clear();
    unit_.reset();
    cloud_.reset();
    speakers_.reset();
  }

  sim::Engine& engine() { return world_->engine(); }
  const cloud::UnitRecord* record() { return cloud_->units().find(kDeviceCode); }
  cloud::SpeakerLinkService& link() { return speakers_->speaker_link(); }

  // Runs the engine until `fn`'s callback answered; returns its value.
  template <typename T>
  T wait(std::function<void(std::function<void(T)>)> fn,
         sim::Duration limit = std::chrono::minutes(2)) {
    std::optional<T> out;
    fn([&](T v) { out.emplace(std::move(v)); });
    engine().run_until([&] { return out.has_value(); }, limit);
    if (!out) throw std::runtime_error("no answer within the time limit");
    return std::move(*out);
  }
  app::AppAnswer app_call(app::AppClient& a, const std::string& method, const std::string& path,
                          nlohmann::json body = nullptr) {
    return wait<app::AppAnswer>([&](auto done) { a.call(method, path, body, done); });
  }

  // A CLUB ID whose app registered the unit (a unit in use for it, R60).
  app::AppClient& app_user(const std::string& email, const std::string& nickname) {
    auto a = std::make_unique<app::AppClient>(engine(), cloud_->url());
    auto& ref = *a;
    apps_.push_back(std::move(a));
    EXPECT_TRUE(wait<app::AppAnswer>([&](auto d) { ref.sign_up(email, "abc12345", d); }).ok());
    EXPECT_TRUE(wait<app::AppAnswer>([&](auto d) { ref.login(email, "abc12345", d); }).ok());
    auto reg = wait<app::AppAnswer>([&](auto d) {
      ref.register_phone(nlohmann::json{{"nickname", nickname},
                                        {"device_code", "99999-50072"},
                                        {"access_password", "9999950072"}},
                         d);
    });
    EXPECT_TRUE(reg.ok()) << reg.body.dump();
    return ref;
  }

  google::GoogleClient& google_for(const std::string& google_account) {
    google::GoogleClientOptions o;
    o.cloud_url = cloud_->url();
    o.google_account = google_account;
    googles_.push_back(std::make_unique<google::GoogleClient>(engine(), o));
    return *googles_.back();
  }

  // R62 up to the link: nickname, privacy policy accepted, appliances chosen.
  void start_speaker_registration(app::AppClient& a, const std::string& nickname,
                                  const std::vector<std::string>& appliances) {
    auto s = app_call(a, "POST", "/v1/speaker/registration", {{"nickname", nickname}});
    ASSERT_TRUE(s.ok()) << s.body.dump();
    auto p = app_call(a, "POST", "/v1/speaker/registration/privacy-policy", {{"accept", true}});
    ASSERT_TRUE(p.ok()) << p.body.dump();
    auto c =
        app_call(a, "PUT", "/v1/speaker/registration/appliances", {{"appliances", appliances}});
    ASSERT_TRUE(c.ok()) << c.body.dump();
  }
  Status link_google(google::GoogleClient& g, const std::string& email) {
    return wait<Status>([&](auto done) { g.link(email, "abc12345", done); });
  }
  // The whole R62 flow; returns the linked Google client.
  google::GoogleClient& speaker_user(const std::string& email, const std::string& nickname,
                                     const std::vector<std::string>& appliances,
                                     const std::string& google_account) {
    auto& a = app_user(email, nickname + "のスマホ");
    start_speaker_registration(a, nickname, appliances);
    auto& g = google_for(google_account);
    Status linked = link_google(g, email);
    EXPECT_TRUE(linked.ok()) << linked.error().code << ": " << linked.error().message;
    auto done = app_call(a, "POST", "/v1/speaker/registration/complete", {{"accept_terms", true}});
    EXPECT_TRUE(done.ok()) << done.body.dump();
    return g;
  }

  Result<nlohmann::json> sync(google::GoogleClient& g) {
    return wait<Result<nlohmann::json>>([&](auto done) { g.sync(done); });
  }
  Result<nlohmann::json> query(google::GoogleClient& g, const std::vector<std::string>& ids) {
    return wait<Result<nlohmann::json>>([&](auto done) { g.query(ids, done); });
  }
  Result<nlohmann::json> execute(google::GoogleClient& g, const std::vector<std::string>& ids,
                                 const std::string& command, const nlohmann::json& params) {
    return wait<Result<nlohmann::json>>(
        [&](auto done) { g.execute(ids, "action.devices.commands." + command, params, done); });
  }
  Result<google::VoiceOutcome> say(google::GoogleClient& g, const std::string& utterance) {
    return wait<Result<google::VoiceOutcome>>([&](auto done) { g.say(utterance, done); });
  }

  echonet::ProfileLibrary lib_;
  std::unique_ptr<rig::World> world_;
  std::unique_ptr<cloud::MockCloud> cloud_;
  std::unique_ptr<cloud::SpeakerServices> speakers_;
  std::unique_ptr<aiseg2::Unit> unit_;
  std::vector<std::unique_ptr<app::AppClient>> apps_;
  std::vector<std::unique_ptr<google::GoogleClient>> googles_;
};

}  // namespace hemsrig::testing
