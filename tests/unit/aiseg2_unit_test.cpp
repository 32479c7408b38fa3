// A whole simulated AiSEG2 in a simulated house, in virtual time: it finds
// the appliances over ECHONET Lite, names them, runs voice scenes through
// them, and updates its firmware over real HTTP with a real reboot.
#include "devices/aiseg2/unit.hpp"

#include <gtest/gtest.h>

#include "devices/cloud/firmware_distribution.hpp"
#include "rig/world/world.hpp"
#include "sim/http/http_server.hpp"
#include "sim/net/local_fabric.hpp"
#include "tests/unit/http_wire.hpp"

#include <nlohmann/json.hpp>

using namespace hemsrig;
using namespace hemsrig::aiseg2;

namespace {

constexpr const char* kHouse = R"(world: unit-house
fabric: {base_address: 127.86.0.0}
appliances:
  - {id: ac, class: home_air_conditioner, address: 127.86.0.1}
  - {id: ac2, class: home_air_conditioner, address: 127.86.0.2}
  - {id: light, class: lighting_system, address: 127.86.0.3, physics: {scenes: 4}}
)";

class UnitInHouse : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(lib_.load_yaml(echonet::ProfileLibrary::bundled_dir()).ok());
    auto load = rig::load_world_text(kHouse, "house.yaml", lib_);
    ASSERT_TRUE(load.spec);
    auto w = rig::World::create(*load.spec, lib_);
    ASSERT_TRUE(w.ok()) << w.error().message;
    world_ = std::move(*w);
    ASSERT_TRUE(world_->start().ok());
  }

  std::unique_ptr<Unit> make_unit(UnitOptions o = {}) {
    o.address = sim::Ipv4({127, 86, 0, 100});
    o.appliance_names = {{"127.86.0.1/0x013001", "リビングエアコン"},
                         {"127.86.0.2/0x013001", "エアコン"},
                         {"127.86.0.3/0x02A301", "ダウンライト"}};
    auto u = Unit::create(world_->engine(), world_->fabric(), lib_, o);
    EXPECT_TRUE(u.ok()) << (u.ok() ? "" : u.error().message);
    return u.ok() ? std::move(*u) : nullptr;
  }
  bool all_found(Unit& u) {
    return world_->engine().run_until([&] { return u.registry().size() == 3; },
                                      std::chrono::minutes(2));
  }
  sim::Engine& engine() { return world_->engine(); }

  // The cloud's firmware distribution on a real loopback HTTP server; returns its URL.
  std::string start_cloud(std::string release_notes) {
    distribution_.publish("MKN704", "Ver.2.98A-03", std::move(release_notes), Bytes(4096, 0x42));
    distribution_.add_routes(router_);
    cloud_ = std::make_unique<http::HttpServer>(engine(), router_.handler());
    auto ep = cloud_->listen("127.0.0.1", 0);
    return ep.ok() ? "http://127.0.0.1:" + std::to_string(ep->port()) : std::string{};
  }
  void TearDown() override { cloud_.reset(); }

  echonet::ProfileLibrary lib_;
  std::unique_ptr<rig::World> world_;
  cloud::FirmwareDistribution distribution_;
  http::Router router_;
  std::unique_ptr<http::HttpServer> cloud_;
};

TEST_F(UnitInHouse, OnlyTheThreeModelsAreUnits) {  // DOMAIN R2
  UnitOptions o;
  o.model = "MKN999";
  o.address = sim::Ipv4({127, 86, 0, 100});
  auto u = Unit::create(engine(), world_->fabric(), lib_, o);
  ASSERT_FALSE(u.ok());
  EXPECT_EQ(u.error().code, "unknown_model");
}

TEST_F(UnitInHouse, FindsAndNamesEveryApplianceAndLintsTheNames) {
  auto u = make_unit();
  ASSERT_TRUE(u->power_on().ok());
  ASSERT_TRUE(all_found(*u));
  EXPECT_TRUE(u->key_of("リビングエアコン"));
  EXPECT_EQ(*u->key_of("ダウンライト"), "127.86.0.3/0x02A301");
  // DOMAIN R32: the factory access password is the device code's digits.
  EXPECT_TRUE(u->access_password().check("9999950072"));
  // DOMAIN R65: a bare "エアコン" beside another air conditioner is a warning.
  bool generic = false;
  for (const auto& w : u->registry().lint()) generic = generic || w.warning.name == "エアコン";
  EXPECT_TRUE(generic);
}

