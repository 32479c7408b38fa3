// The Modbus bench of a world (virtual time, in-process fabric) over real
// loopback TCP: coils cut and restore the power of units and appliance nodes,
// input registers show power and energy, bad requests get the Modbus
// exception and never stop the bench serving its other clients.
#include <gtest/gtest.h>

#include "bench_wire.hpp"
#include "devices/bench/register_map.hpp"
#include "rig/world/world.hpp"

using namespace hemsrig;
using hemsrig::testing::ModbusWire;

namespace {

// Coil 0: the unit; coil 1: the lamp's node; coil 2: the PV's node (docs/bench.md order).
constexpr const char* kBenchHouse = R"(world: bench-house
start: 2026-06-01T11:00:00+09:00
appliances:
  - {id: lamp, class: general_lighting, set: {0x80: 0x30, 0xB0: 100}, physics: {rated_w: 1000}}
  - {id: solar, class: pv_power_generation, physics: {capacity_w: 4500}}
units:
  - id: hems
    web: {address: 127.0.0.1, port: 0}
bench: {address: 127.0.0.1, port: 0, unit_id: 7}
)";

class BenchServer : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(lib_.load_yaml(echonet::ProfileLibrary::bundled_dir()).ok());
    auto load = rig::load_world_text(kBenchHouse, "bench-house.yaml", lib_);
    ASSERT_TRUE(load.spec) << (load.diagnostics.empty() ? "" : load.diagnostics[0].str());
    auto w = rig::World::create(*load.spec, lib_);
    ASSERT_TRUE(w.ok()) << w.error().message;
    world_ = std::move(*w);
    ASSERT_TRUE(world_->start().ok());
    ASSERT_NE(world_->bench(), nullptr);
    port_ = world_->bench()->port();
  }

  // The PDU of an exception answer to function `fc`.
  static std::vector<std::uint8_t> exception(std::uint8_t fc, std::uint8_t code) {
    return {static_cast<std::uint8_t>(fc | 0x80), code};
  }

  echonet::ProfileLibrary lib_;
  std::unique_ptr<rig::World> world_;
  std::uint16_t port_ = 0;
};

TEST_F(BenchServer, ChannelsAreTheUnitsThenTheApplianceNodes) {
  bench::ModbusBench& b = *world_->bench();
  ASSERT_EQ(b.channel_count(), 3u);
  EXPECT_EQ(b.channel(0).name(), "hems");
  EXPECT_EQ(b.channel(0).kind(), "aiseg2-unit");
  EXPECT_EQ(b.channel(1).name(), "lamp");
  EXPECT_EQ(b.channel(2).name(), "solar");
  EXPECT_EQ(b.coil_of("solar"), 2);
  EXPECT_EQ(b.coil_of("nothing"), -1);
  bool listed = false;
  for (const auto& e : world_->endpoints()) {
    if (e.kind == "modbus-bench") {
      listed = true;
      EXPECT_EQ(e.address, "127.0.0.1:" + std::to_string(port_));
    }
  }
  EXPECT_TRUE(listed) << "serve prints the bench among its endpoints";
}

TEST_F(BenchServer, CoilsShowWhatIsPowered) {
  ModbusWire c(world_->engine(), port_, 7);
  auto coils = c.read_coils(0, 3);
  ASSERT_TRUE(coils);
  EXPECT_EQ(*coils, (std::vector<bool>{true, true, true}));
  world_->node_of("lamp")->power_off();  // cut by other means: the coil follows
  coils = c.read_coils(0, 3);
  ASSERT_TRUE(coils);
  EXPECT_EQ(*coils, (std::vector<bool>{true, false, true}));
}

TEST_F(BenchServer, WritingACoilCutsAndRestoresTheNodesPower) {
  ModbusWire c(world_->engine(), port_, 7);
  echonet::Node& lamp = *world_->node_of("lamp");
  ASSERT_TRUE(c.write_coil(1, false));
  EXPECT_FALSE(lamp.powered()) << "coil 1 = 0 is a power cut of the lamp's node";
  EXPECT_TRUE(world_->node_of("solar")->powered()) << "other channels keep their power";
  auto coils = c.read_coils(1, 1);
  ASSERT_TRUE(coils);
  EXPECT_FALSE((*coils)[0]);
  const auto announced = lamp.counters().announcements;
  ASSERT_TRUE(c.write_coil(1, true));
  EXPECT_TRUE(lamp.powered()) << "coil 1 = 1 boots it";
  EXPECT_GT(lamp.counters().announcements, announced) << "a booted node announces 0xD5";
  EXPECT_EQ(world_->bench()->counters().switches, 2u);
}

TEST_F(BenchServer, WritingACoilCutsAndBootsTheUnit) {
  ModbusWire c(world_->engine(), port_, 7);
  aiseg2::Unit& unit = *world_->unit("hems");
  ASSERT_TRUE(unit.powered());
  ASSERT_TRUE(c.write_coil(0, false));
  EXPECT_FALSE(unit.powered());
  EXPECT_FALSE(unit.up());
  ASSERT_TRUE(c.write_coil(0, true));
  EXPECT_TRUE(unit.powered());
  world_->engine().run_for(std::chrono::minutes(5));
  EXPECT_TRUE(unit.up()) << "power back boots the unit";
}

