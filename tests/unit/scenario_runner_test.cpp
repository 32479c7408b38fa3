// The runner on whole scenarios in virtual time: a passing one passes; a
// failing one names its step, the expectation and what was seen, and keeps
// its trace and pcap; a step that must be refused fails when it is not; the
// same seed gives the same trace; JUnit names the failing step.
#include "rig/scenario/runner.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "rig/scenario/reports.hpp"

using namespace hemsrig;

namespace {

namespace fs = std::filesystem;

constexpr const char* kHead = R"(world:
  seed: 5
  appliances:
    - {id: living_ac, name: リビングエアコン, class: home_air_conditioner}
    - {id: light, name: ダウンライト, class: general_lighting}
  units:
    - {id: hems}
steps:
  - wait_until: {unit: {unit: hems, up: true, appliances: 2}, timeout: 5m}
)";

class Runner : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(lib_.load_yaml(echonet::ProfileLibrary::bundled_dir()).ok());
    dir_ = fs::temp_directory_path() /
           ("hemsrig-runner-test-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
    settings_.keep_dir = (dir_ / "kept").string();
  }
  void TearDown() override { fs::remove_all(dir_); }

  scenario::Scenario load(const std::string& name, const std::string& steps) {
    auto l = scenario::load_scenario_text("name: " + name + "\n" + kHead + steps, name + ".yaml",
                                          lib_, dir_.string());
    std::string errors;
    for (const auto& d : l.diagnostics) errors += d.str() + "\n";
    EXPECT_TRUE(l.scenario) << errors;
    return std::move(*l.scenario);
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

TEST_F(Runner, PassingScenarioPassesAndKeepsNoTrace) {
  auto sc = load("pass",
                 "  - remote: {appliance: living_ac, set: {operationStatus: on, 0xB3: 24}}\n"
                 "  - wait_until:\n"
                 "      frame: {esv: INF, from: living_ac, epc: 0x80, edt: 0x30}\n"
                 "      timeout: 1m\n"
                 "  - wait: 7d\n"
                 "  - expect:\n"
                 "      appliance: {id: living_ac, properties: {operationStatus: on, 0xB3: 24}}\n"
                 "      history: {unit: hems, at_least: 300}\n"
                 "      event: {unit: hems, kind: discovered, detail: light}\n");
  sc.timeout = std::chrono::hours(24 * 8);
  auto r = scenario::run_scenario(sc, lib_, settings_);
  EXPECT_TRUE(r.passed) << r.summary();
  EXPECT_EQ(r.steps_passed, 5u);
  EXPECT_GE(r.sim_seconds, 7 * 86400.0);  // a week of scenario time
  EXPECT_TRUE(r.trace_path.empty());
  EXPECT_FALSE(fs::exists(dir_ / "kept" / "pass.jsonl"));
}

TEST_F(Runner, FailureNamesStepExpectationAndSeenAndKeepsTrace) {
  auto sc = load("fail",
                 "  - firmware_check: hems\n"
                 "    expect_error: offline\n"
                 "  - expect: {appliance: {id: light, properties: {operationStatus: on}}}\n"
                 "  - wait: 1m\n");
  auto r = scenario::run_scenario(sc, lib_, settings_);
  ASSERT_FALSE(r.passed);
  EXPECT_EQ(r.failed_step, 3);
  EXPECT_EQ(r.step_kind, "expect");
  EXPECT_EQ(r.step_where, "fail.yaml:13");
  EXPECT_EQ(r.expected, "appliance light 0x80=0x30");
  EXPECT_EQ(r.seen, "appliance light 0x80=0x31");
  EXPECT_EQ(r.steps_passed, 2u);
  ASSERT_FALSE(r.trace_tail.empty());
  EXPECT_NE(r.trace_tail.back().find("step_failed"), std::string::npos);
  ASSERT_FALSE(r.trace_path.empty());
  EXPECT_TRUE(fs::exists(r.trace_path));
  EXPECT_TRUE(fs::exists(r.pcap_path));
  EXPECT_GT(fs::file_size(r.pcap_path), 24u);  // frames were written after the pcap header
}

TEST_F(Runner, AStepThatMustBeRefusedFailsWhenItSucceeds) {
  auto sc = load("refusal",
                 "  - remote: {appliance: light, set: {operationStatus: on}}\n"
                 "    expect_error: appliance_off\n");
  auto r = scenario::run_scenario(sc, lib_, settings_);
  ASSERT_FALSE(r.passed);
  EXPECT_EQ(r.expected, "refused with appliance_off");
  EXPECT_EQ(r.seen, "the step succeeded");
  auto other = load("other",
                    "  - power_off: {appliance: light}\n"
                    "  - remote: {appliance: light, set: {operationStatus: on}}\n"
                    "    expect_error: range\n");
  auto r2 = scenario::run_scenario(other, lib_, settings_);
  ASSERT_FALSE(r2.passed);
  EXPECT_NE(r2.seen.find("refused with appliance_off"), std::string::npos) << r2.seen;
}

TEST_F(Runner, WaitUntilFailsAtItsTimeoutInScenarioTime) {
  auto sc = load("never", "  - wait_until: {firmware: {unit: hems, state: latest}, timeout: 3h}\n");
  auto r = scenario::run_scenario(sc, lib_, settings_);
  ASSERT_FALSE(r.passed);
  EXPECT_NE(r.expected.find("within 3h"), std::string::npos) << r.expected;
  EXPECT_NE(r.seen.find("state 'idle'"), std::string::npos) << r.seen;
  EXPECT_GE(r.sim_seconds, 3 * 3600.0);
}

TEST_F(Runner, ScenarioTimeoutStopsALongWait) {
  auto sc = load("timeout", "  - wait: 2d\n");
  sc.timeout = std::chrono::hours(1);
  auto r = scenario::run_scenario(sc, lib_, settings_);
  ASSERT_FALSE(r.passed);
  EXPECT_NE(r.seen.find("timeout"), std::string::npos) << r.seen;
  EXPECT_LE(r.sim_seconds, 3600.0 + 1);
}

TEST_F(Runner, SameSeedSameTrace) {
  auto sc = load("repeat",
                 "  - remote: {appliance: light, set: {operationStatus: on}}\n"
                 "  - wait: 2h\n");
  settings_.trace_dir = (dir_ / "a").string();
  auto a = scenario::run_scenario(sc, lib_, settings_);
  settings_.trace_dir = (dir_ / "b").string();
  auto b = scenario::run_scenario(sc, lib_, settings_);
  ASSERT_TRUE(a.passed && b.passed) << a.summary() << b.summary();
  const std::string ta = slurp(a.trace_path), tb = slurp(b.trace_path);
  EXPECT_GT(ta.size(), 1000u);
  EXPECT_EQ(ta, tb);
  settings_.trace_dir = (dir_ / "c").string();
  settings_.seed = 99;
  auto c = scenario::run_scenario(sc, lib_, settings_);
  EXPECT_NE(slurp(c.trace_path), ta);  // another seed, other answer delays
}

TEST_F(Runner, JunitNamesTheFailingStepAndParallelRunsKeepOrder) {
  std::vector<scenario::Scenario> list;
  list.push_back(load("one", "  - wait: 1m\n"));
  list.push_back(load("two", "  - expect: {unit: {unit: hems, appliances: 3}}\n"));
  list.push_back(load("three", "  - wait: 1h\n"));
  settings_.load_profiles = [](echonet::ProfileLibrary& l) {
    return l.load_yaml(echonet::ProfileLibrary::bundled_dir()).ok();
  };
  int reported = 0;
  auto results = scenario::run_all(list, settings_, 2, [&](const auto&) { ++reported; });
  ASSERT_EQ(results.size(), 3u);
  EXPECT_EQ(reported, 3);
  EXPECT_EQ(results[0].name, "one");
  EXPECT_TRUE(results[0].passed);
  EXPECT_FALSE(results[1].passed);
  EXPECT_TRUE(results[2].passed);
  const std::string xml = scenario::junit_xml(results);
  EXPECT_NE(xml.find("<testsuite name=\"hemsrig scenarios\" tests=\"3\" failures=\"1\""),
            std::string::npos)
      << xml;
  EXPECT_NE(xml.find("<failure message=\"step 2 (two.yaml:11) expect: expected unit hems with 3 "
                     "appliances registered"),
            std::string::npos)
      << xml;
  EXPECT_NE(xml.find("<system-out>"), std::string::npos);
}

}  // namespace
