// The simulated unit and the mock cloud over the real unit channel
// (docs/unit-channel.md), with the scripted app on top, in virtual time: the
// unit says hello and reports its appliances, commands reach the appliances
// through the long poll, a reboot re-establishes the session, and the app
// registers a phone by access password on the LAN (R30/R32) or by a link code
// issued on the unit (R53).
#include <gtest/gtest.h>

#include "devices/aiseg2/unit.hpp"
#include "devices/app/app_client.hpp"
#include "devices/cloud/mock_cloud.hpp"
#include "rig/world/world.hpp"

using namespace hemsrig;
using nlohmann::json;

namespace {

constexpr const char* kHouse = R"(world: channel-house
fabric: {base_address: 127.87.0.0}
appliances:
  - {id: ac, class: home_air_conditioner, address: 127.87.0.1}
  - {id: light, class: lighting_system, address: 127.87.0.2, physics: {scenes: 4}}
)";

class UnitAndCloud : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(lib_.load_yaml(echonet::ProfileLibrary::bundled_dir()).ok());
    auto load = rig::load_world_text(kHouse, "house.yaml", lib_);
    ASSERT_TRUE(load.spec);
    auto w = rig::World::create(*load.spec, lib_);
    ASSERT_TRUE(w.ok()) << w.error().message;
    world_ = std::move(*w);
    ASSERT_TRUE(world_->start().ok());
    cloud_ = std::make_unique<cloud::MockCloud>(engine());
    cloud_->firmware().publish("MKN704", "Ver.2.97I-03", "最新です。", aiseg2::Bytes(64, 1));
    ASSERT_TRUE(cloud_->listen("127.0.0.1", 0).ok());

    aiseg2::UnitOptions o;
    o.address = sim::Ipv4({127, 87, 0, 100});
    o.cloud_url = cloud_->url();
    o.web_address = "127.0.0.1";
    o.ssdp_port = 0;
    aiseg2::Registration reg;  // a unit in use: its server service is registered
    reg.confirmation_code = "909580";
    reg.household = {"大阪府",
                     "大阪府",
                     "門真市",
                     3,
                     aiseg2::BuildingType::Detached,
                     aiseg2::Energy::ElectricityOnly};
    o.server_service.registration = reg;
    o.appliance_names = {{"127.87.0.1/0x013001", "リビングエアコン"},
                         {"127.87.0.2/0x02A301", "ダウンライト"}};
    auto u = aiseg2::Unit::create(engine(), world_->fabric(), lib_, o);
    ASSERT_TRUE(u.ok()) << u.error().message;
    unit_ = std::move(*u);
    ASSERT_TRUE(unit_->power_on().ok());
  }
  void TearDown() override {
    unit_.reset();
    cloud_.reset();
  }
  sim::Engine& engine() { return world_->engine(); }
  const cloud::UnitRecord* record() { return cloud_->units().find("9999950072"); }
  bool cloud_knows_both_appliances() {
    return engine().run_until(
        [&] {
          const auto* r = record();
          return r != nullptr && r->online && r->appliances.size() == 2;
        },
        std::chrono::minutes(3));
  }
  app::AppAnswer run(std::function<void(app::AppClient::Done)> call) {
    std::optional<app::AppAnswer> answer;
    call([&](app::AppAnswer a) { answer = std::move(a); });
    engine().run_until([&] { return answer.has_value(); }, std::chrono::minutes(1));
    return answer.value_or(app::AppAnswer{});
  }
  std::unique_ptr<app::AppClient> logged_in_app(const std::string& email) {
    auto a = std::make_unique<app::AppClient>(engine(), cloud_->url(), app_options());
    EXPECT_TRUE(run([&](auto d) { a->sign_up(email, "abc12345", d); }).ok());
    EXPECT_TRUE(run([&](auto d) { a->login(email, "abc12345", d); }).ok());
    return a;
  }
  app::AppClientOptions app_options() {
    app::AppClientOptions ao;
    ao.ssdp_port = unit_->ssdp_endpoint().second;
    return ao;
  }

  echonet::ProfileLibrary lib_;
  std::unique_ptr<rig::World> world_;
  std::unique_ptr<cloud::MockCloud> cloud_;
  std::unique_ptr<aiseg2::Unit> unit_;
};

