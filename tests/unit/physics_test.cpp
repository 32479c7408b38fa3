// Appliance physics in virtual time: a simulated day runs in milliseconds.
#include <gtest/gtest.h>

#include "rig/world/world.hpp"

using namespace hemsrig;
using namespace hemsrig::rig;

namespace {

class Physics : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(lib_.load_yaml(echonet::ProfileLibrary::bundled_dir()).ok());
  }

  std::unique_ptr<World> world(const std::string& text) {
    auto l = load_world_text(text, "w.yaml", lib_);
    EXPECT_TRUE(l.spec);
    if (!l.spec) return nullptr;
    auto w = World::create(*l.spec, lib_);  // virtual time, in-process fabric
    EXPECT_TRUE(w.ok()) << (w.ok() ? "" : w.error().message);
    if (!w.ok()) return nullptr;
    EXPECT_TRUE((*w)->start().ok());
    return std::move(*w);
  }
  std::int64_t value(World& w, const std::string& id, std::uint8_t epc, bool is_signed = false) {
    const echonet::Bytes* b = w.appliance(id)->value(epc);
    std::uint64_t u = echonet::read_uint(*b);
    if (is_signed && ((*b)[0] & 0x80)) u |= ~std::uint64_t{0} << (8 * b->size());
    return static_cast<std::int64_t>(u);
  }
  echonet::ProfileLibrary lib_;
};

TEST_F(Physics, AirConditionerCoolsTheRoomToTheSetPointAndDrawsPowerWhileDoingIt) {
  auto w = world(R"(world: w
start: 2026-06-01T13:00:00+09:00
appliances:
  - {id: ac, class: home_air_conditioner, set: {0x80: 0x30, 0xB0: 0x42, 0xB3: 24}, physics: {room_c: 31}}
)");
  ASSERT_TRUE(w);
  w->engine().run_for(std::chrono::minutes(2));
  EXPECT_GT(value(*w, "ac", 0x84), 300) << "cooling a hot room draws power";
  w->engine().run_for(std::chrono::hours(2));
  EXPECT_EQ(value(*w, "ac", 0xBB, true), 24);
  const std::int64_t consumed_wh = value(*w, "ac", 0x85);
  EXPECT_GT(consumed_wh, 300) << "two hours of cooling count in 0x85 (Wh)";
  // Switched off, the room drifts back toward the outdoor temperature (~31 C at 15:00).
  ASSERT_TRUE(w->appliance("ac")->set_from_request(0x80, std::vector<std::uint8_t>{0x31}).ok());
  w->engine().run_for(std::chrono::hours(3));
  EXPECT_GT(value(*w, "ac", 0xBB, true), 27);
  EXPECT_EQ(value(*w, "ac", 0x84), 0);
}

TEST_F(Physics, SmartMeterCountersOnlyGrowAndFollowTheHouse) {
  auto w = world(R"(world: w
start: 2026-06-01T00:00:00+09:00
appliances:
  - {id: meter, class: lv_smart_electric_energy_meter, physics: {bought_kwh: 100, sold_kwh: 10}}
  - {id: heater, class: floor_heater, set: {0x80: 0x30}}
  - {id: pv, class: pv_power_generation, physics: {capacity_w: 6000}}
)");
  ASSERT_TRUE(w);
  std::int64_t bought = value(*w, "meter", 0xE0), sold = value(*w, "meter", 0xE3);
  bool sold_at_noon = false, bought_at_night = false;
  for (int i = 0; i < 24 * 2; ++i) {  // one day in 30-minute steps
    w->engine().run_for(std::chrono::minutes(30));
    const std::int64_t b = value(*w, "meter", 0xE0), s = value(*w, "meter", 0xE3);
    ASSERT_GE(b, bought);
    ASSERT_GE(s, sold);
    const std::int64_t net_w = value(*w, "meter", 0xE7, true);
    if (i == 24 && net_w < 0) sold_at_noon = true;    // 12:30: PV beats the heater
    if (i == 2 && net_w > 0) bought_at_night = true;  // 01:30: only the heater
    bought = b;
    sold = s;
  }
  EXPECT_TRUE(sold_at_noon);
  EXPECT_TRUE(bought_at_night);
  EXPECT_GT(bought, 1000);  // started at 100 kWh = 1000 counts of 0.1 kWh
  EXPECT_GT(sold, 100);
}

TEST_F(Physics, SolarFollowsTheDailyCurve) {
  auto w = world(R"(world: w
start: 2026-06-01T02:00:00+09:00
appliances:
  - {id: pv, class: pv_power_generation, physics: {capacity_w: 4000}}
)");
  ASSERT_TRUE(w);
  w->engine().run_for(std::chrono::minutes(1));
  EXPECT_EQ(value(*w, "pv", 0xE0), 0) << "no sun at 02:00";
  w->engine().run_for(std::chrono::hours(10));  // 12:00
  EXPECT_GT(value(*w, "pv", 0xE0), 3000);
  EXPECT_GT(value(*w, "pv", 0xE1), 0);
}