TEST_F(BenchServer, WritingSeveralCoilsAtOnceSwitchesEachChannel) {
  ModbusWire c(world_->engine(), port_, 7);
  // Write multiple coils 1..2 to 0: fc 0x0F, address 1, quantity 2, 1 byte, bits 00.
  auto a = c.request({0x0F, 0x00, 0x01, 0x00, 0x02, 0x01, 0x00}, 7);
  ASSERT_TRUE(a);
  EXPECT_EQ(*a, (std::vector<std::uint8_t>{0x0F, 0x00, 0x01, 0x00, 0x02}));
  EXPECT_FALSE(world_->node_of("lamp")->powered());
  EXPECT_FALSE(world_->node_of("solar")->powered());
  EXPECT_TRUE(world_->unit("hems")->powered());
}

TEST_F(BenchServer, InputRegistersShowPowerAndEnergyOfEachChannel) {
  world_->engine().run_for(std::chrono::hours(1));
  ModbusWire c(world_->engine(), port_, 7);
  auto r = c.read_input_registers(0, 18);
  ASSERT_TRUE(r);
  const std::uint16_t* unit = r->data();
  const std::uint16_t* lamp = r->data() + bench::kRegistersPerChannel;
  const std::uint16_t* solar = r->data() + 2 * bench::kRegistersPerChannel;
  EXPECT_EQ(bench::get_s32(unit + bench::kPowerW), 5) << "a powered unit draws 5 W by default";
  EXPECT_NEAR(bench::get_u32(unit + bench::kEnergyWh), 5, 1) << "5 W for an hour";
  EXPECT_EQ(bench::get_s32(lamp + bench::kPowerW), 1000);
  EXPECT_NEAR(bench::get_u32(lamp + bench::kEnergyWh), 1000, 2) << "1000 W for an hour";
  EXPECT_EQ(bench::get_u32(lamp + bench::kSuppliedWh), 0u);
  EXPECT_LT(bench::get_s32(solar + bench::kPowerW), -500) << "PV at noon supplies: negative W";
  EXPECT_GT(bench::get_u32(solar + bench::kSuppliedWh), 500u);
  EXPECT_EQ(bench::get_u32(solar + bench::kEnergyWh), 0u);

  // Cut: no power, and the energy stops growing.
  ASSERT_TRUE(c.write_coil(1, false));
  world_->engine().run_for(std::chrono::hours(1));
  r = c.read_input_registers(6, 6);
  ASSERT_TRUE(r);
  EXPECT_EQ(bench::get_s32(r->data() + bench::kPowerW), 0);
  EXPECT_NEAR(bench::get_u32(r->data() + bench::kEnergyWh), 1000, 2);
}

TEST_F(BenchServer, HoldingRegistersDescribeTheMap) {
  ModbusWire c(world_->engine(), port_, 7);
  auto a = c.request({0x03, 0x00, 0x00, 0x00, 0x04}, 7);
  ASSERT_TRUE(a);
  EXPECT_EQ(*a, (std::vector<std::uint8_t>{0x03, 8, 0, 1, 0, 3, 0, 6, 0, 7}))
      << "map version 1, 3 channels, 6 registers each, unit id 7";
}

TEST_F(BenchServer, AnAddressPastTheChannelsIsIllegalDataAddress) {
  ModbusWire c(world_->engine(), port_, 7);
  EXPECT_EQ(c.request({0x01, 0x00, 0x03, 0x00, 0x01}, 7), exception(0x01, 0x02));
  EXPECT_EQ(c.request({0x05, 0x00, 0x03, 0xFF, 0x00}, 7), exception(0x05, 0x02));
  EXPECT_EQ(c.request({0x04, 0x00, 0x10, 0x00, 0x03}, 7), exception(0x04, 0x02));
  EXPECT_EQ(c.request({0x02, 0x00, 0x00, 0x00, 0x01}, 7), exception(0x02, 0x02))
      << "the bench has no discrete inputs";
  EXPECT_EQ(world_->bench()->counters().switches, 0u);
}

TEST_F(BenchServer, AnUnknownOrRefusedFunctionIsIllegalFunction) {
  ModbusWire c(world_->engine(), port_, 7);
  EXPECT_EQ(c.request({0x2B, 0x0E, 0x01, 0x00}, 7), exception(0x2B, 0x01));
  EXPECT_EQ(c.request({0x08, 0x00, 0x00, 0x12, 0x34}, 7), exception(0x08, 0x01));
  EXPECT_EQ(c.request({0x06, 0x00, 0x01, 0x00, 0x09}, 7), exception(0x06, 0x01))
      << "the holding registers describe the map and are not writable";
  auto a = c.request({0x03, 0x00, 0x01, 0x00, 0x01}, 7);
  ASSERT_TRUE(a);
  EXPECT_EQ(*a, (std::vector<std::uint8_t>{0x03, 2, 0, 3}));
}