TEST_F(UnitInHouse, VoiceSceneSetsEveryApplianceThroughEchonetLite) {  // DOMAIN R70, R73
  auto u = make_unit();
  ASSERT_TRUE(u->power_on().ok());
  ASSERT_TRUE(all_found(*u));
  const std::string light = *u->key_of("ダウンライト"), ac = *u->key_of("リビングエアコン");
  ASSERT_TRUE(u->lighting_scenes().add(LightingScene{"くつろぎ", light, 3}).ok());
  ASSERT_TRUE(u->voice_scenes()
                  .add(VoiceScene{"おかえり",
                                  {VoiceSceneEntry{ac, PropertySets{{0x80, {0x30}}, {0xB3, {25}}}},
                                   VoiceSceneEntry{light, LightingSceneControl{"くつろぎ"}}}})
                  .ok());
  std::optional<SceneRun> run;
  ASSERT_TRUE(u->run_voice_scene("おかえり", [&](SceneRun r) { run = std::move(r); }).ok());
  ASSERT_TRUE(engine().run_until([&] { return run.has_value(); }, std::chrono::minutes(1)));
  EXPECT_TRUE(run->all_ok());
  // The appliances themselves changed: the unit reached them over the fabric.
  EXPECT_EQ(*world_->appliance("ac")->value(0x80), echonet::Bytes{0x30});
  EXPECT_EQ(*world_->appliance("ac")->value(0xB3), echonet::Bytes{25});
  EXPECT_EQ(*world_->appliance("light")->value(0xC0), echonet::Bytes{3});
}

TEST_F(UnitInHouse,
       FirmwareUpdateOverHttpRebootsTheUnitForRealAndKeepsItsRegistry) {  // DOMAIN R11, R12
  UnitOptions o;
  o.cloud_url = start_cloud("不具合を修正しました。");
  ASSERT_FALSE(o.cloud_url.empty());
  auto u = make_unit(o);
  int instance_lists = 0;
  world_->fabric().observe([&](sim::Direction d, const sim::Datagram& dg, sim::Time) {
    if (d != sim::Direction::Sent || dg.from.address != sim::Ipv4({127, 86, 0, 100})) return;
    auto m = echonet::decode(dg.bytes);
    const auto* f = m ? std::get_if<echonet::Frame>(&*m) : nullptr;
    if (f && f->esv == echonet::Esv::INF && !f->props.empty() && f->props[0].epc == 0xD5)
      ++instance_lists;
  });
  ASSERT_TRUE(u->power_on().ok());
  ASSERT_TRUE(all_found(*u));
  EXPECT_EQ(instance_lists, 1);
  ASSERT_TRUE(u->firmware().check().ok());
  ASSERT_TRUE(
      engine().run_until([&] { return u->firmware().state() == FirmwareState::UpdateAvailable; },
                         std::chrono::minutes(1)));
  ASSERT_TRUE(u->firmware().install().ok());
  ASSERT_TRUE(engine().run_until([&] { return u->firmware().state() == FirmwareState::Rebooting; },
                                 std::chrono::minutes(40)));
  EXPECT_FALSE(u->up()) << "rebooting: the unit is off the network";
  EXPECT_FALSE(u->node().powered());
  ASSERT_TRUE(engine().run_until([&] { return u->up(); }, std::chrono::minutes(10)));
  EXPECT_EQ(u->firmware().running_version(), "Ver.2.98A-03");
  EXPECT_EQ(instance_lists, 2) << "0xD5 announced again after the reboot";
  EXPECT_EQ(u->registry().size(), 3u) << "the registry survives the reboot";
  // It controls appliances again after the reboot.
  std::optional<ControlOutcome> outcome;
  u->controller().control(u->registry().find_by_name("エアコン")[0]->key, 0x80, {0x30},
                          [&](const ControlResult& r) { outcome = r.outcome; });
  ASSERT_TRUE(engine().run_until([&] { return outcome.has_value(); }, std::chrono::minutes(1)));
  EXPECT_EQ(*outcome, ControlOutcome::Accepted);
}