TEST_F(Physics, BatteryStateOfChargeFollowsItsOperationMode) {
  auto w = world(R"(world: w
appliances:
  - {id: bat, class: storage_battery, physics: {capacity_wh: 10000, rate_w: 2000, soc_percent: 50}}
)");
  ASSERT_TRUE(w);
  auto* bat = w->appliance("bat");
  ASSERT_TRUE(bat->set_from_request(0xDA, std::vector<std::uint8_t>{0x42}).ok());  // charge
  w->engine().run_for(std::chrono::hours(1));
  EXPECT_EQ(value(*w, "bat", 0xE4), 70);
  EXPECT_GT(value(*w, "bat", 0xD3, true), 0);
  w->engine().run_for(std::chrono::hours(3));
  EXPECT_EQ(value(*w, "bat", 0xE4), 100) << "charging stops when full";
  EXPECT_EQ(value(*w, "bat", 0xD3, true), 0);
  ASSERT_TRUE(bat->set_from_request(0xDA, std::vector<std::uint8_t>{0x43}).ok());  // discharge
  w->engine().run_for(std::chrono::hours(2));
  EXPECT_EQ(value(*w, "bat", 0xE4), 60);
  EXPECT_LT(value(*w, "bat", 0xD3, true), 0);
}

TEST_F(Physics, LightingSystemRefusesASceneItDoesNotHave) {
  auto w =
      world("world: w\nappliances:\n  - {id: l, class: lighting_system, physics: {scenes: 3}}\n");
  ASSERT_TRUE(w);
  auto* l = w->appliance("l");
  EXPECT_TRUE(l->set_from_request(0xC0, std::vector<std::uint8_t>{3}).ok());
  auto refused = l->set_from_request(0xC0, std::vector<std::uint8_t>{4});
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message.find("scene 4 is not defined"), std::string::npos);
}

TEST_F(Physics, WaterHeaterHeatsAtNightInAutomaticMode) {
  auto w = world(R"(world: w
start: 2026-06-01T22:00:00+09:00
appliances:
  - {id: wh, class: electric_water_heater, set: {0xB0: 0x41}, physics: {fill_percent: 20}}
)");
  ASSERT_TRUE(w);
  w->engine().run_for(std::chrono::minutes(30));
  EXPECT_EQ(value(*w, "wh", 0xB2), 0x42) << "not heating at 22:30";
  w->engine().run_for(std::chrono::hours(1));
  EXPECT_EQ(value(*w, "wh", 0xB2), 0x41) << "heating at 23:30";
}

TEST_F(Physics, SameSeedSameTraceByteForByte) {
  const std::string text = R"(world: w
seed: 7
appliances:
  - {id: ac, class: home_air_conditioner, set: {0x80: 0x30}}
  - {id: meter, class: lv_smart_electric_energy_meter}
  - {id: pv, class: pv_power_generation}
)";
  auto run = [&](const std::string& path) {
    auto l = load_world_text(text, "w.yaml", lib_);
    WorldOptions o;
    o.trace_path = path;
    auto w = World::create(*l.spec, lib_, o);
    EXPECT_TRUE(w.ok());
    EXPECT_TRUE((*w)->start().ok());
    (*w)->engine().run_for(std::chrono::hours(6));
    (*w)->stop();
  };
  const std::string a = ::testing::TempDir() + "/trace_a.jsonl",
                    b = ::testing::TempDir() + "/trace_b.jsonl";
  run(a);
  run(b);
  std::ifstream fa(a), fb(b);
  std::stringstream sa, sb;
  sa << fa.rdbuf();
  sb << fb.rdbuf();
  EXPECT_GT(sa.str().size(), 1000u);
  EXPECT_EQ(sa.str(), sb.str());
}

}  // namespace

namespace {
TEST_F(Physics, ApplianceCanStartWithAFaultRaised) {
  auto w = world(
      "world: w\nappliances:\n  - {id: ac, class: home_air_conditioner, fault: 0x0003}\n  - {id: "
      "l, class: general_lighting}\n");
  ASSERT_TRUE(w);
  EXPECT_EQ(value(*w, "ac", 0x88), 0x41);
  EXPECT_EQ(value(*w, "ac", 0x89), 0x0003);
  EXPECT_EQ(value(*w, "l", 0x88), 0x42);
}
}  // namespace

namespace {
TEST_F(Physics, PlannedAddressesSkipTheOnesTheFileFixed) {
  auto w = world(R"(world: w
fabric: {base_address: 127.98.0.0}
appliances:
  - {id: a, class: general_lighting}
  - {id: b, class: general_lighting, address: 127.98.0.2}
  - {id: c, class: general_lighting}
)");
  ASSERT_TRUE(w);
  EXPECT_EQ(w->node_of("a")->address().to_string(), "127.98.0.1");
  EXPECT_EQ(w->node_of("b")->address().to_string(), "127.98.0.2");
  EXPECT_EQ(w->node_of("c")->address().to_string(), "127.98.0.3");
  const auto endpoints = w->endpoints();
  ASSERT_EQ(endpoints.size(), 4u);
  EXPECT_EQ(endpoints[2].detail, "0x029001 b");
}
}  // namespace