TEST_F(UnitAndCloud, UnitSaysHelloAndReportsItsAppliancesWithTheirNames) {
  ASSERT_TRUE(cloud_knows_both_appliances());
  const auto* r = record();
  EXPECT_EQ(r->model, "MKN704");
  EXPECT_EQ(r->firmware, "Ver.2.97I-03");
  const auto* ac = r->appliance("127.87.0.1/0x013001");
  ASSERT_NE(ac, nullptr);
  EXPECT_EQ(ac->name, "リビングエアコン");  // DOMAIN R65: the spoken name is the unit's name
  EXPECT_EQ(ac->class_code, "0x0130");
  EXPECT_TRUE(ac->state.contains("0x80"));
}

TEST_F(UnitAndCloud, ACommandFromTheCloudReachesTheApplianceOverEchonetLite) {
  ASSERT_TRUE(cloud_knows_both_appliances());
  std::optional<Result<json>> result;
  cloud_->units().send_command("9999950072",
                               json{{"kind", "set"},
                                    {"appliance", "127.87.0.1/0x013001"},
                                    {"sets", json::array({json::array({"0x80", "30"})})}},
                               [&](Result<json> r) { result = std::move(r); });
  ASSERT_TRUE(engine().run_until([&] { return result.has_value(); }, std::chrono::minutes(1)));
  ASSERT_TRUE(result->ok()) << result->error().message;
  EXPECT_TRUE((**result)["ok"].get<bool>()) << (**result).dump();
  EXPECT_EQ((**result)["state"]["0x80"], "30");
  ASSERT_NE(world_->appliance("ac")->value(0x80), nullptr);
  EXPECT_EQ(*world_->appliance("ac")->value(0x80), echonet::Bytes{0x30});
}

TEST_F(UnitAndCloud, UnknownApplianceAndUnknownCommandAreRefusedByTheUnit) {
  ASSERT_TRUE(cloud_knows_both_appliances());
  std::vector<json> results;
  for (json c : {json{{"kind", "set"},
                      {"appliance", "127.87.0.9/0x013001"},
                      {"sets", json::array({json::array({"0x80", "30"})})}},
                 json{{"kind", "dance"}}}) {
    cloud_->units().send_command("9999950072", c, [&](Result<json> r) {
      results.push_back(r.ok() ? *r : json{{"transport", r.error().code}});
    });
  }
  ASSERT_TRUE(engine().run_until([&] { return results.size() == 2; }, std::chrono::minutes(1)));
  EXPECT_EQ(results[0]["error"], "appliance_unknown");
  EXPECT_EQ(results[1]["error"], "unknown_command");
}

TEST_F(UnitAndCloud, AfterAPowerCycleTheUnitSaysHelloAgainAndCommandsStillArrive) {
  ASSERT_TRUE(cloud_knows_both_appliances());
  const auto hellos = unit_->cloud_session()->counters().hellos;
  unit_->power_off();
  // DOMAIN R1: a unit off the network goes offline for the cloud after missed heartbeats.
  ASSERT_TRUE(engine().run_until([&] { return !record()->online; }, std::chrono::minutes(10)));
  std::optional<Result<json>> offline;
  cloud_->units().send_command("9999950072", json{{"kind", "query"}, {"appliance", "x"}},
                               [&](Result<json> r) { offline = std::move(r); });
  ASSERT_TRUE(engine().run_until([&] { return offline.has_value(); }, std::chrono::minutes(1)));
  ASSERT_FALSE(offline->ok());
  EXPECT_EQ(offline->error().code, "deviceOffline");

  ASSERT_TRUE(unit_->power_on().ok());
  ASSERT_TRUE(engine().run_until([&] { return record()->online; }, std::chrono::minutes(5)));
  EXPECT_GT(unit_->cloud_session()->counters().hellos, hellos);
  std::optional<Result<json>> result;
  cloud_->units().send_command("9999950072",
                               json{{"kind", "query"}, {"appliance", "127.87.0.1/0x013001"}},
                               [&](Result<json> r) { result = std::move(r); });
  ASSERT_TRUE(engine().run_until([&] { return result.has_value(); }, std::chrono::minutes(1)));
  ASSERT_TRUE(result->ok());
  EXPECT_TRUE((**result)["ok"].get<bool>()) << (**result).dump();
}

