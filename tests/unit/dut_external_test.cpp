// An external DUT: the rig starts nothing and switches its power through a
// relay coil over Modbus TCP (the bench's coil and power drivers). The "relay
// board" here is a second world's bench on a thread of its own; its coil 0
// feeds a lamp node, so the test sees the relay open and close.
#include <gtest/gtest.h>

#include <thread>

#include <boost/asio/post.hpp>

#include "rig/scenario/runner.hpp"
#include "rig/world/world.hpp"

using namespace hemsrig;

namespace {

class DutExternal : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(lib_.load_yaml(echonet::ProfileLibrary::bundled_dir()).ok());
    auto load = rig::load_world_text(
        "world: relay-board\nfabric: {kind: local}\nappliances:\n"
        "  - {id: lamp, class: general_lighting}\nbench: {unit_id: 1}\n",
        "relay-board.yaml", lib_);
    ASSERT_TRUE(load.spec);
    rig::WorldOptions o;
    o.mode = sim::ClockMode::Realtime;
    auto w = rig::World::create(*load.spec, lib_, o);
    ASSERT_TRUE(w.ok()) << w.error().message;
    relay_ = std::move(*w);
    ASSERT_TRUE(relay_->start().ok());
    port_ = relay_->bench()->port();
    thread_ = std::thread([this] { relay_->engine().run(); });
  }
  void TearDown() override { stop_relay(); }
  void stop_relay() {
    if (!thread_.joinable()) return;
    boost::asio::post(relay_->engine().io(), [this] { relay_->engine().stop(); });
    thread_.join();
  }

  echonet::ProfileLibrary lib_;
  std::unique_ptr<rig::World> relay_;
  std::uint16_t port_ = 0;
  std::thread thread_;
};

TEST_F(DutExternal, PowerStepsSwitchTheRelayCoilOverModbus) {
  const std::string text =
      "name: external\n"
      "dut:\n"
      "  id: panel\n"
      "  role: app\n"
      "  adapter: external\n"
      "  power: {modbus: {host: 127.0.0.1, port: " +
      std::to_string(port_) +
      ", unit_id: 1, coil: 0}}\n"
      "world:\n"
      "  appliances:\n"
      "    - {id: light, class: general_lighting}\n"
      "steps:\n"
      "  - expect: {dut: {id: panel, up: true, boots: 1}}\n"
      "  - power_off: panel\n"
      "  - expect: {dut: {id: panel, up: false}}\n"
      "  - power_cycle: {dut: panel, off_for: 1s}\n"
      "  - expect: {dut: {id: panel, up: true, boots: 2}}\n";
  auto l = scenario::load_scenario_text(text, "external.yaml", lib_, "/tmp");
  std::string errors;
  for (const auto& d : l.diagnostics) errors += d.str() + "\n";
  ASSERT_TRUE(l.scenario) << errors;
  scenario::RunSettings settings;
  const auto r = scenario::run_scenario(*l.scenario, lib_, settings, 47);
  ASSERT_TRUE(r.passed) << r.summary();
  stop_relay();
  EXPECT_TRUE(relay_->node_of("lamp")->powered());  // closed again at the end
  // Off by power_off, on and off again by power_cycle... each a Modbus write that switched it.
  EXPECT_GE(relay_->bench()->counters().switches, 2u);
}

TEST_F(DutExternal, ExternalDutWithoutPowerCannotBeSwitched) {
  auto l = scenario::load_scenario_text(
      "name: unpowered\n"
      "dut: {id: panel, role: app, adapter: external}\n"
      "world:\n"
      "  appliances:\n"
      "    - {id: light, class: general_lighting}\n"
      "steps:\n"
      "  - power_off: panel\n"
      "    expect_error: no_power_control\n",
      "unpowered.yaml", lib_, "/tmp");
  ASSERT_TRUE(l.scenario);
  const auto r = scenario::run_scenario(*l.scenario, lib_, scenario::RunSettings{}, 47);
  EXPECT_TRUE(r.passed) << r.summary();
}

}  // namespace