TEST_F(UnitInHouse, PowerCutDuringInstallBootsThePreviousVersion) {
  UnitOptions o;
  o.cloud_url = start_cloud("");
  ASSERT_FALSE(o.cloud_url.empty());
  auto u = make_unit(o);
  ASSERT_TRUE(u->power_on().ok());
  ASSERT_TRUE(u->firmware().check().ok());
  ASSERT_TRUE(
      engine().run_until([&] { return u->firmware().state() == FirmwareState::UpdateAvailable; },
                         std::chrono::minutes(1)));
  ASSERT_TRUE(u->firmware().install().ok());
  ASSERT_TRUE(engine().run_until([&] { return u->firmware().state() == FirmwareState::Installing; },
                                 std::chrono::minutes(1)));
  engine().run_for(std::chrono::minutes(10));
  u->power_off();
  EXPECT_FALSE(u->node().powered());
  engine().run_for(std::chrono::hours(1));
  ASSERT_TRUE(u->power_on().ok());
  ASSERT_TRUE(engine().run_until([&] { return u->up(); }, std::chrono::minutes(10)));
  EXPECT_EQ(u->firmware().running_version(), "Ver.2.97I-03");
  EXPECT_FALSE(u->firmware().last_failure().empty());
}

TEST_F(UnitInHouse, WithoutACloudTheFirmwareCheckFailsOffline) {  // DOMAIN R10
  auto u = make_unit();
  ASSERT_TRUE(u->power_on().ok());
  ASSERT_TRUE(u->firmware().check().ok());
  ASSERT_TRUE(engine().run_until([&] { return u->firmware().state() != FirmwareState::Checking; },
                                 std::chrono::minutes(1)));
  EXPECT_NE(u->firmware().screen().find("インターネット"), std::string::npos);
}

}  // namespace

namespace {

namespace wire = hemsrig::testing;

// Real time on real sockets: a program written for the real unit's pages
// (here curl with digest auth) lists the appliances and switches a light,
// and the light itself changes over ECHONET Lite.
TEST(UnitWebInHouse, PagesListTheAppliancesAndTheAsyncControlReachesTheLight) {
  echonet::ProfileLibrary lib;
  ASSERT_TRUE(lib.load_yaml(echonet::ProfileLibrary::bundled_dir()).ok());
  auto load = rig::load_world_text(R"(world: web-house
fabric: {base_address: 127.87.0.0}
appliances:
  - {id: ac, name: リビングエアコン, class: home_air_conditioner}
  - {id: light, name: ダウンライト, class: lighting_system}
units:
  - {id: hems, model: MKN713, web: {address: 127.0.0.1, port: 0}}
)",
                                   "web-house.yaml", lib);
  ASSERT_TRUE(load.spec);
  rig::WorldOptions wo;
  wo.mode = sim::ClockMode::Realtime;
  auto w = rig::World::create(*load.spec, lib, wo);
  ASSERT_TRUE(w.ok()) << w.error().message;
  rig::World& world = **w;
  ASSERT_TRUE(world.start().ok());
  Unit& unit = *world.unit("hems");
  ASSERT_TRUE(wire::pump_until(world.engine(), [&] { return unit.registry().size() == 2; }));
  const std::string base = unit.web_url();
  ASSERT_FALSE(base.empty());
  const std::string auth = "--digest -u aiseg:9999950072 ";  // DOMAIN R32: the factory password

  auto list = wire::run_beside<wire::CurlResult>(world.engine(), [&] {
    return wire::curl(auth + wire::shell_quote(base + "/page/devices/device/32"));
  });
  ASSERT_EQ(list.status, 200) << list.body;
  EXPECT_NE(list.body.find("\"name\":\"リビングエアコン\""), std::string::npos);
  EXPECT_NE(list.body.find("\"name\":\"ダウンライト\""), std::string::npos);