TEST_F(UnitAndCloud, AppOnTheLanFindsTheUnitAndRegistersWithTheAccessPassword) {  // R30, R32
  ASSERT_TRUE(cloud_knows_both_appliances());
  auto a = logged_in_app("taro@example.jp");
  std::optional<Result<std::string>> found;
  a->find_unit([&](Result<std::string> r) { found = std::move(r); });
  ASSERT_TRUE(engine().run_until([&] { return found.has_value(); }, std::chrono::minutes(1)));
  ASSERT_TRUE(found->ok()) << found->error().message;
  EXPECT_NE((*found)->find("/description.xml"), std::string::npos);

  auto wrong = run([&](auto d) {
    a->register_phone(json{{"nickname", "たろう"},
                           {"device_code", "99999-50072"},
                           {"access_password", "0000000000"}},
                      d);
  });
  EXPECT_EQ(wrong.error_code(), "wrong_access_password");
  auto ok = run([&](auto d) {
    a->register_phone(json{{"nickname", "たろう"},
                           {"device_code", "99999-50072"},
                           {"access_password", "9999950072"}},
                      d);
  });
  EXPECT_TRUE(ok.ok()) << ok.body.dump();
  EXPECT_FALSE(a->phone_id().empty());
}

TEST_F(UnitAndCloud, ChangedAccessPasswordReachesTheCloud) {  // DOMAIN R32
  ASSERT_TRUE(cloud_knows_both_appliances());
  ASSERT_TRUE(unit_->change_access_password("Hems2026").ok());
  // The unit reports the change soon after (debounced), not at once.
  ASSERT_TRUE(engine().run_until([&] { return record()->access_password == "Hems2026"; },
                                 std::chrono::seconds(30)));
  auto a = logged_in_app("taro@example.jp");
  auto factory = run([&](auto d) {
    a->register_phone(json{{"nickname", "たろう"},
                           {"device_code", "9999950072"},
                           {"access_password", "9999950072"}},
                      d);
  });
  EXPECT_EQ(factory.error_code(), "wrong_access_password");
  auto changed = run([&](auto d) {
    a->register_phone(
        json{
            {"nickname", "たろう"}, {"device_code", "9999950072"}, {"access_password", "Hems2026"}},
        d);
  });
  EXPECT_TRUE(changed.ok()) << changed.body.dump();
}

TEST_F(UnitAndCloud, OffTheLanTheAppFindsNothingAndUsesALinkCodeFromTheUnitOnce) {  // R31, R53
  ASSERT_TRUE(cloud_knows_both_appliances());
  unit_->set_on_lan(false);
  auto a = logged_in_app("hanako@example.jp");
  std::optional<Result<std::string>> found;
  a->find_unit([&](Result<std::string> r) { found = std::move(r); });
  ASSERT_TRUE(engine().run_until([&] { return found.has_value(); }, std::chrono::minutes(1)));
  ASSERT_FALSE(found->ok());
  EXPECT_EQ(found->error().code, "unit_not_found");

  // On the unit: server service > device code > アプリ設定 > 連携コード発行 (for her CLUB ID).
  auto& ss = unit_->server_service();
  ss.open();
  ASSERT_TRUE(ss.enter_device_code("99999-50072").ok());
  ASSERT_TRUE(ss.press(aiseg2::Button::AppSettings).ok());
  auto issued = ss.issue_link_code("hanako@example.jp");
  ASSERT_TRUE(issued.ok()) << issued.error().message;
  const std::string code = ss.link_codes().live_code("hanako@example.jp")->code;
  // The cloud hears of it through the unit's next state report.
  ASSERT_TRUE(
      engine().run_until([&] { return !record()->link_codes.empty(); }, std::chrono::minutes(1)));

  const json by_code{{"nickname", "はなこ"},
                     {"device_code", "99999-50072"},
                     {"link_code", code},
                     {"terms_agreed", true}};
  auto ok = run([&](auto d) { a->register_phone(by_code, d); });
  ASSERT_TRUE(ok.ok()) << ok.body.dump();
  // Single use: the unit's own book marks it used too (command link_code_used).
  ASSERT_TRUE(engine().run_until([&] { return !ss.link_codes().live_code("hanako@example.jp"); },
                                 std::chrono::minutes(1)));
  auto other = logged_in_app("jiro@example.jp");
  auto again = run([&](auto d) { other->register_phone(by_code, d); });
  EXPECT_FALSE(again.ok());
  EXPECT_NE(again.error_code().find("link_code"), std::string::npos) << again.body.dump();
}

}  // namespace
