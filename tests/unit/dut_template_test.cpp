// The `dut:` block as the loader reads it (docs/dut.md): templates expand the
// variables of the running world, unknown variables and keys are load errors
// with file:line:col and a did-you-mean, and a `speed:` needs a DUT.
#include <gtest/gtest.h>

#include "rig/dut/dut_spec.hpp"
#include "rig/scenario/scenario.hpp"

using namespace hemsrig;

namespace {

TEST(DutTemplate, ExpandsVariablesAndLiteralBraces) {
  auto t = dut::DutTemplate::parse("--at={address}:{echonet_port} {{json}} {unit_address:hems}",
                                   {"hems"});
  ASSERT_TRUE(t.ok()) << t.error().message;
  dut::TemplateValues v;
  v.values = {
      {"address", "127.10.0.9"}, {"echonet_port", "3610"}, {"unit_address:hems", "127.10.0.2"}};
  EXPECT_EQ(dut::expand(*t, v), "--at=127.10.0.9:3610 {json} 127.10.0.2");
}

TEST(DutTemplate, UnknownVariableNamesTheKnownOnes) {
  auto t = dut::DutTemplate::parse("{adress}", {});
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.error().code, "unknown_template_variable");
  EXPECT_NE(t.error().message.find("did you mean {address}?"), std::string::npos)
      << t.error().message;
  EXPECT_NE(t.error().message.find("{cloud_url}"), std::string::npos) << t.error().message;
}

TEST(DutTemplate, UnitVariablesNeedAUnitOfTheWorld) {
  auto t = dut::DutTemplate::parse("{unit_web_url:hem}", {"hems"});
  ASSERT_FALSE(t.ok());
  EXPECT_NE(t.error().message.find("did you mean 'hems'?"), std::string::npos) << t.error().message;
  EXPECT_FALSE(dut::DutTemplate::parse("{address", {}).ok());
  EXPECT_FALSE(dut::DutTemplate::parse("address}", {}).ok());
}

class DutBlock : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(lib_.load_yaml(echonet::ProfileLibrary::bundled_dir()).ok());
  }
  scenario::ScenarioLoad load(const std::string& top) {
    return scenario::load_scenario_text("name: dut\n" + top +
                                            "world:\n"
                                            "  appliances:\n"
                                            "    - {id: light, class: general_lighting}\n"
                                            "steps:\n"
                                            "  - wait: 1s\n",
                                        "dut.yaml", lib_, "/tmp");
  }
  static std::string all(const scenario::ScenarioLoad& l) {
    std::string s;
    for (const auto& d : l.diagnostics) s += d.str() + "\n";
    return s;
  }
  echonet::ProfileLibrary lib_;
};

TEST_F(DutBlock, GoodBlockIsReadWithItsDefaults) {
  auto l = load(
      "speed: 60\n"
      "dut:\n"
      "  id: fw\n"
      "  command: [/usr/bin/python3, \"{scenario_dir}/fw.py\", --state, \"{state_dir}\"]\n"
      "  env: {SPEED: \"{speed}\"}\n"
      "  cwd: sub\n"
      "  ready_timeout: 30s\n");
  ASSERT_TRUE(l.scenario) << all(l);
  ASSERT_EQ(l.scenario->world.duts.size(), 1u);
  const dut::DutSpec& d = l.scenario->world.duts[0];
  EXPECT_EQ(d.id, "fw");
  EXPECT_EQ(d.role, dut::DutRole::Controller);
  EXPECT_EQ(d.ready, dut::DutReady::Announce);  // controllers: announce by default
  EXPECT_EQ(d.cwd, "/tmp/sub");
  EXPECT_EQ(d.base_dir, "/tmp");
  EXPECT_EQ(d.command.size(), 4u);
  EXPECT_EQ(d.ready_timeout, std::chrono::seconds(30));
  EXPECT_EQ(l.scenario->speed, 60.0);
}

TEST_F(DutBlock, UnknownKeyIsAnErrorAtItsPlaceWithDidYouMean) {
  auto l = load(
      "dut:\n"
      "  id: fw\n"
      "  comand: [/bin/true]\n");
  ASSERT_FALSE(l.scenario);
  const std::string e = all(l);
  EXPECT_NE(e.find("dut.yaml:4:3:"), std::string::npos) << e;
  EXPECT_NE(e.find("command"), std::string::npos) << e;
}

TEST_F(DutBlock, UnknownTemplateVariableIsAnErrorAtItsPlace) {
  auto l = load(
      "dut:\n"
      "  id: fw\n"
      "  command: [/bin/echo, \"{adress}\"]\n");
  ASSERT_FALSE(l.scenario);
  const std::string e = all(l);
  EXPECT_NE(e.find("dut.yaml:4:"), std::string::npos) << e;
  EXPECT_NE(e.find("did you mean {address}?"), std::string::npos) << e;
}

TEST_F(DutBlock, SpeedWithoutADutIsRefused) {
  auto l = load("speed: 60\n");
  ASSERT_FALSE(l.scenario);
  EXPECT_NE(all(l).find("dut.yaml:2:8:"), std::string::npos) << all(l);
}

TEST_F(DutBlock, StepsNameTheDut) {
  auto l = scenario::load_scenario_text(
      "name: dut\n"
      "dut: {id: fw, command: [/bin/true]}\n"
      "world:\n"
      "  appliances:\n"
      "    - {id: light, class: general_lighting}\n"
      "steps:\n"
      "  - power_cycle: {dut: fx, off_for: 5s}\n"
      "  - expect: {dut: {id: fw, up: true}, frame: {from: fw, esv: Get}}\n",
      "dut.yaml", lib_, "/tmp");
  ASSERT_FALSE(l.scenario);
  const std::string e = all(l);
  EXPECT_NE(e.find("dut.yaml:7:24: unknown DUT 'fx' (did you mean 'fw'?)"), std::string::npos) << e;
  EXPECT_EQ(l.diagnostics.size(), 1u) << e;  // the dut and frame checks know 'fw'
}

}  // namespace