  const std::string body =
      R"(data={"token":"10000","nodeId":"2","eoj":"0x02a301","type":"0x92","device":{"onoff":"0x30","modulate":"-"}})";
  auto change = wire::run_beside<wire::CurlResult>(world.engine(), [&] {
    return wire::curl(auth + "-H 'X-Requested-With: XMLHttpRequest' --data-binary " +
                      wire::shell_quote(body) + " " +
                      wire::shell_quote(base + "/action/devices/device/32i1/change"));
  });
  ASSERT_EQ(change.status, 200) << change.body;
  const auto reply = nlohmann::json::parse(change.body, nullptr, false);
  ASSERT_EQ(reply.value("result", ""), "0") << change.body;
  const std::string accept = reply.value("acceptId", "");
  // Clients poll check a few times; the control must be done within that.
  std::string result;
  for (int i = 0; i < 6 && result != "0"; ++i) {
    wire::pump_until(
        world.engine(), [] { return false; }, std::chrono::milliseconds(500));
    auto check = wire::run_beside<wire::CurlResult>(world.engine(), [&] {
      return wire::curl(
          auth + "--data-binary " +
          wire::shell_quote(R"(data={"acceptId":")" + accept + R"(","type":"0x92"})") + " " +
          wire::shell_quote(base + "/data/devices/device/32i1/check"));
    });
    result = nlohmann::json::parse(check.body, nullptr, false).value("result", "");
  }
  EXPECT_EQ(result, "0");
  EXPECT_EQ(*world.appliance("light")->value(0x80), echonet::Bytes{0x30})
      << "the light itself is on";
  world.stop();
}

}  // namespace

namespace {

// DOMAIN R30/R31: the app searches the LAN for the unit (SSDP); a unit off the
// phone's LAN is not found, which sends the app down the link-code path.
TEST(UnitWebInHouse, TheAppsLanSearchFindsTheUnitOnlyOnTheSameLan) {
  namespace wire = hemsrig::testing;
  echonet::ProfileLibrary lib;
  ASSERT_TRUE(lib.load_yaml(echonet::ProfileLibrary::bundled_dir()).ok());
  sim::Engine engine(sim::EngineOptions{.mode = sim::ClockMode::Realtime});
  sim::LocalFabric fabric(engine);
  UnitOptions o;
  o.address = sim::Ipv4({127, 88, 0, 1});
  o.web_address = "127.0.0.1";
  o.ssdp_port = 0;  // a port of its own: tests run side by side
  auto unit = Unit::create(engine, fabric, lib, o);
  ASSERT_TRUE(unit.ok()) << unit.error().message;
  ASSERT_TRUE((*unit)->power_on().ok());
  const auto [group, port] = (*unit)->ssdp_endpoint();
  ASSERT_NE(port, 0);
  const std::string search =
      "M-SEARCH * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\nMAN: \"ssdp:discover\"\r\nMX: 1\r\n"
      "ST: urn:panasonic-com:service:p60AiSeg2DataService:1\r\n\r\n";
  auto ask = [&, group = group, port = port] {
    return wire::run_beside<std::vector<std::string>>(engine, [&] {
      return wire::udp_exchange(group, port, search, std::chrono::milliseconds(800), 1,
                                "127.0.0.1");
    });
  };
  const auto found = ask();
  ASSERT_EQ(found.size(), 1u);
  EXPECT_NE(found[0].find((*unit)->web_url() + "/description.xml"), std::string::npos) << found[0];
  (*unit)->set_on_lan(false);
  EXPECT_TRUE(ask().empty()) << "a unit off the LAN answers nothing (DOMAIN R31)";
}

}  // namespace