TEST_F(BenchServer, AShortRequestIsIllegalDataValueAndTheConnectionGoesOn) {
  ModbusWire c(world_->engine(), port_, 7);
  EXPECT_EQ(c.request({0x03, 0x00}, 7), exception(0x03, 0x03));
  EXPECT_EQ(c.request({0x0F, 0x00, 0x01, 0x00, 0x10, 0x02, 0xFF}, 7), exception(0x0F, 0x03))
      << "byte count 2, one byte sent";
  EXPECT_EQ(c.request({0x05, 0x00, 0x01, 0x12, 0x34}, 7), exception(0x05, 0x03))
      << "a coil is written with FF00 or 0000 only";
  EXPECT_TRUE(world_->node_of("lamp")->powered());
  EXPECT_TRUE(c.read_coils(0, 3)) << "the same connection is still served";
}

TEST_F(BenchServer, AnotherUnitIdGetsGatewayTargetFailed) {
  ModbusWire c(world_->engine(), port_, 7);
  EXPECT_EQ(c.request({0x01, 0x00, 0x00, 0x00, 0x01}, 9), exception(0x01, 0x0B));
  EXPECT_TRUE(c.request({0x01, 0x00, 0x00, 0x00, 0x01}, 0)) << "0 and 255 mean this server";
  EXPECT_TRUE(c.request({0x01, 0x00, 0x00, 0x00, 0x01}, 255));
}

TEST_F(BenchServer, GarbageClosesThatConnectionOnlyAndOthersAreStillServed) {
  ModbusWire good(world_->engine(), port_, 7);
  ModbusWire bad(world_->engine(), port_, 7);
  ASSERT_TRUE(good.read_coils(0, 1));
  bad.send_raw({'G', 'E', 'T', ' ', '/', ' ', 'H', 'T', 'T', 'P', '/', '1', '.', '1', '\r', '\n'});
  EXPECT_TRUE(bad.closed_by_bench()) << "a frame that is not Modbus TCP ends that connection";
  EXPECT_EQ(world_->bench()->counters().bad_frames, 1u);
  ASSERT_TRUE(good.write_coil(2, false)) << "the other client goes on";
  EXPECT_FALSE(world_->node_of("solar")->powered());
  ModbusWire later(world_->engine(), port_, 7);
  EXPECT_TRUE(later.read_coils(0, 3)) << "and new clients are accepted";
}

TEST_F(BenchServer, ManyClientsAreServedAtOnce) {
  std::vector<std::unique_ptr<ModbusWire>> clients;
  for (int i = 0; i < 20; ++i)
    clients.push_back(std::make_unique<ModbusWire>(world_->engine(), port_, 7));
  for (int round = 0; round < 3; ++round) {
    for (auto& c : clients) ASSERT_TRUE(c->read_input_registers(0, 18));
  }
  EXPECT_EQ(world_->bench()->counters().clients, 20u);
  EXPECT_EQ(world_->bench()->counters().requests, 60u);
}

TEST_F(BenchServer, PipelinedRequestsAreAnsweredInOrder) {
  ModbusWire c(world_->engine(), port_, 7);
  // Two requests in one write: read coils (tid 0x0101), read holding 1 (tid 0x0102).
  c.send_raw({0x01, 0x01, 0, 0, 0, 6, 7, 0x01, 0, 0, 0, 3,  //
              0x01, 0x02, 0, 0, 0, 6, 7, 0x03, 0, 1, 0, 1});
  auto first = c.next_answer();
  auto second = c.next_answer();
  ASSERT_TRUE(first && second);
  EXPECT_EQ(first->tid, 0x0101);
  EXPECT_EQ(first->pdu, (std::vector<std::uint8_t>{0x01, 1, 0x07}));
  EXPECT_EQ(second->tid, 0x0102);
  EXPECT_EQ(second->pdu, (std::vector<std::uint8_t>{0x03, 2, 0, 3}));
}

TEST(BenchWorldFile, BenchSectionIsChecked) {
  echonet::ProfileLibrary lib;
  ASSERT_TRUE(lib.load_yaml(echonet::ProfileLibrary::bundled_dir()).ok());
  auto load = rig::load_world_text(R"(world: w
appliances:
  - {id: lamp, class: general_lighting}
bench: {address: not-an-address, port: 70000, unit_idd: 3}
)",
                                   "w.yaml", lib);
  EXPECT_FALSE(load.spec);
  std::string all;
  for (const auto& d : load.diagnostics) all += d.str() + "\n";
  EXPECT_NE(all.find("'address' must be an IPv4 address"), std::string::npos) << all;
  EXPECT_NE(all.find("port"), std::string::npos) << all;
  EXPECT_NE(all.find("unit_id"), std::string::npos) << all << " (did you mean)";
}

}  // namespace
