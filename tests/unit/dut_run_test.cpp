// DUTs in whole scenario runs, with stand-in DUT programs of our own
// (tests/unit/dut_fixtures), real processes and real sockets on loopback:
// output into the trace, readiness from INF 0xD5 and from the answer to Get
// 0xD6, a power cut through the bench's coil over Modbus TCP and a restart
// with the same state folder, the speed factor, a command that does not exist.
// Only scenario-time facts are asserted, never wall-clock durations.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "rig/scenario/runner.hpp"

using namespace hemsrig;

namespace {

namespace fs = std::filesystem;

// Job 45: the runner gives DUT worlds 127.65.0.0/16, which no other test uses.
constexpr int kJob = 45;

class DutRun : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(lib_.load_yaml(echonet::ProfileLibrary::bundled_dir()).ok());
    dir_ = fs::temp_directory_path() /
           ("hemsrig-dut-run-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
    settings_.trace_dir = dir_.string();
  }
  void TearDown() override { fs::remove_all(dir_); }

  scenario::Scenario load(const std::string& text) {
    auto l = scenario::load_scenario_text(
        text, "dut.yaml", lib_, std::string(HEMSRIG_SOURCE_DIR) + "/tests/unit/dut_fixtures");
    std::string errors;
    for (const auto& d : l.diagnostics) errors += d.str() + "\n";
    EXPECT_TRUE(l.scenario) << errors;
    return l.scenario ? std::move(*l.scenario) : scenario::Scenario{};
  }
  scenario::ScenarioResult run(const scenario::Scenario& sc) {
    return scenario::run_scenario(sc, lib_, settings_, kJob);
  }
  static std::string slurp(const std::string& path) {
    std::ifstream f(path);
    std::stringstream ss;
    ss << f.rdbuf();
    return ss.str();
  }

  echonet::ProfileLibrary lib_;
  fs::path dir_;
  scenario::RunSettings settings_;
};

constexpr const char* kWorld = R"(world:
  appliances:
    - {id: light, class: general_lighting}
  bench: {}
)";

constexpr const char* kFirmware = R"(dut:
  id: fw
  command: [/usr/bin/python3, "{scenario_dir}/echonet_dut.py", --address, "{address}",
            --state, "{state_dir}", --delay, "0.2"]
  env: {DUT_SPEED: "{speed}"}
  stop_timeout: 2s
)";

TEST_F(DutRun, ControllerIsUpWhenItAnnouncesAndItsOutputIsTraced) {
  auto sc = load(std::string("name: announce\nspeed: 10\n") + kFirmware + kWorld +
                 "steps:\n"
                 "  - wait_until: {dut: {id: fw, up: true, boots: 1}, timeout: 5m}\n"
                 "  - wait_until: {frame: {from: fw, esv: INF, epc: 0xD5}, timeout: 1m}\n"
                 "  - expect: {dut: {id: fw, output: \"^boot 1 state .* speed 10$\"}}\n");
  const auto r = run(sc);
  ASSERT_TRUE(r.passed) << r.summary();
  const std::string trace = slurp(r.trace_path);
  EXPECT_NE(trace.find("\"dut.output\""), std::string::npos);
  EXPECT_NE(trace.find("\"to stderr\""), std::string::npos);  // stderr too
  EXPECT_NE(trace.find("announced its instance list"), std::string::npos);
}

TEST_F(DutRun, ControllerThatOnlyAnswersDiscoveryIsUpFromTheAnswer) {
  auto sc = load(
      "name: answer\nspeed: 10\n"
      "dut:\n"
      "  id: fw\n"
      "  command: [/usr/bin/python3, \"{scenario_dir}/echonet_dut.py\", --address, "
      "\"{address}\", --state, \"{state_dir}\", --no-announce]\n" +
      std::string(kWorld) +
      "steps:\n"
      "  - wait_until: {dut: {id: fw, up: true}, timeout: 5m}\n"
      // It prints after it answers: the line may come a moment after the datagram.
      "  - wait_until: {dut: {id: fw, boots: 1, output: \"answered get 0xD6\"}, timeout: 1m}\n"
      "  - expect: {frame: {from: fw, esv: INF, epc: 0xD5, absent: true}}\n");
  const auto r = run(sc);
  ASSERT_TRUE(r.passed) << r.summary();
  EXPECT_NE(slurp(r.trace_path).find("answered Get 0xD6"), std::string::npos);
}