namespace {

// The unit's accumulated data (DOMAIN R50): kept every 30 minutes, kept
// across a power cycle, and lost only when the server service is registered
// again over an existing registration.
TEST(UnitHistory, AccumulatesSurvivesAPowerCycleAndIsWipedByReRegistration) {
  echonet::ProfileLibrary lib;
  ASSERT_TRUE(lib.load_yaml(echonet::ProfileLibrary::bundled_dir()).ok());
  auto load = rig::load_world_text(R"(world: history-house
start: 2026-06-01T10:00:00+09:00
fabric: {base_address: 127.89.0.0}
appliances:
  - {id: meter, class: lv_smart_electric_energy_meter}
  - {id: pv, class: pv_power_generation}
  - {id: ac, class: home_air_conditioner, set: {0x80: 0x30}}
)",
                                   "h.yaml", lib);
  ASSERT_TRUE(load.spec);
  auto w = rig::World::create(*load.spec, lib);
  ASSERT_TRUE(w.ok());
  rig::World& world = **w;
  ASSERT_TRUE(world.start().ok());
  UnitOptions o;
  o.address = sim::Ipv4({127, 89, 0, 100});
  HouseholdInfo home;
  home.prefecture = "大阪府";
  home.region = "大阪府";
  home.municipality = "門真市";
  home.household_size = 3;
  home.building = BuildingType::Detached;
  home.energy = Energy::ElectricityOnly;
  o.server_service.registration = Registration{"123456", home, sim::Time{0}};  // a unit in use
  auto unit = Unit::create(world.engine(), world.fabric(), lib, o);
  ASSERT_TRUE(unit.ok()) << unit.error().message;
  Unit& u = **unit;
  ASSERT_TRUE(u.power_on().ok());
  world.engine().run_for(std::chrono::hours(3));
  auto slots = u.history().slots();
  ASSERT_GE(slots.size(), 5u);
  for (const auto* a : u.registry().all()) EXPECT_FALSE(a->name.empty());
  EXPECT_EQ(u.registry().size(), 3u)
      << "every appliance is registered, even one whose class title is long";
  EXPECT_GT(slots.back().kwh.at("generation"), slots.front().kwh.at("generation"))
      << "PV generated by day";
  EXPECT_GT(slots.back().kwh.at("appliance:127.89.0.3/0x013001"), 0.0)
      << "the air conditioner's own meter";
  for (std::size_t i = 1; i < slots.size(); ++i) {
    EXPECT_GE(slots[i].kwh.at("purchase"), slots[i - 1].kwh.at("purchase"));
    EXPECT_EQ(
        std::chrono::duration_cast<std::chrono::minutes>(slots[i].at - slots[i - 1].at).count(),
        30);
  }

  // A power cut loses nothing; recording goes on after the boot.
  const std::size_t before_cut = slots.size();
  u.power_off();
  world.engine().run_for(std::chrono::hours(1));
  ASSERT_TRUE(u.power_on().ok());
  world.engine().run_for(std::chrono::hours(1));
  EXPECT_GT(u.history().slots().size(), before_cut);

  // Registering again over the registration: the warning, then the data is gone.
  ServerService& ss = u.server_service();
  ss.open();
  ASSERT_TRUE(ss.enter_device_code("99999-50072").ok());
  auto s = ss.press(Button::NewRegistration);
  ASSERT_TRUE(s.ok());
  ASSERT_EQ(s->id, ScreenId::OverwriteWarning);  // DOMAIN R50: the unit warns first
  for (Button b : {Button::Continue, Button::Ok, Button::Next, Button::AgreeAndNext}) {
    s = ss.press(b);
    ASSERT_TRUE(s.ok()) << s.error().message;
  }
  const std::string code = s->fields.at("confirmation_code");
  ASSERT_TRUE(ss.press(Button::Next).ok());
  ASSERT_TRUE(ss.enter_confirmation_code(code).ok());
  ASSERT_TRUE(ss.enter_household(home).ok());
  EXPECT_FALSE(u.history().slots().empty()) << "nothing is lost before the final 決定";
  s = ss.press(Button::Decide);
  ASSERT_TRUE(s.ok());
  EXPECT_TRUE(u.history().slots().empty()) << "DOMAIN R50: the accumulated data is overwritten";
  world.engine().run_for(std::chrono::hours(1));
  EXPECT_EQ(u.history().slots().size(), 2u) << "and accumulates anew";
}

}  // namespace

namespace {
TEST_F(UnitInHouse, EachOfTheThreeModelsRunsAsAUnit) {  // DOMAIN R2
  for (const char* model : {"MKN704", "MKN705", "MKN713"}) {
    UnitOptions o;
    o.model = model;
    auto u = make_unit(o);
    ASSERT_TRUE(u);
    ASSERT_TRUE(u->power_on().ok()) << model;
    EXPECT_TRUE(all_found(*u)) << model;
    EXPECT_EQ(u->model().name, model);
    u->power_off();
  }
}
}  // namespace
