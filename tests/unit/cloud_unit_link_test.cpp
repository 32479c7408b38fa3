// The mock cloud with a real simulated AiSEG2 in a simulated house, in
// virtual time: the unit's CloudSession says hello and reports its
// appliances over the unit channel (docs/unit-channel.md); a command the cloud
// sends reaches the air conditioner over ECHONET Lite and its result comes
// back; an app registers with a link code issued on the unit (DOMAIN R33, R53)
// and the unit marks it used.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "rig/world/world.hpp"

using namespace hemsrig;
using nlohmann::json;

namespace {

constexpr const char* kHouse = R"(world: cloud-house
fabric: {base_address: 127.87.0.0}
appliances:
  - {id: ac, name: リビングエアコン, class: home_air_conditioner, address: 127.87.0.1}
units:
  - {id: hems, model: MKN704, device_code: "99999-50072", firmware: Ver.2.98A-03}
cloud:
  firmware:
    MKN704: {latest: Ver.2.98A-03}
  accounts:
    - {email: taro@example.jp, password: abc12345}
)";

class CloudWithUnit : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(lib_.load_yaml(echonet::ProfileLibrary::bundled_dir()).ok());
    auto load = rig::load_world_text(kHouse, "house.yaml", lib_);
    ASSERT_TRUE(load.spec);
    auto w = rig::World::create(*load.spec, lib_);
    ASSERT_TRUE(w.ok()) << w.error().message;
    world_ = std::move(*w);
    ASSERT_TRUE(world_->start().ok());
    cloud_ = world_->cloud();
    ASSERT_TRUE(engine().run_until(
        [&] {
          const cloud::UnitRecord* u = cloud_->units().find("9999950072");
          return u != nullptr && u->online && u->appliances.size() == 1;
        },
        std::chrono::minutes(5)));
  }
  sim::Engine& engine() { return world_->engine(); }
  Result<json> command(json c) {
    std::optional<Result<json>> got;
    cloud_->units().send_command("9999950072", std::move(c),
                                 [&](Result<json> r) { got = std::move(r); });
    EXPECT_TRUE(engine().run_until([&] { return got.has_value(); }, std::chrono::minutes(1)));
    return got ? std::move(*got) : Result<json>(make_error("none", "no answer"));
  }

  echonet::ProfileLibrary lib_;
  std::unique_ptr<rig::World> world_;
  cloud::MockCloud* cloud_ = nullptr;
};

TEST_F(CloudWithUnit, UnitReportsItsAppliancesOnTheChannel) {
  const cloud::UnitRecord* u = cloud_->units().find("9999950072");
  EXPECT_EQ(u->model, "MKN704");
  EXPECT_EQ(u->firmware, "Ver.2.98A-03");
  const cloud::ApplianceState& ac = u->appliances.at(0);
  EXPECT_EQ(ac.key, "127.87.0.1/0x013001");
  EXPECT_EQ(ac.name, "リビングエアコン");
  EXPECT_TRUE(ac.state.contains("0x80"));
}

TEST_F(CloudWithUnit, SetCommandReachesTheAirConditioner) {
  auto r = command(
      json{{"kind", "set"},
           {"appliance", "127.87.0.1/0x013001"},
           {"sets", json::array({json::array({"0x80", "30"}), json::array({"0xB3", "19"})})}});
  ASSERT_TRUE(r.ok()) << r.error().code << ": " << r.error().message;
  EXPECT_TRUE(r->value("ok", false)) << r->dump();
  echonet::EchonetObject* ac = world_->appliance("ac");
  ASSERT_NE(ac->value(0xB3), nullptr);
  EXPECT_EQ(*ac->value(0xB3), (echonet::Bytes{0x19}));
  EXPECT_EQ(*ac->value(0x80), (echonet::Bytes{0x30}));
}

TEST_F(CloudWithUnit, AppRegistersWithTheUnitsLinkCodeOnce) {  // DOMAIN R33, R53
  aiseg2::Unit& unit = *world_->unit("hems");
  const aiseg2::LinkCode code = unit.server_service().link_codes().issue("taro@example.jp");
  unit.cloud_state_changed();
  ASSERT_TRUE(
      engine().run_until([&] { return !cloud_->units().find("9999950072")->link_codes.empty(); },
                         std::chrono::minutes(2)));
  auto login = cloud_->club_ids().login("taro@example.jp", "abc12345");
  ASSERT_TRUE(login.ok());
  cloud::AppBackend::Registration reg;
  reg.nickname = "たろう";
  reg.device_code = "99999-50072";
  reg.link_code = code.code;
  reg.terms_agreed = true;
  auto phone = cloud_->app().register_phone("taro@example.jp", reg);
  ASSERT_TRUE(phone.ok()) << phone.error().message;
  // The unit hears of it through its long poll and marks the code used.
  ASSERT_TRUE(engine().run_until(
      [&] { return !unit.server_service().link_codes().live_code("taro@example.jp").has_value(); },
      std::chrono::minutes(2)));
  reg.nickname = "たろう2";
  EXPECT_EQ(cloud_->app().register_phone("taro@example.jp", reg).error().code, "link_code_used");
}

TEST_F(CloudWithUnit, UnitPoweredOffGoesOfflineForTheCloud) {
  world_->unit("hems")->power_off();
  ASSERT_TRUE(engine().run_until([&] { return !cloud_->units().online("9999950072"); },
                                 std::chrono::minutes(10)));
  auto r = command(json{{"kind", "query"}, {"appliance", "127.87.0.1/0x013001"}});
  EXPECT_EQ(r.error().code, "deviceOffline");
}

}  // namespace