TEST_F(DutRun, BenchCoilCutsThePowerAndPowerOnRestartsWithTheSameStateDir) {
  auto sc = load(std::string("name: power\nspeed: 10\n") + kFirmware + kWorld +
                 "steps:\n"
                 "  - wait_until: {dut: {id: fw, up: true, boots: 1}, timeout: 5m}\n"
                 "  - bench_coil: {channel: fw, on: false}\n"
                 "  - expect: {dut: {id: fw, up: false}}\n"
                 "  - bench_coil: {channel: fw, on: true}\n"
                 "  - wait_until: {dut: {id: fw, up: true, boots: 2}, timeout: 5m}\n"
                 // The second boot read the first one's count from {state_dir}.
                 "  - expect: {dut: {id: fw, output: \"^boot 2 state \"}}\n"
                 "  - power_cycle: {dut: fw, off_for: 5s}\n"
                 "  - wait_until: {dut: {id: fw, up: true, boots: 3}, timeout: 5m}\n"
                 "  - expect: {dut: {id: fw, output: \"^boot 3 state \"}}\n");
  const auto r = run(sc);
  ASSERT_TRUE(r.passed) << r.summary();
  const std::string trace = slurp(r.trace_path);
  EXPECT_NE(trace.find("\"dut.power_cut\""), std::string::npos);
  EXPECT_NE(trace.find("\"bench_switch\""), std::string::npos);
}

// Several DUTs in one scenario (labgrid's one target per run is a known pain): each its own
// address, bench channel, state dir and boots; cutting one leaves the other running.
TEST_F(DutRun, TwoDutsInOneScenarioArePoweredApart) {
  auto sc = load(std::string("name: two\nspeed: 10\n") +
                 "duts:\n"
                 "  - id: fw\n"
                 "    command: [/usr/bin/python3, \"{scenario_dir}/echonet_dut.py\", --address,\n"
                 "              \"{address}\", --state, \"{state_dir}\", --delay, \"0.2\"]\n"
                 "    stop_timeout: 2s\n"
                 "  - id: fw2\n"
                 "    command: [/usr/bin/python3, \"{scenario_dir}/echonet_dut.py\", --address,\n"
                 "              \"{address}\", --state, \"{state_dir}\", --delay, \"0.2\"]\n"
                 "    stop_timeout: 2s\n" +
                 kWorld +
                 "steps:\n"
                 "  - wait_until: {dut: {id: fw, up: true, boots: 1}, timeout: 5m}\n"
                 "  - wait_until: {dut: {id: fw2, up: true, boots: 1}, timeout: 5m}\n"
                 "  - wait_until: {frame: {from: fw2, esv: INF, epc: 0xD5}, timeout: 1m}\n"
                 "  - bench_coil: {channel: fw, on: false}\n"
                 "  - expect: {dut: {id: fw, up: false}}\n"
                 "  - expect: {dut: {id: fw2, up: true, boots: 1}}\n"
                 "  - bench_coil: {channel: fw, on: true}\n"
                 "  - wait_until: {dut: {id: fw, up: true, boots: 2}, timeout: 5m}\n"
                 "  - expect: {dut: {id: fw2, up: true, boots: 1}}\n");
  ASSERT_EQ(sc.world.duts.size(), 2u);
  const auto r = run(sc);
  ASSERT_TRUE(r.passed) << r.summary();
}

TEST_F(DutRun, SpeedScalesScenarioTime) {
  auto sc = load(std::string("name: speed\nspeed: 60\n") + kFirmware + kWorld +
                 "steps:\n"
                 "  - wait: 60s\n"
                 "  - expect: {dut: {id: fw, output: \"speed 60$\"}}\n");
  EXPECT_EQ(sc.speed, 60.0);
  const auto r = run(sc);
  ASSERT_TRUE(r.passed) << r.summary();
  EXPECT_GE(r.sim_seconds, 60.0);  // scenario time; the wall clock saw about a second
}

TEST_F(DutRun, CommandThatDoesNotExistIsAClearError) {
  auto sc = load(
      "name: missing\n"
      "dut: {id: fw, command: [/no/such/firmware, --x]}\n" +
      std::string(kWorld) + "steps:\n  - wait: 1s\n");
  const auto r = run(sc);
  ASSERT_FALSE(r.passed);
  EXPECT_EQ(r.failed_step, 0);
  EXPECT_NE(r.seen.find("/no/such/firmware"), std::string::npos) << r.seen;
  EXPECT_NE(r.seen.find("DUT fw"), std::string::npos) << r.seen;
}

TEST_F(DutRun, LogReadinessAndALastLineWithoutNewline) {
  auto sc = load(
      "name: chatty\n"
      "dut:\n"
      "  id: app\n"
      "  role: app\n"
      "  command: [./chatty.sh, \"{id}\", \"{{literal}}\"]\n"
      "  env: {DUT_GREETING: \"hello {id}\"}\n"
      "  ready: {log: \"^env: hello app$\"}\n" +
      std::string(kWorld) +
      "steps:\n"
      "  - wait_until: {dut: {id: app, boots: 1, output: \"ready now\"}, timeout: 5m}\n"
      "  - expect: {dut: {id: app, output: \"^args: app \\\\{literal\\\\}$\"}}\n");
  const auto r = run(sc);
  ASSERT_TRUE(r.passed) << r.summary();
  const std::string trace = slurp(r.trace_path);
  EXPECT_NE(trace.find("\"stream\":\"stderr\""), std::string::npos) << trace;
  EXPECT_NE(trace.find("\"dut.exit\""), std::string::npos);
}

}  // namespace
