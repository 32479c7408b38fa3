// The end of a run leaves no DUT process behind: stop() sends SIGTERM to the
// DUT's process group and SIGKILL after stop_timeout, so a DUT that ignores
// SIGTERM, and a child it started, are gone too; so is a DUT whose world is
// destroyed without stop().
#include <gtest/gtest.h>
#include <signal.h>

#include <cerrno>
#include <fstream>
#include <thread>

#include "rig/dut/dut.hpp"
#include "rig/scenario/scenario.hpp"
#include "rig/world/world.hpp"

using namespace hemsrig;

namespace {

// Alive: the process exists and is not a zombie waiting for its parent.
bool alive(int pid) {
  if (::kill(pid, 0) != 0) return errno != ESRCH;
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  const auto close = text.rfind(')');
  return close == std::string::npos || close + 2 >= text.size() || text[close + 2] != 'Z';
}

// An orphaned child is reaped by init: give it a bounded moment.
bool gone_soon(int pid) {
  for (int i = 0; i < 500 && alive(pid); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  return !alive(pid);
}

class DutStop : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(lib_.load_yaml(echonet::ProfileLibrary::bundled_dir()).ok());
  }

  std::unique_ptr<rig::World> start_stubborn() {
    auto l = scenario::load_scenario_text(
        "name: stubborn\n"
        "dut: {id: s, role: app, command: [./stubborn.sh], stop_timeout: 200ms}\n"
        "world:\n"
        "  fabric: {base_address: 127.66.0.0}\n"
        "  appliances:\n"
        "    - {id: light, class: general_lighting}\n"
        "steps:\n"
        "  - wait: 1s\n",
        "stubborn.yaml", lib_, std::string(HEMSRIG_SOURCE_DIR) + "/tests/unit/dut_fixtures");
    EXPECT_TRUE(l.scenario);
    if (!l.scenario) return nullptr;
    rig::WorldOptions o;
    o.mode = sim::ClockMode::Realtime;
    auto w = rig::World::create(l.scenario->world, lib_, o);
    EXPECT_TRUE(w.ok()) << w.error().message;
    if (!w.ok()) return nullptr;
    auto st = (*w)->start();
    EXPECT_TRUE(st.ok()) << st.error().message;
    return std::move(*w);
  }

  // The pids the stubborn DUT printed: itself and its child.
  std::pair<int, int> pids(rig::World& w) {
    dut::Dut* d = w.dut("s");
    int self = 0, child = 0;
    w.engine().run_until(
        [&] {
          for (const auto& line : d->output()) {
            if (line.rfind("self ", 0) == 0) self = std::stoi(line.substr(5));
            if (line.rfind("child ", 0) == 0) child = std::stoi(line.substr(6));
          }
          return self != 0 && child != 0;
        },
        std::chrono::seconds(30));
    return {self, child};
  }

  echonet::ProfileLibrary lib_;
};

TEST_F(DutStop, StopKillsADutThatIgnoresSigtermAndItsChild) {
  auto w = start_stubborn();
  ASSERT_TRUE(w);
  const auto [self, child] = pids(*w);
  ASSERT_NE(self, 0);
  ASSERT_NE(child, 0);
  EXPECT_EQ(w->dut("s")->pid(), self);
  ASSERT_TRUE(alive(self));
  w->stop();
  EXPECT_FALSE(w->dut("s")->running());
  EXPECT_FALSE(alive(self));  // reaped by the rig
  EXPECT_TRUE(gone_soon(child));
}

TEST_F(DutStop, DestroyingTheWorldKillsTheDut) {
  auto w = start_stubborn();
  ASSERT_TRUE(w);
  const auto [self, child] = pids(*w);
  ASSERT_NE(self, 0);
  w.reset();
  EXPECT_FALSE(alive(self));
  EXPECT_TRUE(gone_soon(child));
}

}  // namespace
